"""The general fixes behind Billy's ninth blind round, each tested on its own: money in the store's billing
currency (and a note when the bill mixes currencies), GPU-cloud instance types read from their names (Lambda,
Scaleway), day-first slashed dates, and counts of people or things the store does not hold declined."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from billy_harness import between, cost, expected
from focus_rows import row, write
from spendscope.agents.billy import ask
from spendscope.agents.billy.phrasing import billing_currency, money
from spendscope.agents.billy.when import scan_periods
from spendscope.data.gpu_catalog import find_instance_type, gpu_count, gpu_model
from spendscope.data.import_focus import import_focus
from spendscope.data.settings import Settings
from spendscope.data.store import Store


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("USD", "$1,234.50"),
        ("EUR", "€1,234.50"),
        ("GBP", "£1,234.50"),
        ("CHF", "CHF 1,234.50"),
        ("", "1,234.50"),
    ],
)
def test_money_is_written_in_the_billing_currency(code: str, shown: str) -> None:
    with billing_currency(code):
        assert money(1234.5) == shown
        assert money(-0.25).startswith("-")
    assert money(1.0) == "$1.00"  # outside the block: the default again


@pytest.mark.parametrize(
    ("text", "itype", "gpus", "gpu"),
    [
        ("On-demand gpu_8x_a100_80gb_sxm4 instance hours", "gpu_8x_a100_80gb_sxm4", 8, "A100"),
        ("gpu_1x_gh200", "gpu_1x_gh200", 1, "GH200"),
        ("H100-1-80G GPU instance hours", "h100-1-80g", 1, "H100"),
        ("L40S-2-48G", "l40s-2-48g", 2, "L40S"),
        ("H100-SXM-8-80G", "h100-sxm-8-80g", 8, "H100"),
        ("p4d.24xlarge On Demand Linux", "p4d.24xlarge", 8, "A100"),
    ],
)
def test_a_gpu_clouds_instance_type_is_read_from_its_name(text: str, itype: str, gpus: int, gpu: str) -> None:
    assert find_instance_type(text) == itype
    assert gpu_count(itype) == gpus
    assert gpu_model(itype) == gpu


@pytest.mark.parametrize("text", ["gpt-4.1-mini input tokens", "gpu-h100-1-80g", "claude-sonnet-4-5 output"])
def test_text_that_only_contains_a_gpu_name_is_no_instance_type(text: str) -> None:
    assert find_instance_type(text) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [("17/11", "2026-11-17"), ("on 8/18", "2026-08-18"), ("25/12/2025", "2025-12-25"), ("3/4", "2026-03-04")],
)
def test_a_slashed_date_is_month_first_unless_only_day_first_is_a_date(text: str, day: str) -> None:
    scan = scan_periods(f"what went wrong {text}", dt.date(2026, 12, 1))
    assert [m.period.start.isoformat() for m in scan.mentions] == [day]


# ------------------------------------------------------------------------------------------ on a small store


def _rows(currency: str, provider: str, day: int, amount: str) -> dict:
    out = row(day, amount, provider=provider, month="2026-05")
    out.update(BillingCurrency=currency, ServiceName=f"{provider} API", InvoiceIssuerName=provider)
    return out


@pytest.fixture()
def mixed(tmp_path: Path) -> Store:
    path = tmp_path / "mixed.csv"
    write(
        path,
        [
            _rows("EUR", "Mistral", 4, "120.00"),
            _rows("USD", "OpenAI", 5, "80.00"),
            _rows("EUR", "Mistral", 6, "30.00"),
        ],
    )
    store = Store(tmp_path / "mixed.duckdb")
    import_focus(store, path)
    return store


def test_a_bill_in_two_currencies_is_said_to_be_added_without_conversion(
    mixed: Store, tmp_path: Path
) -> None:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    answer = ask(mixed, "how much did we spend in may 2026", as_of=dt.date(2026, 6, 1), settings=settings)
    want, _ = expected(mixed, "number", cost(between("2026-05-01", "2026-06-01")))
    assert answer.value == pytest.approx(want)
    assert "mixes currencies (EUR, USD)" in answer.answer
    assert not re.search(r"[$€£]\s?\d", answer.answer)


def test_a_bill_in_one_currency_is_answered_in_it(mixed: Store, tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    eur = tmp_path / "eur.csv"
    write(eur, [_rows("EUR", "Mistral", 4, "120.00")])
    store = Store(tmp_path / "eur.duckdb")
    import_focus(store, eur)
    answer = ask(store, "mistral spend in may 2026", as_of=dt.date(2026, 6, 1), settings=settings)
    assert "€120.00" in answer.answer and "$" not in answer.answer
    assert answer.chart is None or "(EUR)" in str(answer.chart)


@pytest.mark.parametrize(
    "question",
    [
        "how many players do we have",
        "how many subscribers did we have in may 2026",
        "cost per daily active user in may 2026",
        "spend per weekly active reader in may 2026",
        "how many widgets did we ship in may 2026",
    ],
)
def test_a_count_or_unit_of_something_the_store_does_not_hold_is_declined(
    mixed: Store, tmp_path: Path, question: str
) -> None:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    answer = ask(mixed, question, as_of=dt.date(2026, 6, 1), settings=settings)
    assert answer.value is None, answer.answer
    assert "does not hold" in answer.answer


@pytest.mark.parametrize(
    ("question", "value"),
    [("how many providers did we use in may 2026", 2), ("how many days had spend in may 2026", None)],
)
def test_a_count_of_what_the_store_holds_is_not_declined_as_unknown(
    mixed: Store, tmp_path: Path, question: str, value: int | None
) -> None:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    answer = ask(mixed, question, as_of=dt.date(2026, 6, 1), settings=settings)
    assert "a count of" not in answer.answer
    if value is not None:
        assert answer.value == value


# ----------------------------------------------------------------------- requests the bill does not count


@pytest.fixture(scope="module")
def tidewell(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from billy_harness import round_store
    from fixtures.billy.tidewell import build

    folder = tmp_path_factory.mktemp("tidewell")
    return round_store(folder, build(folder), "tidewell")


def test_a_request_count_the_bill_lacks_comes_from_telemetry_never_as_zero(
    tidewell: Store, tmp_path: Path
) -> None:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    want, _ = expected(
        tidewell,
        "number",
        "SELECT sum(requests) FROM usage_events WHERE ts >= TIMESTAMPTZ '2026-03-01' "
        "AND ts < TIMESTAMPTZ '2026-04-01' AND feature = 'player-support'",
    )
    answer = ask(
        tidewell,
        "how many requests did player-support make in march",
        as_of=dt.date(2026, 4, 23),
        settings=settings,
    )
    assert answer.value == want and "telemetry" in answer.answer


def test_a_request_count_neither_the_bill_nor_telemetry_holds_gets_no_figure(
    tidewell: Store, tmp_path: Path
) -> None:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    answer = ask(
        tidewell,
        "how many requests did grok-4-fast get in march",
        as_of=dt.date(2026, 4, 23),
        settings=settings,
    )
    assert answer.value is None and not re.search(r"\d+ requests", answer.answer)


# ------------------------------------------------------------- on Nordlicht (EUR): forecasts and declines


@pytest.fixture(scope="module")
def nordlicht(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from billy_harness import round_store
    from fixtures.billy.nordlicht import build

    folder = tmp_path_factory.mktemp("nordlicht")
    return round_store(folder, build(folder), "nordlicht")


def _ask_nordlicht(store: Store, tmp_path: Path, question: str) -> object:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    return ask(store, question, as_of=dt.date(2027, 1, 13), settings=settings)


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("what will we spend next month", "February 2027 (2027-02-01 to 2027-02-28"),
        ("forecast mistral for next month", "February 2027 (2027-02-01 to 2027-02-28"),
        ("projected spend for february 2027", "February 2027 (2027-02-01 to 2027-02-28"),
        ("forecast next quarter", "Q2 2027 (2027-04-01 to 2027-06-30"),
    ],
)
def test_a_forecast_of_a_named_period_to_come_covers_exactly_that_period(
    nordlicht: Store, tmp_path: Path, question: str, label: str
) -> None:
    answer = _ask_nordlicht(nordlicht, tmp_path, question)
    assert label in answer.answer and answer.value is not None  # type: ignore[attr-defined]
    days = [r[0] for r in answer.table.rows]  # type: ignore[attr-defined]
    assert days[0] == label.split("(")[1][:10] and days[-1] == label[-10:]


def test_a_forecast_beyond_the_forecast_horizon_gets_no_figure(nordlicht: Store, tmp_path: Path) -> None:
    answer = _ask_nordlicht(nordlicht, tmp_path, "how much will mistral cost next year")
    assert answer.value is None and "366 days" in answer.answer  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "question",
    [
        "how many days was spend above 200 in december",
        "which days did we go over €250 in november",
        "what is the latency of recs in december",
        "what's the error rate for recs",
        "what's our cloud carbon footprint in december",
        "cost per article in december",
        "what did the archive desk cost per search in december",
    ],
)
def test_what_the_store_does_not_hold_is_declined_on_another_company(
    nordlicht: Store, tmp_path: Path, question: str
) -> None:
    answer = _ask_nordlicht(nordlicht, tmp_path, question)
    assert answer.value is None, answer.answer  # type: ignore[attr-defined]
    assert not re.search(r"[$€£]\s?\d", answer.answer)  # type: ignore[attr-defined]


def test_a_number_of_weeks_after_over_is_a_period_not_an_amount_threshold(
    nordlicht: Store, tmp_path: Path
) -> None:
    answer = _ask_nordlicht(nordlicht, tmp_path, "mistral spend over the last 2 weeks")
    want, _ = expected(
        nordlicht, "number", cost(between("2026-12-30", "2027-01-13"), "ProviderName = 'Mistral'")
    )
    assert answer.value == pytest.approx(want, abs=0.01)  # type: ignore[attr-defined]


def test_two_providers_compared_with_more_than_stay_providers(nordlicht: Store, tmp_path: Path) -> None:
    answer = _ask_nordlicht(nordlicht, tmp_path, "did mistral cost more than cohere in december")
    want, _ = expected(
        nordlicht, "number", cost(between("2026-12-01", "2027-01-01"), "ProviderName = 'Mistral'")
    )
    assert answer.value == "Mistral" and f"€{want:,.2f}" in answer.answer  # type: ignore[attr-defined]
