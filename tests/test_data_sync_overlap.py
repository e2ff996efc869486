"""A provider sync beside a FOCUS file of the same bill (data/sync_overlap.py): the days and projects the file
holds are left out of the sync with a warning, or switched to the API with --replace-period; never both counted."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from fake_provider_apis import FakeServer
from spendscope.data.importing import import_files
from spendscope.data.store import Store
from spendscope.data.sync_openai import sync_openai
from test_data_sync_openai import _day, _fake, _settings, cli_env
from typer.testing import CliRunner

from spendscope.cli import app

# the FOCUS file holds proj_search's spend of Nov 2 and 3 (what the API reports for those days, 0.7875 + 0.01 i)
FOCUS_DAYS = (1, 2)


def _focus(tmp_path: Path, *, project: str | None = "proj_search") -> Path:
    path = tmp_path / "openai-focus.csv"
    header = [
        "BillingAccountId",
        "BillingPeriodStart",
        "ProviderName",
        "ServiceName",
        "SubAccountId",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "BilledCost",
        "EffectiveCost",
        "ChargeDescription",
    ]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in FOCUS_DAYS:
            day, nxt = _day(i), _day(i + 1)
            w.writerow(
                [
                    "org-acme",
                    "2026-11-01T00:00:00Z",
                    "OpenAI",
                    "OpenAI API",
                    project or "",
                    f"{day}T00:00:00Z",
                    f"{nxt}T00:00:00Z",
                    "0.80",
                    "0.80",
                    "gpt-4o-mini",
                ]
            )
    return path


def _sums(store: Store) -> dict[str, Decimal]:
    with store.reader() as con:
        return dict(con.execute("SELECT x_Source, sum(BilledCost) FROM costs GROUP BY 1").fetchall())


def _sync(store: Store, tmp_path: Path, **kwargs: object):
    api = _fake()
    with FakeServer(api.route) as srv:
        return sync_openai(
            store, _settings(tmp_path, srv.url), since=_day(0), until=_day(4), sleep=lambda s: None, **kwargs
        )


def test_a_sync_leaves_out_the_days_and_projects_a_focus_file_holds_and_says_so(
    store: Store, tmp_path: Path
) -> None:
    import_files(store, "focus", [_focus(tmp_path)])
    result = _sync(store, tmp_path)
    # 5 days x 4 results, less proj_search's three results on each of the two days the file holds
    assert result.cost_rows == 20 - 3 * len(FOCUS_DAYS)
    note = " ".join(result.import_result.warnings)
    assert "`spendscope import focus`" in note and "2026-11-02..2026-11-03" in note
    assert "project proj_search" in note and "--replace-period" in note
    sums = _sums(store)
    assert sums["focus"] == Decimal("1.60")
    api_days = [0, 3, 4]
    expected = sum(
        Decimal(str(round(0.15 + i / 100, 2))) + Decimal("0.6375") for i in api_days
    ) + 5 * Decimal("0.02")
    assert sums["openai_api"] == expected
    again = _sync(store, tmp_path)  # a scheduled sync runs again: same answer, nothing added twice
    assert again.cost_rows == result.cost_rows and _sums(store) == sums


def test_replace_period_switches_those_days_to_the_api(store: Store, tmp_path: Path) -> None:
    import_files(store, "focus", [_focus(tmp_path)])
    result = _sync(store, tmp_path, replace_other=True)
    assert result.cost_rows == 20
    assert "focus" not in _sums(store)
    assert any("replaced by the sync's rows" in w for w in result.import_result.warnings)


def test_file_rows_that_name_no_project_are_kept_and_named_in_a_warning(store: Store, tmp_path: Path) -> None:
    import_files(store, "focus", [_focus(tmp_path, project=None)])
    result = _sync(store, tmp_path)
    assert result.cost_rows == 20
    assert any("names no project" in w for w in result.import_result.warnings)


def test_a_focus_file_after_the_sync_is_refused_naming_the_sync(store: Store, tmp_path: Path) -> None:
    from spendscope.data.errors import ImportRejected

    _sync(store, tmp_path)
    before = _sums(store)
    with pytest.raises(ImportRejected) as info:
        import_files(store, "focus", [_focus(tmp_path)])
    assert "`spendscope sync openai`" in str(info.value)
    assert _sums(store) == before


def test_the_cli_flag_and_a_chdb_store(tmp_path: Path) -> None:
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    db = f"chdb:{tmp_path / 'ch'}"
    store = Store(db)
    import_files(store, "focus", [_focus(tmp_path)])
    api = _fake()
    with FakeServer(api.route) as srv:
        env = cli_env(srv.url, tmp_path)
        base = ["sync", "openai", "--since", "2026-11-01", "--until", "2026-11-05", "--db", db, "--json"]
        out = CliRunner().invoke(app, base, env=env)
        assert out.exit_code == 0, out.output
        assert json.loads(out.stdout)["cost_rows"] == 20 - 3 * len(FOCUS_DAYS)
        out = CliRunner().invoke(app, [*base, "--replace-period"], env=env)
        assert out.exit_code == 0, out.output
        assert json.loads(out.stdout)["cost_rows"] == 20
    assert "focus" not in _sums(store)
