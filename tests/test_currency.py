"""Money in the store's billing currency on every surface: the CLI (`costs`, `ask`, `anomalies`, `budgets`), the
Slack app (signed requests into Bolt, the fake Web API), the dashboard, a triage alert and operation text (through
tools.invoke, as MCP calls it). The stores are the triage world's hand-written rows (tests/triage_store.py) with
their BillingCurrency set to EUR, GBP, JPY, USD or a mix."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import triage_store as world
from spendscope.agents.delivery import Alert
from spendscope.agents.triage import run_triage
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke
from spendscope.tools.money_text import (
    billing_currency,
    currency_code,
    for_store,
    mixed_note,
    money,
    store_currencies,
    usd,
)
from typer.testing import CliRunner

from spendscope.cli import app

AS_OF = world.last_day() + dt.timedelta(days=1)
SEPTEMBER = "how much did we spend in september 2026"
ANY_SIGN = re.compile(r"[$€£¥]\s?\d")


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return world.build(tmp_path_factory.mktemp("currency") / "usd.duckdb").path


def _store(master: Path, folder: Path, sql: str | None, params: list[Any] | None = None) -> Store:
    """A copy of the triage world with its currency column rewritten by `sql` (None: as built, USD)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "store.duckdb"
    shutil.copy(master, target)
    store = Store(target, lock_timeout=10)
    if sql:
        with store.writer() as con:
            con.execute(sql, params or [])
    return store


def _in(master: Path, folder: Path, code: str) -> Store:
    return _store(master, folder, "UPDATE costs SET BillingCurrency = ?", [code])


@pytest.fixture()
def eur(master: Path, tmp_path: Path) -> Store:
    return _in(master, tmp_path / "eur", "EUR")


@pytest.fixture()
def gbp(master: Path, tmp_path: Path) -> Store:
    return _in(master, tmp_path / "gbp", "GBP")


@pytest.fixture()
def usd_store(master: Path, tmp_path: Path) -> Store:
    return _store(master, tmp_path / "usd", None)


@pytest.fixture()
def mixed(master: Path, tmp_path: Path) -> Store:
    """AWS billed in USD, the model providers in EUR."""
    return _store(
        master,
        tmp_path / "mixed",
        "UPDATE costs SET BillingCurrency = CASE WHEN ProviderName = 'AWS' THEN 'USD' ELSE 'EUR' END",
    )


def _cli(store: Store, tmp_path: Path, *args: str) -> str:
    env = {"SPENDSCOPE_STATE_DIR": str(tmp_path / "state"), "SPENDSCOPE_DB": str(store.path)}
    result = CliRunner().invoke(app, [*args, "--db", str(store.path)], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _sql_total(store: Store) -> float:
    with store.reader() as con:
        return float(con.execute("SELECT sum(EffectiveCost) FROM costs").fetchone()[0])


# ------------------------------------------------------------------------------------------------ the formatter


@pytest.mark.parametrize(
    ("code", "big", "small"),
    [
        ("USD", "$1,234.57", "$0.0042"),
        ("EUR", "€1,234.57", "€0.0042"),
        ("GBP", "£1,234.57", "£0.0042"),
        ("JPY", "¥1,235", "¥0.0042"),
        ("CHF", "CHF 1,234.57", "CHF 0.0042"),
        ("", "1,234.57", "0.0042"),
    ],
)
def test_money_is_written_with_the_sign_and_decimals_of_its_currency(code: str, big: str, small: str) -> None:
    with billing_currency(code):
        assert money(1234.567) == big
        assert money(0.0042) == small
        assert money(-1234.567).startswith("-") and money(5, signed=True).startswith("+")
    assert money(1.0) == "$1.00"  # outside the block: USD again


def test_yen_shows_no_decimals_where_a_cent_currency_shows_two() -> None:
    with billing_currency("JPY"):
        assert money(1234.6, digits=2) == "¥1,235"
        assert money(0.123456, digits=6) == "¥0.1235"


def test_a_list_price_stays_in_usd_and_says_so_beside_a_bill_in_another_currency() -> None:
    with billing_currency("EUR"):
        assert usd(12.5, digits=2) == "$12.50"
        assert usd(12.5, digits=2, code=True) == "USD 12.50"
    assert usd(12.5, digits=2, code=True) == "$12.50"


def test_a_store_reports_each_currency_its_rows_are_billed_in(mixed: Store, eur: Store) -> None:
    assert store_currencies(mixed) == ("EUR", "USD")
    assert store_currencies(eur) == ("EUR",)
    with for_store(mixed):
        assert currency_code() == "" and "mixes currencies (EUR, USD)" in mixed_note()
        assert money(10) == "10.00"
    with for_store(eur):
        assert currency_code() == "EUR" and mixed_note() == ""


def test_money_written_inside_the_stores_own_write_transaction_does_not_wait_for_it(eur: Store) -> None:
    with for_store(eur):
        assert money(1) == "€1.00"
    with eur.writer() as con:
        con.execute("UPDATE costs SET EffectiveCost = EffectiveCost WHERE false")
        with for_store(eur, eager=True):
            assert money(1) == "€1.00"


def test_a_store_without_cost_rows_is_written_in_dollars(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty.duckdb")
    store.ensure_schema()
    with for_store(store):
        assert money(3) == "$3.00"


# ------------------------------------------------------------------------------------------------ the CLI


@pytest.mark.parametrize(("fixture", "sign"), [("eur", "€"), ("gbp", "£")])
def test_costs_tables_are_in_the_stores_currency(
    fixture: str, sign: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store: Store = request.getfixturevalue(fixture)
    total = _cli(store, tmp_path, "costs")
    assert f"{sign}{_sql_total(store):,.2f}" in total and "$" not in total
    by = _cli(store, tmp_path, "costs", "--by", "provider", "--by", "team")
    assert sign in by and "$" not in by


def test_ask_writes_its_sentence_and_its_table_in_euros(eur: Store, tmp_path: Path) -> None:
    out = _cli(eur, tmp_path, "ask", "which team spent the most in september 2026", "--as-of", str(AS_OF))
    assert "€" in out and "$" not in out


def test_an_anomaly_explanation_names_euros(eur: Store, tmp_path: Path) -> None:
    detected = json.loads(_cli(eur, tmp_path, "anomalies", "detect", "--as-of", str(AS_OF), "--json"))
    assert detected["anomalies"], "the spike is found"
    texts = [a["explanation"] for a in detected["anomalies"]]
    assert all("€" in t and "$" not in t for t in texts), texts
    assert isinstance(detected["anomalies"][0]["impact"], float | int)  # JSON amounts stay numbers
    shown = _cli(eur, tmp_path, "anomalies", "show", detected["anomalies"][0]["anomaly_id"])
    assert "€" in shown and "$" not in shown


def test_budget_status_and_its_alerts_are_in_pounds(gbp: Store, tmp_path: Path) -> None:
    made = _cli(gbp, tmp_path, "budgets", "set", "all", "--amount", "20000")
    assert "£20,000.00" in made and "$" not in made
    status = _cli(gbp, tmp_path, "budgets", "status", "--as-of", str(world.last_day()))
    assert "£" in status and "$" not in status


def test_a_dollar_store_is_unchanged(usd_store: Store, tmp_path: Path) -> None:
    out = _cli(usd_store, tmp_path, "costs", "--by", "provider")
    assert f"${_sql_total(usd_store):,.2f}" in out and "€" not in out


def test_a_store_in_two_currencies_shows_no_sign_and_says_they_are_added_unconverted(
    mixed: Store, tmp_path: Path
) -> None:
    out = _cli(mixed, tmp_path, "costs", "--by", "provider")
    assert f"{_sql_total(mixed):,.2f}" in out and not ANY_SIGN.search(out)
    assert "the bill mixes currencies (EUR, USD); amounts are added without conversion" in out
    asked = _cli(mixed, tmp_path, "ask", SEPTEMBER, "--as-of", str(AS_OF))
    assert "mixes currencies (EUR, USD)" in asked and not ANY_SIGN.search(asked)


def test_a_mixed_total_names_what_each_currency_added(mixed: Store, tmp_path: Path) -> None:
    with mixed.reader() as con:
        parts = con.execute(
            "SELECT BillingCurrency, sum(EffectiveCost) FROM costs GROUP BY 1 ORDER BY 1"
        ).fetchall()
    out = " ".join(_cli(mixed, tmp_path, "costs", "--json").split())
    split = ", ".join(f"{code} {float(v):,.2f}" for code, v in parts)
    assert f"amounts are added without conversion: {split}" in out
    aws = " ".join(_cli(mixed, tmp_path, "costs", "--filter", "provider=AWS", "--json").split())
    assert "the bill mixes currencies (EUR, USD); every amount here is in USD" in aws


def test_yen_totals_have_no_decimals(master: Path, tmp_path: Path) -> None:
    store = _in(master, tmp_path / "jpy", "JPY")
    out = _cli(store, tmp_path, "costs")
    assert f"¥{round(_sql_total(store)):,}" in out and "$" not in out


# ------------------------------------------------------------------------------------------------ operations


def test_operation_text_run_through_invoke_is_in_the_stores_currency(eur: Store) -> None:
    """What MCP returns: tools.invoke sets the store's currency around every operation."""
    found = invoke(eur, "detect_anomalies", {"as_of": AS_OF, "dry_run": True})
    assert found.anomalies and all("€" in a.explanation and "$" not in a.explanation for a in found.anomalies)
    assert money(1) == "$1.00"  # nothing leaks out of the call


# ------------------------------------------------------------------------------------------------ Slack


def test_a_slack_answer_is_in_euros(eur: Store, tmp_path: Path) -> None:
    from fake_slack_api import FORM, SECRET, FakeSlack, build, make_settings, signed_request, slash_body

    fake = FakeSlack()
    try:
        bolt, work = build(eur, make_settings(eur, fake, tmp_path), as_of=AS_OF)
        body = slash_body(
            SEPTEMBER, user="U0ALICE001", channel="C0COSTS001", response_url=fake.response_url()
        )
        assert bolt.dispatch(signed_request(SECRET, body, FORM)).status == 200
        work.drain()
        (update,) = fake.of("chat.update")
        shown = json.dumps(update, ensure_ascii=False)
        assert "€" in update["text"] and "$" not in update["text"]
        assert not re.search(r"\$\s?\d", shown)
    finally:
        fake.close()


# ------------------------------------------------------------------------------------------------ the dashboard


@pytest.mark.parametrize("path", ["/", "/budgets", "/anomalies", "/explorer"])
def test_dashboard_pages_are_in_euros(eur: Store, path: str) -> None:
    pytest.importorskip("jinja2", reason="the dashboard needs the web extra (jinja2)")
    from spendscope.web.app import build_app
    from starlette.testclient import TestClient

    invoke(eur, "set_budget", {"name": "all", "amount": 20000})
    invoke(eur, "detect_anomalies", {"as_of": AS_OF})
    client = TestClient(build_app(eur, as_of=AS_OF, warm=False), base_url="http://127.0.0.1")
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "€" in page.text and not re.search(r"\$\s?\d", page.text)


# ------------------------------------------------------------------------------------------------ triage


class _Collect:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> str:
        self.alerts.append(alert)
        return f"test:{len(self.alerts)}"


def test_a_triage_alert_is_in_euros(eur: Store, tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path / "state", anthropic_api_key=None, triage_default_channel=None)
    sent = _Collect()
    run_triage(eur, settings, sent, detect=None)
    assert sent.alerts
    alert = sent.alerts[0]
    bill_text = [alert.title, alert.summary, *alert.drivers, *alert.budget_impact, *alert.related]
    assert all("$" not in t for t in bill_text), bill_text
    assert "€" in alert.title and "€" in alert.summary
    # telemetry estimates come from list prices in USD: written with the code, never as a bill amount
    estimates = [*alert.recent_changes, *alert.top_usage]
    assert all("$" not in t for t in estimates) and any("USD " in t for t in estimates), estimates
