"""The general fixes behind Billy's twelfth blind round, each tested on its own over several phrasings and on
both of the round's companies: a hyphenated word that holds a store value and a part Billy does not know is an
unknown name (no figure); a bill's tag key carrying the team (or feature) concept wins over telemetry's attribute
of that name; a one-word tag key said in two words ("use case" for `usecase`); a part of a name right after
"per" is the unit of a cost, not the name; finance metrics and people needed are declined; model ids keep their
own version (deepseek-v3, embed-english-v3); and a forecast on stale data starts at the data's end, covers the
whole period asked and says how stale the data is. Expected figures come from hand-written SQL or the operation
itself through tools.invoke."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from billy_harness import (
    between,
    cost,
    ev_between,
    expected,
    judge,
    model_is,
    number_ok,
    per_request,
    round_store,
    tag,
    which,
)
from fixtures.billy.hanbit import build as build_hanbit
from fixtures.billy.saltmarsh import build as build_saltmarsh
from spendscope.agents.billy import ask
from spendscope.agents.billy.catalog_index import load_index, spelled_apart
from spendscope.data.models import normalize_model
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.governance.forecast import ForecastInput
from spendscope.tools.invoke import invoke

S_TODAY, H_TODAY, H_STALE = dt.date(2026, 9, 24), dt.date(2027, 1, 15), dt.date(2027, 1, 25)
S_JUL = between("2026-07-01", "2026-08-01")
S_AUG = between("2026-08-01", "2026-09-01")
H_NOV = between("2026-11-01", "2026-12-01")
H_DEC = between("2026-12-01", "2027-01-01")


@pytest.fixture(scope="module")
def saltmarsh(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("saltmarsh12")
    return round_store(folder, build_saltmarsh(folder), "saltmarsh")


@pytest.fixture(scope="module")
def hanbit(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("hanbit12")
    return round_store(folder, build_hanbit(folder), "hanbit")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _store(request: pytest.FixtureRequest, company: str) -> tuple[Store, dt.date]:
    return request.getfixturevalue(company), S_TODAY if company == "saltmarsh" else H_TODAY


def _declined(request: pytest.FixtureRequest, settings: Settings, company: str, question: str) -> str:
    """Ask `question` of `company` on its day and check that no figure is stated; the answer's text."""
    store, today = _store(request, company)
    answer = ask(store, question, as_of=today, settings=settings)
    assert judge(store, answer, "none", "")[0], answer.answer
    return answer.answer


@pytest.mark.parametrize(
    ("company", "question", "word"),
    [
        ("saltmarsh", "spend on fraud-score-beta in august", "fraud-score-beta"),
        ("saltmarsh", "policy-qa-legacy spend in july", "policy-qa-legacy"),
        ("saltmarsh", "how much did claims-ops spend in july", "claims-ops"),
        ("saltmarsh", "what did doc-extract-v2 cost last month", "doc-extract-v2"),
        ("hanbit", "warehouse-ops spend in november", "warehouse-ops"),
        ("hanbit", "what did cx-chat-v2 cost in december", "cx-chat-v2"),
        ("hanbit", "route-opt-next spend in q4 2026", "route-opt-next"),
    ],
)
def test_a_hyphenated_word_holding_a_store_value_and_an_unknown_part_gets_no_figure(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, word: str
) -> None:
    assert f"'{word}' is not in the data" in _declined(request, settings, company, question)


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        ("saltmarsh", "fraud-score spend in august", cost(S_AUG, tag("app", "fraud-score"))),
        ("saltmarsh", "gpt-4.1-mini spend in august", cost(S_AUG, model_is("gpt-4.1-mini"))),
        ("saltmarsh", "non-live spend in july", cost(S_JUL, "NOT (" + tag("stage", "live") + ")")),
        ("hanbit", "last-mile spend in december", cost(H_DEC, tag("owner_group", "last-mile"))),
        ("hanbit", "cx-chat cost in december", cost(H_DEC, tag("usecase", "cx-chat"))),
    ],
)
def test_a_hyphenated_store_value_said_whole_is_still_answered(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str
) -> None:
    store, today = _store(request, company)
    answer = ask(store, question, as_of=today, settings=settings)
    assert number_ok(store, answer, sql), answer.answer


def test_the_word_team_names_the_bills_tag_key_holding_telemetrys_teams_not_telemetrys_attribute(
    hanbit: Store, tmp_path: Path
) -> None:
    idx, _ = load_index(hanbit, tmp_path)
    assert idx.dim_words[("team",)] == "owner_group"
    assert idx.dim_words[("teams",)] == "owner_group"


@pytest.mark.parametrize(
    ("question", "kind", "sql"),
    [
        ("what did the cx team spend in november", "number", cost(H_NOV, tag("owner_group", "cx"))),
        ("cx team spend in dec", "number", cost(H_DEC, tag("owner_group", "cx"))),
        (
            "how much did team warehouse cost in november",
            "number",
            cost(H_NOV, tag("owner_group", "warehouse")),
        ),
        ("which team spent the most in november", "which", which(H_NOV, "Tags->>'owner_group'")),
        ("top teams in december", "which", which(H_DEC, "Tags->>'owner_group'")),
    ],
)
def test_a_team_question_is_answered_from_the_bills_tag_not_from_telemetry_attribution(
    hanbit: Store, settings: Settings, question: str, kind: str, sql: str
) -> None:
    answer = ask(hanbit, question, as_of=H_TODAY, settings=settings)
    assert judge(hanbit, answer, kind, sql)[0], answer.answer
    assert "attributed" not in answer.answer


def test_a_one_word_key_is_read_in_the_two_words_people_say() -> None:
    assert {"use case", "use cases"} <= spelled_apart("usecase")
    assert {"cost center", "cost centers"} <= spelled_apart("costcenter")
    assert spelled_apart("use_case") == set()
    assert spelled_apart("owner_group") == set()


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("which use case cost the most in november", H_NOV),
        ("top use cases in december", H_DEC),
        ("spend by use case for december", H_DEC),
    ],
)
def test_use_case_names_a_usecase_key(hanbit: Store, settings: Settings, question: str, period: str) -> None:
    answer = ask(hanbit, question, as_of=H_TODAY, settings=settings)
    assert judge(hanbit, answer, "which", which(period, "Tags->>'usecase'"))[0], answer.answer


@pytest.mark.parametrize(
    ("company", "question"),
    [
        ("saltmarsh", "cost per claim processed in august"),
        ("saltmarsh", "what's our cost per policy in july"),
        ("saltmarsh", "spend per claim last month"),
        ("hanbit", "cost per parcel in december"),
        ("hanbit", "what do we pay per route in november"),
    ],
)
def test_a_part_of_a_name_after_per_is_a_unit_the_store_does_not_count(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str
) -> None:
    assert "does not hold a count of" in _declined(request, settings, company, question)


@pytest.mark.parametrize(
    ("company", "question"),
    [
        ("saltmarsh", "what's our payback on fraud-score"),
        ("saltmarsh", "burn multiple for q3"),
        ("saltmarsh", "nrr last quarter"),
        ("saltmarsh", "ebitda impact of ai spend in august"),
        ("hanbit", "how much runway do we have at december's spend"),
        ("hanbit", "gross revenue retention this year"),
        ("hanbit", "contribution margin on cx-chat"),
        ("hanbit", "whats the payback period on route-opt"),
    ],
)
def test_finance_metrics_a_cost_store_lacks_are_declined(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str
) -> None:
    _declined(request, settings, company, question)


@pytest.mark.parametrize(
    ("company", "question"),
    [
        ("saltmarsh", "how many adjusters do we need to support policy-qa"),
        ("saltmarsh", "how many engineers would we need to run fraud-score"),
        ("hanbit", "how many drivers does route-opt support"),
        ("hanbit", "how many agents do we need for cx-chat"),
        ("hanbit", "per-seat cost of cx-chat for december"),
    ],
)
def test_people_a_product_needs_or_serves_are_declined(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str
) -> None:
    _declined(request, settings, company, question)


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("deepseek-v3", "deepseek-v3"),
        ("embed-english-v3 input tokens", "embed-english-v3"),
        ("titan-embed-text-v2", "titan-embed-text-v2"),
        ("amazon.titan-embed-text-v2:0", "titan-embed-text-v2"),
        ("cohere.command-r-plus-v1:0", "command-r-plus"),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("meta.llama3-3-70b-instruct-v1:0", "llama3-3-70b-instruct"),
        ("amazon.nova-pro-v1:0", "nova-pro"),
    ],
)
def test_a_model_id_keeps_its_own_version_and_drops_the_api_revision(text: str, model: str) -> None:
    assert normalize_model(text) == model


def test_models_are_shown_with_their_version(saltmarsh: Store, settings: Settings) -> None:
    answer = ask(saltmarsh, "top 2 models on cohere in august", as_of=S_TODAY, settings=settings)
    assert "embed-english-v3" in answer.answer, answer.answer
    answer = ask(saltmarsh, "embed-english-v3 spend in july", as_of=S_TODAY, settings=settings)
    assert number_ok(saltmarsh, answer, cost(S_JUL, model_is("embed-english-v3"))), answer.answer


def _period_forecast(store: Store, horizon: int, start: dt.date) -> tuple[float, dt.date, dt.date]:
    res = invoke(store, "forecast_costs", ForecastInput(horizon=horizon, period_start=start))
    part = res.period_total
    return part.total, part.start, part.end


@pytest.mark.parametrize("question", ["forecast for february", "what will we spend next month"])
def test_a_forecast_on_stale_data_covers_the_whole_period_and_says_how_stale(
    hanbit: Store, settings: Settings, question: str
) -> None:
    # the data ends 2027-01-14; asked on 2027-01-25, February is 45 days after the data's end
    total, first, last = _period_forecast(hanbit, 45, dt.date(2027, 2, 1))
    assert (first, last) == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    answer = ask(hanbit, question, as_of=H_STALE, settings=settings)
    assert answer.value == pytest.approx(total, rel=1e-6), answer.answer
    assert "2027-02-01 to 2027-02-28" in answer.answer
    assert "the data ends 2027-01-14, 10 days before today (2027-01-25)" in answer.answer


def test_the_next_days_on_stale_data_are_counted_from_today(hanbit: Store, settings: Settings) -> None:
    total, first, last = _period_forecast(hanbit, 24, H_STALE)
    answer = ask(hanbit, "spend forecast for the next 2 weeks", as_of=H_STALE, settings=settings)
    assert (first, last) == (H_STALE, dt.date(2027, 2, 7))
    assert "2027-01-25 to 2027-02-07" in answer.answer, answer.answer
    assert "the data ends 2027-01-14" in answer.answer


def test_a_landing_on_stale_data_says_the_days_since_are_forecast(hanbit: Store, settings: Settings) -> None:
    answer = ask(hanbit, "where will this month land", as_of=H_STALE, settings=settings)
    mtd, _ = expected(hanbit, "number", cost(between("2027-01-01", "2027-02-01")))
    assert judge(hanbit, answer, "landing", cost(between("2027-01-01", "2027-02-01")))[0], (
        mtd,
        answer.answer,
    )
    assert "10 days before today (2027-01-25): those days are forecast, not actual" in answer.answer


@pytest.mark.parametrize(
    "question", ["cost per request for cx-chat in december", "cx-chat cost per call in dec"]
)
def test_a_cost_per_request_in_won_keeps_two_decimals(
    hanbit: Store, settings: Settings, question: str
) -> None:
    sql = per_request(
        H_DEC, tag("usecase", "cx-chat"), ev_between("2026-12-01", "2027-01-01"), "feature = 'cx-chat'"
    )
    want, _ = expected(hanbit, "number", sql)
    answer = ask(hanbit, question, as_of=H_TODAY, settings=settings)
    assert want < 100
    assert answer.answer.startswith(f"₩{want:,.2f} per request"), (want, answer.answer)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("what went wrong 6/15-6/17", dt.date(2026, 6, 15), dt.date(2026, 6, 17)),
        ("spend from 8/30 to 9/2", dt.date(2026, 8, 30), dt.date(2026, 9, 2)),
        ("what happened between 12/30 and 1/2", dt.date(2025, 12, 30), dt.date(2026, 1, 2)),
    ],
)
def test_a_range_of_us_month_days_is_one_period(text: str, first: dt.date, last: dt.date) -> None:
    from spendscope.agents.billy.when import scan_periods

    (mention,) = scan_periods(text, S_TODAY).mentions
    assert (mention.period.start, mention.period.end) == (first, last + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("instance_type", "gpu"),
    [("p5.4xlarge", "H100"), ("Standard_NC8as_T4_v3", "T4"), ("Standard_NC16as_T4_v3", "T4")],
)
def test_single_gpu_types_of_the_large_clouds_name_their_gpu(instance_type: str, gpu: str) -> None:
    from spendscope.data.gpu_catalog import gpu_count, gpu_model

    assert (gpu_model(instance_type), gpu_count(instance_type)) == (gpu, 1)


@pytest.mark.parametrize(
    ("company", "question"),
    [
        ("saltmarsh", "how many engineers work on fraud-score"),
        ("hanbit", "how many analysts are working on route-opt"),
    ],
)
def test_people_working_on_a_product_are_declined(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str
) -> None:
    _declined(request, settings, company, question)
