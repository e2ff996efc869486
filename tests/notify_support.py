"""Shared parts of the email and Teams tests: a store with owners on every channel, the CLI (its entry point, in
process) with a clean environment, and figures computed by hand-written SQL."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from spendscope.data.store import Store
from spendscope.tools.allocation.owners import SetOwnerInput, set_owner
from spendscope_in_process import run_spendscope

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(
    2026, 11, 2
)  # a Monday after the demo's last day: last week (10-26..11-01) and October are whole
WEEK = (dt.date(2026, 10, 26), dt.date(2026, 11, 2))  # [start, end)
TEAMS = ["support", "data-science", "search", "platform", "legal", "growth"]
OWNERS = {
    "search": {"email": "search-leads@example.com"},
    "support": {"email": "support@example.com", "teams_webhook": "support-alerts"},
    "data-science": {"teams_webhook": "ds"},
    "platform": {"slack_channel": "C0PLATFRM1"},
}


@pytest.fixture(scope="module", name="notify_master")
def notify_master_fixture(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with team owners on email, Teams and Slack."""
    path = tmp_path_factory.mktemp("notify") / "notify.duckdb"
    shutil.copy(demo_store.path, path)
    store = Store(path, lock_timeout=10)
    for team, channels in OWNERS.items():
        set_owner(store, SetOwnerInput(key="team", value=team, author="test", **channels))
    return path


@pytest.fixture(name="notify_store")
def notify_store_fixture(notify_master: Path, tmp_path: Path) -> Store:
    target = tmp_path / "store.duckdb"
    shutil.copy(notify_master, target)
    return Store(target, lock_timeout=10)


def cli(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`spendscope ARGS` (its entry point, in this process: tests/spendscope_in_process.py) with an environment
    that holds no Slack, SMTP or spendscope settings but `env`."""
    base = {
        "SPENDSCOPE_STATE_DIR": str(tmp_path / "state"),
        "SPENDSCOPE_KEYS_FILE": str(tmp_path / "none.yaml"),
    }
    return run_spendscope(
        *args, env={**base, **env}, drop_env=("SLACK_", "SPENDSCOPE_", "ANTHROPIC_"), cwd=ROOT
    )


def team_cost(store: Store, team: str, start: dt.date, end: dt.date) -> float:
    """A team's effective cost in [start, end), straight from the FOCUS rows."""
    with store.reader() as con:
        rows = con.execute(
            """SELECT coalesce(sum(EffectiveCost), 0) FROM costs
               WHERE lower(json_extract_string(Tags, '$."team"')) = lower(?)
                 AND ChargePeriodStart >= ? AND ChargePeriodStart < ?""",
            [
                team,
                dt.datetime.combine(start, dt.time(), dt.UTC),
                dt.datetime.combine(end, dt.time(), dt.UTC),
            ],
        ).fetchall()
    return float(rows[0][0])


def money(v: float) -> str:
    return f"${v:,.2f}"
