"""The anomaly scan reads the window's rows summed once (tools.governance.scan_rows): the same alerts, root causes
and figures as reading the rows in every statement, on DuckDB and on embedded ClickHouse, for the local user and
for row-scoped callers, by a virtual tag and by a provider tag. The bill has three rows per series and day (hours
8, 14 and 20), so the sums really merge rows and the day of a sum is its UTC day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from backend_cases import differences, normalise
from governance_series import START, weekly, write_events, write_focus
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.governance import anomalies, scan_rows
from spendscope.tools.invoke import invoke

DAYS = 84
SERIES = {  # (provider, team tag, feature tag, model) -> daily cost
    ("OpenAI", "search", "rerank", "gpt-4o"): weekly(300, 0.003, 0.03, seed=21),
    ("OpenAI", "search", "query", "gpt-4o-mini"): weekly(200, 0.0, 0.03, seed=22),
    ("Anthropic", "ads", "copy", "claude-sonnet-4-5"): weekly(400, 0.0, 0.03, seed=23),
    ("Anthropic", "ops", "alerts", "claude-haiku-4-5"): weekly(60, 0.0, 0.03, seed=24),
}
EXTRA = {  # +$600 on search/rerank on day 77; -$150 on ads/copy from day 80
    (("OpenAI", "search", "rerank", "gpt-4o"), 77): 600.0,
    **{(("Anthropic", "ads", "copy", "claude-sonnet-4-5"), d): -150.0 for d in range(80, DAYS)},
}
RULES = """
tags:
  owner:
    - when: {SubAccountName: {prefix: search}}
      value: search-org
    - when: {ProviderName: Anthropic}
      value: anthropic-org
"""
AS_OF = (START + dt.timedelta(days=DAYS)).isoformat()
DIMENSIONS = ["provider", "model", "team", "owner", "feature", "customer"]  # customer: from telemetry
CASES: list[tuple[str, Caller, dict[str, Any]]] = [
    ("local", LOCAL, {}),
    ("provider-tag filter", LOCAL, {"filters": [{"dimension": "team", "op": "eq", "values": ["search"]}]}),
    ("scoped by a provider tag", Caller("t", row_scope={"team": ("search",)}), {}),
    ("scoped by a virtual tag", Caller("t", row_scope={"owner": ("anthropic-org",)}), {}),
]


@pytest.fixture(scope="module")
def bill(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("scan-rows")
    return base, write_focus(base / "bill.csv", SERIES, DAYS, extra=EXTRA, hours=(8, 14, 20))


def events() -> list[dict]:
    """Two requests a day per customer of search (hours 9 and 15); acme spends +$400 on day 77."""
    out = []
    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        for customer, usual in (("acme", 40.0), ("globex", 60.0)):
            cost = usual * weekly(1.0, 0.0, 0.03, seed=len(customer))(i, day) + (
                400.0 if (customer, i) == ("acme", 77) else 0
            )
            for hour, share in ((9, 0.25), (15, 0.75)):
                out.append(
                    {
                        "event_id": f"{customer}-{i}-{hour}",
                        "ts": f"{day}T{hour:02d}:00:00Z",
                        "provider": "openai",
                        "model": "gpt-4o",
                        "feature": "rerank",
                        "team": "search",
                        "customer": customer,
                        "estimated_cost": str(Decimal(str(round(cost * share, 6)))),
                    }
                )
    return out


def loaded(base: Path, url: str) -> Store:
    store = Store(url, lock_timeout=10)
    import_focus(store, base / "bill.csv")
    write_events(store, base / f"events-{url.startswith('chdb')}.jsonl", events())
    invoke(store, "apply_allocation_rules", {"document": RULES, "author": "t"}, LOCAL)
    return store


def scan(
    store: Store, caller: Caller, extra: dict[str, Any], monkeypatch: pytest.MonkeyPatch, sum_first: bool
) -> tuple[Any, list[str]]:
    """The scan's normalised output, and the relations its statements read (the work tables' names, or costs'
    and usage_events')."""
    read: list[str] = []

    def spy(real: Any) -> Any:
        def enter(*args: Any, **kwargs: Any) -> Any:
            cm = real(*args, **kwargs)
            return Wrapped(cm, cm.__enter__())

        return enter

    class Wrapped:
        def __init__(self, cm: Any, value: Any) -> None:
            self.cm, self.value = cm, value
            read.append(getattr(value, "relation", value))

        def __enter__(self) -> Any:
            return self.value

        def __exit__(self, *exc: object) -> Any:
            return self.cm.__exit__(*exc)

    monkeypatch.setattr(scan_rows, "SUM_FIRST", sum_first)
    monkeypatch.setattr(anomalies, "scan_source", spy(scan_rows.scan_source))
    monkeypatch.setattr(anomalies, "scan_events", spy(scan_rows.scan_events))
    params = {"days": 14, "as_of": AS_OF, "dimensions": DIMENSIONS, **extra}
    out = invoke(store, "scan_anomalies", params, caller).model_dump(mode="json")
    return normalise(out), read


def both_ways(store: Store, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[Any, Any]]:
    out = {}
    for name, caller, extra in CASES:
        summed, read = scan(store, caller, extra, monkeypatch, True)
        assert read[0].startswith("_spendscope_an_"), read
        # telemetry is read (summed) only when no filter applies: the filters cannot limit events
        assert read[1].startswith("_spendscope_ev_") if name == "local" else read[1] == "usage_events", read
        rows, read = scan(store, caller, extra, monkeypatch, False)
        assert not read[0].startswith("_spendscope_") and read[1] == "usage_events", read
        out[name] = summed, rows
    return out


def check(results: dict[str, tuple[Any, Any]]) -> None:
    for name, (summed, rows) in results.items():
        assert summed == rows, (name, differences(summed, rows))
        assert summed["anomalies"], name
        assert all(a["root_cause"] for a in summed["anomalies"]), name


@pytest.fixture(scope="module")
def duck_results(bill: tuple[Path, dict]) -> dict[str, tuple[Any, Any]]:
    base, _ = bill
    with pytest.MonkeyPatch.context() as mp:
        return both_ways(loaded(base, str(base / "s.duckdb")), mp)


def test_the_summed_scan_finds_the_same_anomalies_and_root_causes_as_the_rows_on_duckdb(
    duck_results: dict[str, tuple[Any, Any]],
) -> None:
    check(duck_results)


def test_the_spike_is_measured_from_the_rows_as_written(
    duck_results: dict[str, tuple[Any, Any]], bill: tuple[Path, dict]
) -> None:
    _, written = bill
    spike_day = START + dt.timedelta(days=77)
    found = {(a["dimension"], a["value"], a["start_day"]): a for a in duck_results["local"][0]["anomalies"]}
    search = found[("team", "search", spike_day.isoformat())]
    assert search["actual"] == pytest.approx(
        float(sum(v for (key, d), v in written.items() if d == spike_day and key[1] == "search")), abs=1e-6
    )
    org = found[("owner", "search-org", spike_day.isoformat())]
    assert org["actual"] == search["actual"]
    drivers = [
        (it["source"], it["dimension"], it["value"]) for it in search["root_cause"] if not it["unchanged"]
    ]
    assert drivers[:2] == [("usage_events", "customer", "acme"), ("costs", "feature", "rerank")]
    assert found[("customer", "acme", spike_day.isoformat())]["source"] == "usage_events"


def test_a_scoped_scan_sees_only_its_rows(duck_results: dict[str, tuple[Any, Any]]) -> None:
    for name, forbidden in (("scoped by a provider tag", "Anthropic"), ("scoped by a virtual tag", "OpenAI")):
        summed, _ = duck_results[name]
        values = {a["value"] for a in summed["anomalies"]}
        values |= {it["value"] for a in summed["anomalies"] for it in a["root_cause"]}
        assert forbidden not in values, (name, values)
        assert all(it["source"] == "costs" for a in summed["anomalies"] for it in a["root_cause"])


def test_the_summed_scan_answers_alike_on_clickhouse(
    bill: tuple[Path, dict], duck_results: dict[str, tuple[Any, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    base, _ = bill
    click = both_ways(loaded(base, f"chdb:{base / 's-chdb'}"), monkeypatch)
    check(click)
    for name in duck_results:
        assert differences(duck_results[name][0], click[name][0]) == [], name


def test_rules_that_test_amounts_run_on_the_rows_once_and_answer_alike(
    bill: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = bill
    store = loaded(base, str(base / "amounts.duckdb"))
    amounts = RULES.replace(
        "  owner:\n", "  owner:\n    - when: {EffectiveCost: {gt: 110}}\n      value: big-rows\n"
    )
    invoke(store, "apply_allocation_rules", {"document": amounts, "author": "t"}, LOCAL)
    for caller in (LOCAL, Caller("t", row_scope={"owner": ("big-rows",)})):
        summed, read = scan(store, caller, {}, monkeypatch, True)
        assert read[0].startswith("_spendscope_an_"), read
        rows, _ = scan(store, caller, {}, monkeypatch, False)
        assert summed == rows, differences(summed, rows)
        assert any(a["dimension"] == "owner" for a in summed["anomalies"]), summed["anomalies"]


def ruleless(base: Path, url: str, hours: tuple[int, ...]) -> Store:
    """A bill with no virtual tags, one row per series and day (`hours` empty) or one per hour given."""
    name = f"ruleless-{len(hours)}"
    write_focus(base / f"{name}.csv", SERIES, DAYS, extra=EXTRA, hours=hours)
    store = Store(url, lock_timeout=10)
    import_focus(store, base / f"{name}.csv")
    return store


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_a_rule_less_scan_sums_only_when_the_rows_repeat_and_answers_alike_every_way(
    bill: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    if backend == "chdb":
        pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    base, _ = bill
    answers = []
    bill_only = {"dimensions": ["provider", "model", "team", "feature"]}
    for hours, repeats in (((), False), ((2, 8, 14, 20), True)):  # a row per series and day; four a day
        url = str(base / f"ruleless-{len(hours)}.duckdb")
        store = ruleless(
            base, url if backend == "duckdb" else f"chdb:{base / f'ruleless-{len(hours)}-ch'}", hours
        )
        chosen, read = scan(store, LOCAL, bill_only, monkeypatch, True)
        # no rules to evaluate: a work table only when the rows merge by day and the scan's columns
        assert read[0].startswith("_spendscope_an_") is repeats, (hours, read)
        monkeypatch.setattr(scan_rows, "SUM_ALWAYS", True)
        summed, read = scan(store, LOCAL, bill_only, monkeypatch, True)
        monkeypatch.setattr(scan_rows, "SUM_ALWAYS", False)
        assert read[0].startswith("_spendscope_an_"), read
        rows, read = scan(store, LOCAL, bill_only, monkeypatch, False)
        assert read[0] == "costs", read
        assert chosen == summed == rows, (hours, differences(chosen, summed), differences(chosen, rows))
        assert chosen["anomalies"] and all(a["root_cause"] for a in chosen["anomalies"])
        answers.append(chosen)
    assert differences(answers[0], answers[1]) == []  # the same bill, split by hour or not
