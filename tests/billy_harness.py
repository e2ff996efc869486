"""Shared by the blind-round Billy tests: SQL builders for hand-computed expected answers, and the eval's way
of judging an answer (the first figures of the sentence or `value` within 1%, a date in any common spelling,
a name before every other candidate)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store


def between(start: str, end: str) -> str:
    return f"ChargePeriodStart >= TIMESTAMPTZ '{start}' AND ChargePeriodStart < TIMESTAMPTZ '{end}'"


def cost(period: str, where: str = "true", measure: str = "EffectiveCost") -> str:
    return f"SELECT sum({measure}) FROM costs WHERE {period} AND ({where})"


def change(new: str, old: str, where: str = "true") -> str:
    return (
        f"SELECT sum(EffectiveCost) FILTER (WHERE {new}) - sum(EffectiveCost) FILTER (WHERE {old}) "
        f"FROM costs WHERE ({where})"
    )


def pct(new: str, old: str, where: str = "true") -> str:
    return (
        f"SELECT (sum(EffectiveCost) FILTER (WHERE {new}) / sum(EffectiveCost) FILTER (WHERE {old}) - 1) * 100 "
        f"FROM costs WHERE ({where})"
    )


def share(period: str, part: str, whole: str = "true") -> str:
    return (
        f"SELECT sum(EffectiveCost) FILTER (WHERE {part}) / sum(EffectiveCost) * 100 FROM costs "
        f"WHERE {period} AND ({whole})"
    )


def which(
    period: str, expr: str, where: str = "true", desc: bool = True, measure: str = "EffectiveCost"
) -> str:
    return (
        f"SELECT {expr} AS k, sum({measure}) AS v FROM costs WHERE {period} AND ({where}) AND {expr} IS NOT NULL "
        f"GROUP BY 1 HAVING sum({measure}) <> 0 ORDER BY v {'DESC' if desc else 'ASC'}"
    )


def day(period: str, where: str = "true", desc: bool = True) -> str:
    return (
        f"SELECT CAST(ChargePeriodStart AS DATE) AS d, sum(EffectiveCost) v FROM costs WHERE {period} AND "
        f"({where}) GROUP BY 1 ORDER BY v {'DESC' if desc else 'ASC'} LIMIT 1"
    )


_KEPT: dict[str, duckdb.DuckDBPyConnection] = {}


def kept_reader(store: Store) -> duckdb.DuckDBPyConnection:
    """One read-only connection per blind round's store (BlindRound's fixture, once the store is built), kept
    open for the test process. The expected answers are read through it, and while it is open Billy's own
    read-only connections to the same file join its database instance instead of loading the file again (1 ms
    against ~40 ms a question). Never for a shared store (the demo, the public export): a guarded `run_sql`
    connection locks the configuration of the instance it joins, and a kept connection keeps that instance (and
    the lock) alive for the rest of the process."""
    key = str(store.path.resolve())
    if key not in _KEPT:
        con = duckdb.connect(key, read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        _KEPT[key] = con
    return _KEPT[key]


def expected(store: Store, kind: str, sql: str) -> tuple[Any, tuple[str, ...]]:
    """The answer from hand-written SQL: a number, a date, or (for 'which') the winner and every candidate."""
    kept = _KEPT.get(str(store.path.resolve()))
    if kept is not None:
        rows = kept.execute(sql).fetchall()
    else:
        con = duckdb.connect(str(store.path), read_only=True)
        try:
            con.execute("SET TimeZone = 'UTC'")
            rows = con.execute(sql).fetchall()
        finally:
            con.close()
    if kind == "which":
        return str(rows[0][0]), tuple(str(r[0]) for r in rows)
    if kind == "date":
        return rows[0][0].isoformat(), ()
    value = rows[0][0]
    return float(value if isinstance(value, Decimal | float | int) else 0), ()


_NUM = re.compile(
    r"(-?\d[\d,]*(?:\.\d+)?|-?\.\d+)\s*(thousand|million|billion|trillion|bn|mn|[kmbt])?\b", re.I
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}


def judged(text: str, value: Any, kind: str, want: Any, candidates: tuple[str, ...]) -> bool:
    """The eval's rule: a number among the sentence's first 12 figures (or `value`) within 1%; a date in any
    common spelling; a name before every other candidate."""
    if kind == "number":
        nums: list[float] = []
        for m in _NUM.finditer(text):
            v = float(m.group(1).replace(",", ""))
            suf = (m.group(2) or "").lower()
            nums += [v * _SCALE.get(suf, 1.0)] + ([v] if suf else [])
        nums = nums[:12] + ([float(value)] if isinstance(value, int | float) else [])
        exp = abs(float(want))
        return any(abs(abs(n) - exp) <= max(exp * 0.01, 0.011) for n in nums)
    low = (text + " " + str(value or "")).lower()
    if kind == "date":
        d = dt.date.fromisoformat(want)
        forms = {
            want,
            d.strftime("%B %-d").lower(),
            d.strftime("%b %-d").lower(),
            d.strftime("%-d %B").lower(),
        }
        return any(f in low for f in forms)

    def at(name: str) -> int | None:
        m = re.search(r"(?<![\w-])" + re.escape(name.lower()) + r"(?![\w-])", low)
        return m.start() if m else None

    pos = at(want)
    return pos is not None and all(
        (p := at(c)) is None or pos < p for c in candidates if c.lower() != want.lower()
    )


_MONEY = re.compile(
    r"[$€£¥₹₩]\s?\d|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|INR|SEK|KRW|NOK|PLN|ZAR|DKK|CZK|SGD|NZD|BRL|HUF|ILS|THB|VND|TRY|KES|PHP|NGN|RON|MYR|IDR|AED)\s?\d|\bRp\.?\s?\d|\d\s?(?:AED|IDR)\b|[₪฿₫₺₱₦]\s?\d|\bKSh\s?\d|\bRM\s?\d|\d\s?lei\b|\d\s?(?:Ft\b|₪|₫|฿|₺)|\d\s?Kč|\d\s?zł|\d\s?kr\b|\bkr\.?\s?\d|\bR\s?\d[\d,]*\.\d\d\b"
)
_DOLLARS = re.compile(r"\$\s?\d")


def judge(store: Store, answer: object, kind: str, spec: str) -> tuple[bool, str]:
    """number / which / date by the eval's rule; `none`: no figure at all (value null, no dollar amount);
    `nopair`: two names that each hold spend but never together: no value and no 0.00 (what exists may be stated);
    `names`: every name (separated by |) in the answer; `landing`: the month-to-date actual (SQL in `spec`) among
    the figures and a value above it."""
    text, value = answer.answer, answer.value  # type: ignore[attr-defined]
    # a decline's example questions name real values ("What did command-r-plus cost ..."): never an answer
    text = text.split("I can answer questions like")[0]
    if kind == "none":
        return value is None and not _MONEY.search(text), "expected no figure"
    if kind == "nopair":  # two names that exist but never on one row: no value, no 0.00 stated as the spend
        stated_zero = re.search(r"(?<![\d.,])0\.00\b", text)
        return value is None and not stated_zero, "expected no value and no 0.00 for a pair no row carries"
    if kind == "names":
        names = spec.split("|")
        return all(n.lower() in text.lower() for n in names), f"expected {names}"
    if kind == "landing":
        mtd, _ = expected(store, "number", spec)
        ok = judged(text, None, "number", mtd, ()) and isinstance(value, int | float) and value > mtd
        return ok, f"expected month-to-date {mtd:.2f} and a landing above it"
    want, candidates = expected(store, kind, spec)
    return judged(text, value, kind, want, candidates), f"expected {want!r}"


def round_store(folder: Path, paths: dict[str, Path], name: str) -> Store:
    """A blind round's store: the company's FOCUS export, telemetry and GPU samples imported (each when it holds
    any)."""
    from spendscope.data.demo import import_gpu_samples
    from spendscope.data.events import import_events_file
    from spendscope.data.import_focus import import_focus

    s = Store(folder / f"{name}.duckdb", lock_timeout=10)
    import_focus(s, paths["focus"])
    if paths["events"].stat().st_size:  # a company with no telemetry writes an empty file
        import_events_file(s, paths["events"])
    if len(paths["gpu"].read_text(encoding="utf-8").splitlines()) > 1:  # no GPUs: a header only
        import_gpu_samples(s, paths["gpu"])
    return s


def avg_monthly_sql(period: str, months: int) -> str:
    """A period's average month: its cost over its number of months."""
    return f"SELECT sum(EffectiveCost) / {months} FROM costs WHERE {period}"


def number_ok(store: Store, answer: object, sql: str) -> bool:
    """Whether an answer states the number `sql` computes (the eval's rule)."""
    want, _ = expected(store, "number", sql)
    return judged(answer.answer, answer.value, "number", want, ())  # type: ignore[attr-defined]


def in_currency(text: str, currency: str) -> bool:
    """A bill in another currency than USD is never shown in dollars."""
    return currency == "USD" or not _DOLLARS.search(text)


def check_case(store: Store, settings: Settings, case: tuple, currency: str = "USD") -> None:
    """Ask one blind-round question (category, question, kind, spec, as_of) and judge it; `currency` is the
    store's billing currency (an answer in another currency's symbol fails)."""
    _cat, question, kind, spec, as_of = case
    answer = ask(store, question, as_of=dt.date.fromisoformat(as_of) if as_of else None, settings=settings)
    ok, want = judge(store, answer, kind, spec)
    assert ok, f"{question!r}: {want}; got {answer.answer}"
    assert in_currency(answer.answer, currency), f"{question!r}: expected {currency}; got {answer.answer}"


def check_thread(
    store: Store,
    settings: Settings,
    thread_id: str,
    turns: list,
    as_of: str,
    resolve: Any = None,
    currency: str = "USD",
) -> None:
    """Ask a thread's turns (question, kind, spec) in order; `resolve(spec, previous_answer)` may turn a
    placeholder spec into SQL that depends on the answer before (the previous winner)."""
    previous = None
    for question, kind, spec in turns:
        answer = ask(
            store, question, as_of=dt.date.fromisoformat(as_of), thread_id=thread_id, settings=settings
        )
        if resolve is not None:
            spec = resolve(spec, previous)
        ok, want = judge(store, answer, kind, spec)
        assert ok, f"{question!r}: {want}; got {answer.answer}"
        assert in_currency(answer.answer, currency), f"{question!r}: expected {currency}; got {answer.answer}"
        previous = answer


# SQL pieces the later rounds share (each company writes "<model> <input|output> tokens" as ChargeDescription)
MODEL = "regexp_extract(ChargeDescription, '^(\\S+) (input|output) tokens$', 1)"


def tag(key: str, value: str) -> str:
    return f"Tags->>'{key}' = '{value}'"


def model_is(name: str) -> str:
    return f"{MODEL} = '{name}'"


TOKENS = "ConsumedUnit = 'Tokens'"


def tokens_all_sql(period: str, model: str) -> str:
    """A model's tokens of every kind over a period (the rounds' companies bill tokens as ConsumedQuantity)."""
    return f"SELECT sum(ConsumedQuantity) FROM costs WHERE {period} AND {TOKENS} AND {model_is(model)}"


# a model's spend: its token rows, and a commitment's rows serving it (SkuPriceDetails names the model)
ANY_MODEL = f"coalesce(nullif({MODEL}, ''), SkuPriceDetails->>'ModelName')"
GPUS = "SELECT count(DISTINCT gpu_uuid) FROM gpu_samples"
CUSTOMERS = "SELECT count(DISTINCT customer) FROM usage_events"


def saved(period: str, name: str) -> str:
    """What a commitment saved: its used hours at pay-as-you-go (ListCost of the Used rows) less its cost."""
    return (
        f"SELECT sum(ListCost) FILTER (WHERE CommitmentDiscountStatus = 'Used') - sum(EffectiveCost) "
        f"FROM costs WHERE {period} AND ResourceName = '{name}'"
    )


def daily(period: str, days: int, where: str = "true") -> str:
    """A period's average cost per day."""
    return f"SELECT sum(EffectiveCost) / {days} FROM costs WHERE {period} AND ({where})"


def tokens_of(period: str, model: str, kind: str) -> str:
    """A model's input or output tokens over a period."""
    return (
        f"SELECT sum(ConsumedQuantity) FROM costs WHERE {period} AND {model_is(model)} "
        f"AND ChargeDescription LIKE '% {kind} tokens'"
    )


def distinct_count(expr: str, where: str = "true") -> str:
    """How many distinct non-empty values an expression takes over the rows."""
    return f"SELECT count(DISTINCT {expr}) FROM costs WHERE ({where}) AND {expr} IS NOT NULL AND {expr} <> ''"


def date_answer(date: str) -> str:
    """A date as the expected answer (kind 'date')."""
    return f"SELECT DATE '{date}'"


def gpu_util(start: str, end: str, where: str) -> str:
    """Mean GPU utilisation of the samples in [start, end) for the instances in `where`."""
    return (
        f"SELECT avg(utilization_pct) FROM gpu_samples WHERE ts >= TIMESTAMPTZ '{start}' "
        f"AND ts < TIMESTAMPTZ '{end}' AND ({where})"
    )


def per_request(period: str, where: str, ev_period: str, ev_where: str, per: int = 1) -> str:
    """The bill's cost over telemetry's requests (the bill counts none)."""
    return (
        f"SELECT (SELECT sum(EffectiveCost) FROM costs WHERE {period} AND ({where})) / "
        f"(SELECT sum(requests) FROM usage_events WHERE {ev_period} AND ({ev_where})) * {per}"
    )


def commitment_payg(period: str, resource_name: str) -> str:
    """What a commitment's used hours would have cost on pay-as-you-go: the bill's ListCost of its Used rows."""
    return (
        f"SELECT sum(ListCost) FROM costs WHERE {period} AND ResourceName = '{resource_name}' "
        "AND CommitmentDiscountStatus = 'Used'"
    )


def ev_between(start: str, end: str) -> str:
    return f"ts >= TIMESTAMPTZ '{start}' AND ts < TIMESTAMPTZ '{end}'"


# a customer's cost: each model and day's bill split by the customers' share of telemetry's estimated cost
_CUSTOMER_COST = (
    "WITH ev AS (SELECT CAST(ts AS DATE) d, model, customer, sum(estimated_cost) e, sum(requests) r "
    "FROM usage_events GROUP BY ALL), "
    f"bill AS (SELECT CAST(ChargePeriodStart AS DATE) d, {MODEL} model, sum(EffectiveCost) c FROM costs "
    "WHERE ConsumedUnit = 'Tokens' GROUP BY ALL), "
    "parts AS (SELECT ev.d, ev.customer, ev.r, bill.c * ev.e / sum(ev.e) OVER (PARTITION BY ev.d, ev.model) "
    "AS c FROM ev JOIN bill ON ev.d = bill.d AND ev.model = bill.model) "
)


def customer_cost(start: str, end: str, customer: str) -> str:
    return (
        _CUSTOMER_COST + f"SELECT sum(c) FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        f"AND customer = '{customer}'"
    )


def customer_per_request(start: str, end: str, customer: str, per: int = 1) -> str:
    return (
        _CUSTOMER_COST
        + f"SELECT sum(c) / sum(r) * {per} FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        f"AND customer = '{customer}'"
    )


def top_customer(start: str, end: str) -> str:
    return (
        _CUSTOMER_COST
        + f"SELECT customer, sum(c) v FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        "AND customer IS NOT NULL GROUP BY 1 ORDER BY v DESC"
    )


def of_top(figure: str, start: str, end: str) -> str:
    """`figure` over [start, end) of the telemetry customer that cost the most over the same days."""
    return (
        _CUSTOMER_COST + f"SELECT {figure} FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        f"AND customer = (SELECT customer FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        "AND customer IS NOT NULL GROUP BY 1 ORDER BY sum(c) DESC LIMIT 1)"
    )


def top_is(expr: str, period: str) -> str:
    """`expr` equals the value of `expr` that cost the most over `period` (a thread's "it" / "they" / "that")."""
    return (
        f"{expr} = (SELECT {expr} FROM costs WHERE {period} AND {expr} IS NOT NULL "
        "GROUP BY 1 ORDER BY sum(EffectiveCost) DESC LIMIT 1)"
    )


def feature_per_request(start: str, end: str, key: str, feature: str, per: int = 1) -> str:
    """The feature's bill (its tag) over telemetry's requests for it."""
    return per_request(
        between(start, end), tag(key, feature), ev_between(start, end), f"feature = '{feature}'", per
    )


def unused(period: str, name: str) -> str:
    """The Unused part of a commitment's cost over `period`."""
    return cost(period, f"ResourceName = '{name}' AND CommitmentDiscountStatus = 'Unused'")


# ------------------------------------------------------------------------------------------ one round's tests


class BlindRound:
    """A blind round's tests, shared: a round is a subclass named Test... with its data and questions only.

    `build(folder)` returns the company's store; QUESTIONS are (category, question, kind, spec, as_of) judged by
    `judge`; THREADS are (name, [(question, kind, spec), ...]) asked in order in one thread on AS_OF, with
    `resolve(spec, previous_answer)` turning a placeholder spec into SQL that depends on the answer before;
    KNOWN_MISSES are questions (or thread names) expected to fail (strict xfail), MISSES the same with their causes; CURRENCY is the bill's (an answer in another
    currency's sign fails). Importing `pytest_generate_tests` into the round's module parametrizes the tests."""

    AS_OF: str = ""
    CURRENCY: str = "USD"
    QUESTIONS: list[tuple] = []  # noqa: RUF012 - a subclass's data
    THREADS: list[tuple] = []  # noqa: RUF012
    KNOWN_MISSES: frozenset[str] = frozenset()
    MISSES: dict[str, str] = {}  # noqa: RUF012 - a subclass's data: a known miss with its cause

    def build(self, folder: Path) -> Store:
        raise NotImplementedError(f"{type(self).__name__} must build its company's store")

    def resolve(self, spec: str, previous: Any) -> str:
        return spec

    @pytest.fixture(scope="class")
    @classmethod
    def store(cls, tmp_path_factory: pytest.TempPathFactory) -> Store:
        store = cls().build(tmp_path_factory.mktemp(cls.__name__.lower()))
        kept_reader(store)
        return store

    @pytest.fixture(scope="class")
    @classmethod
    def settings(cls, tmp_path_factory: pytest.TempPathFactory) -> Settings:
        return Settings(state_dir=tmp_path_factory.mktemp("state"), db=Path("/nonexistent"))

    def test_a_question_is_answered_right_or_declined_with_no_figure(
        self, store: Store, settings: Settings, case: tuple
    ) -> None:
        check_case(store, settings, case, self.CURRENCY)


class ThreadedRound(BlindRound):
    """A blind round that also has THREADS: follow-ups asked in one thread."""

    def test_a_follow_up_inherits_the_turn_before(
        self, store: Store, settings: Settings, thread: tuple
    ) -> None:
        name = f"{type(self).__name__}-{thread[0]}"
        check_thread(store, settings, name, thread[1], self.AS_OF, self.resolve, self.CURRENCY)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize a BlindRound's tests with its questions and threads; a known miss is a strict xfail, with its
    cause as the reason when MISSES gives one."""
    cls = metafunc.cls
    if cls is None or not issubclass(cls, BlindRound):
        return

    def marks(key: str) -> list:
        reason = cls.MISSES.get(key) or ("known miss" if key in cls.KNOWN_MISSES else None)
        return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []

    if "case" in metafunc.fixturenames:
        metafunc.parametrize(
            "case",
            [pytest.param(c, id=f"{c[0]}-{i}", marks=marks(c[1])) for i, c in enumerate(cls.QUESTIONS)],
        )
    if "thread" in metafunc.fixturenames:
        metafunc.parametrize("thread", [pytest.param(t, id=t[0], marks=marks(t[0])) for t in cls.THREADS])


# Expected-answer SQL the blind rounds share (rounds 22, 23 and 25 wrote the same helpers each).


def unit_sql(period: str, where: str, kind: str = "") -> str:
    """Cost per 1M tokens of the token rows in `where` (of one token kind when `kind`)."""
    k = f" AND ChargeDescription LIKE '% {kind} tokens'" if kind else ""
    return (
        f"SELECT sum(EffectiveCost) / sum(ConsumedQuantity) * 1000000 FROM costs WHERE {period} AND {TOKENS} "
        f"AND ({where}){k}"
    )


def diff_sql(period: str, a: str, b: str) -> str:
    return (
        f"SELECT sum(EffectiveCost) FILTER (WHERE {a}) - sum(EffectiveCost) FILTER (WHERE {b}) FROM costs "
        f"WHERE {period}"
    )


def swap_sql(period: str, model: str, pin: str, pout: str) -> str:
    """What moving `model`'s tokens over `period` to a model priced `pin` / `pout` per 1M would have saved."""
    return (
        f"SELECT sum(EffectiveCost) - (sum(ConsumedQuantity) FILTER (WHERE ChargeDescription LIKE '% input tokens') "
        f"* {pin} + sum(ConsumedQuantity) FILTER (WHERE ChargeDescription LIKE '% output tokens') * {pout}) "
        f"/ 1000000 FROM costs WHERE {period} AND {model_is(model)}"
    )


def scaled_sql(period: str, where: str, factor: str) -> str:
    """The period's total with the rows in `where` scaled by `factor`."""
    return (
        f"SELECT sum(EffectiveCost) + ({factor} - 1) * coalesce(sum(EffectiveCost) FILTER (WHERE {where}), 0) "
        f"FROM costs WHERE {period}"
    )


def part_sql(period: str, where: str, factor: str) -> str:
    """`factor` of the period's cost of the rows in `where`."""
    return f"SELECT {factor} * sum(EffectiveCost) FROM costs WHERE {period} AND ({where})"


def drove_sql(day_: str, before: str, expr: str) -> str:
    """The value of `expr` whose cost rose most from `before` to `day_` (each a YYYY-MM-DD)."""
    nxt = (dt.date.fromisoformat(day_) + dt.timedelta(days=1)).isoformat()
    return (
        f"SELECT {expr} AS k, sum(EffectiveCost) FILTER (WHERE CAST(ChargePeriodStart AS DATE) = DATE '{day_}') "
        f"- coalesce(sum(EffectiveCost) FILTER (WHERE CAST(ChargePeriodStart AS DATE) = DATE '{before}'), 0) AS v "
        f"FROM costs WHERE {between(before, nxt)} AND {expr} IS NOT NULL GROUP BY 1 ORDER BY v DESC"
    )


def idle_gpu_cost_sql(start: str, end: str, below: int = 10) -> str:
    """Each idle GPU-hour (utilisation under `below`%) at its box's hourly bill split over the box's GPUs."""
    return (
        "SELECT sum(c.EffectiveCost / c.ConsumedQuantity / g.n) FROM gpu_samples s "
        "JOIN (SELECT instance_id, count(DISTINCT gpu_uuid) n FROM gpu_samples GROUP BY 1) g USING (instance_id) "
        "JOIN costs c ON c.ResourceId = s.instance_id AND CAST(c.ChargePeriodStart AS DATE) = CAST(s.ts AS DATE) "
        f"WHERE s.utilization_pct < {below} AND {ev_between(start, end).replace('ts', 's.ts')}"
    )
