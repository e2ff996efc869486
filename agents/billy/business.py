"""Unit-economics questions: margin, revenue, revenue share, AI cost as % of revenue, customers costing more than
they pay, and cost per business unit (per ticket resolved, per 1k documents, per MAU).

Answered through the `profitability` and `cost_per_business_unit` operations (run as the caller through
tools.invoke) when the store holds business metrics (docs/unit-economics.md). A store without them keeps the
planner's answer (precision first: "the store does not hold revenue"); a store with them but without the metric a
question needs is told which metric is missing and which metrics there are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spendscope.agents.billy.execute import Runner
from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import money, scope_phrase
from spendscope.data.errors import SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.business.metrics import ListMetricsInput, MetricCatalog, MetricEntry
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.periods import add_months

if TYPE_CHECKING:
    from spendscope.tools.business.profitability import ProfitabilityResult, ProfitRow

# concepts precision declines that business metrics can answer
BUSINESS_CONCEPTS = {"revenue", "margin", "profit", "users", "business metrics"}
HELD_WITH_REVENUE = frozenset({"revenue", "margin", "profit"})  # what a revenue metric answers
_LOSS = re.compile(
    r"\b(costs?|spends?|spent) more than (they|it|he|she|their \w+|its \w+) (pays?|paid|brings?|brought)\b|"
    r"\bunprofitable\b|\bloss[- ]making\b|\blosing money\b|\bat risk\b|\bbelow (the |their |its )?"
    r"(margin )?floor\b|\bmargin floor\b"
)
_SHARE = re.compile(r"\brevenue share\b|\bshare of (our |the |total )?revenue\b|\b(%|percent) of revenue\b")
_COST_WORD = re.compile(r"\b(ai )?(cost|costs|spend|spent|bill)\b")
_PER = re.compile(
    r"\b(?:per|each|every|a|an|one)\s+(?:(\d[\d,]*|1k|thousand|million)\s+)?([a-z][a-z _-]*)", re.IGNORECASE
)
_SCALE = {"1k": 1000, "thousand": 1000, "million": 1_000_000}
_BY = {
    "customer": r"\b(customers?|clients?|accounts?|tenants?)\b",
    "feature": r"\b(features?|products?)\b",
    "plan": r"\b(plans?|tiers?|pricing plans?)\b",
    "team": r"\b(teams?)\b",
}
_PROFIT_BY = ("customer", "feature", "plan", "team")


@dataclass
class BusinessQuestion:
    kind: str  # "profit" or "unit"
    metric: MetricEntry | None = None
    per: int = 1
    missing: str | None = None  # the metric the question needs and the store lacks
    words: str = ""  # the words naming the unit ("active user"), which need not be store values
    filters: list[Filter] = field(default_factory=list)  # business values named (plan=enterprise)

    def covers(self, unresolved: list[str]) -> bool:
        """Whether every name the planner could not resolve is part of the unit's words or a business value."""
        named = self.words.split() + [v.lower() for f in self.filters for v in f.values]
        return all(u.lower() in named for u in unresolved)


def business_question(store: Store, question: str, plan: Plan, caller: Caller) -> BusinessQuestion | None:
    """The unit-economics reading of `question`, or None (the planner answers it) when it is not one or the
    store holds no business metrics at all."""
    if (
        plan.intent == "assistants"
    ):  # "copilot cost per user": a coding assistant's users, not the business's MAU
        return None
    q = question.lower()
    declined = {c for c in plan.unsupported if c in BUSINESS_CONCEPTS}
    per = _PER.findall(q)
    if not (declined or _LOSS.search(q) or per or _count_asked(q, plan)):
        return None
    catalog = _catalog(store, caller)
    if catalog is None or not catalog.metrics:
        return None
    named = _business_values(catalog, q, plan)
    counted = _counted_metric(catalog, q, plan)
    if counted is not None:
        return counted
    unit = _unit_metric(catalog, per)
    if unit is not None:
        return BusinessQuestion("unit", metric=unit[0], per=unit[1], words=unit[2], filters=named)
    if declined & {"revenue", "margin", "profit"} or _LOSS.search(q):
        if not any(m.metric == "revenue" for m in catalog.metrics):
            return BusinessQuestion("profit", missing="revenue")
        return BusinessQuestion("profit", filters=named)
    if declined:  # per user, churn, ...: name what is missing
        missing = "users (such as mau)" if "users" in declined else "churn, NPS or conversion"
        return BusinessQuestion("unit", missing=missing)
    return None


def _business_values(catalog: MetricCatalog, q: str, plan: Plan) -> list[Filter]:
    """Values of the metrics' own dimensions the question names ("the enterprise plan") that are not already
    filters (a plan exists only in business metrics, never on the bill)."""
    have = {f.dimension for f in plan.filters}
    out = []
    for dv in catalog.values:
        if dv.dimension in have:
            continue
        hits = [v for v in dv.values if re.search(rf"(?<![\w-]){re.escape(v.lower())}(?![\w-])", q)]
        if hits:
            out.append(Filter(dimension=dv.dimension, values=hits))
    return out


def _catalog(store: Store, caller: Caller) -> MetricCatalog | None:
    from spendscope.tools.invoke import invoke

    try:
        return invoke(store, "list_business_metrics", ListMetricsInput(), caller)
    except SpendscopeError:
        return None


def _forms(entry: MetricEntry) -> list[str]:
    """How a question may name what the metric counts: 'tickets resolved', 'ticket resolved', 'tickets',
    'ticket', 'mau', 'monthly active user'."""
    out = {entry.words, entry.metric.replace("_", " ")}
    if entry.unit:
        out.add(entry.unit.replace("_", " "))
    if entry.metric == "mau":
        out |= {"monthly active users", "active users", "users", "user", "active user", "monthly active user"}
    for f in list(out):
        first, _, rest = f.partition(" ")
        if first.endswith("s") and len(first) > 3:
            out.add((first[:-1] + " " + rest).strip())
    return sorted(out, key=len, reverse=True)


def _unit_metric(catalog: MetricCatalog, pers: list[tuple[str, str]]) -> tuple[MetricEntry, int, str] | None:
    counts = [m for m in catalog.metrics if m.kind == "count"]
    for scale, rest in pers:
        words = rest.replace("-", " ").replace("_", " ").strip()
        for m in counts:
            form = next((f for f in _forms(m) if words == f or words.startswith(f + " ")), None)
            if form is not None:
                per = _SCALE.get(scale) or (int(scale.replace(",", "")) if scale else 1)
                return m, max(per, 1), form
    return None


def answer_business(store: Store, bq: BusinessQuestion, plan: Plan, caller: Caller) -> BillyAnswer:
    run = Runner(store, caller)
    q = plan.question.lower()
    own = [  # "cost per ticket": 'ticket' names the unit, not the ticket-summary feature the planner guessed
        f
        for f in plan.filters
        if not any(
            w in v.lower() and v.lower() not in q for w in bq.words.split() if len(w) > 3 for v in f.values
        )
    ]
    plan = plan.model_copy(update={"filters": one_role(q, [*own, *bq.filters])})
    if bq.kind == "count":
        if bq.metric is None:
            return BillyAnswer(answer=f"I can't answer that: {bq.missing}.")
        return _count(run, bq, plan)
    if bq.missing is not None:
        names = ", ".join(
            m.metric
            for m in (
                _catalog(store, caller)
                or MetricCatalog(metrics=[], values=[], billing_currency=None, rates=[])
            ).metrics
        )
        return BillyAnswer(
            answer=f"I can't answer that: the store holds no {bq.missing} business metric (it holds {names}). "
            "Import it with `spendscope import metrics FILE` (one row per value: date or month, metric, value, "
            "unit or currency, customer/feature/plan); see docs/unit-economics.md.",
        )
    try:
        answer = _unit(run, bq, plan) if bq.kind == "unit" and bq.metric is not None else _profit(run, plan)
    except SpendscopeError as exc:
        answer = BillyAnswer(answer=f"I could not answer that: {exc.message}")
    answer.tools = run.calls
    return answer


def one_role(q: str, filters: list[Filter]) -> list[Filter]:
    """`filters` with a value that two dimensions hold ('growth': a team and a plan) kept only in the one the
    question names beside it ("the growth plan", "plan growth"); when it names neither, both stay (the answer
    names the scope it used)."""
    dims: dict[str, set[str]] = {}
    for f in filters:
        if f.op in ("eq", "in"):
            for v in f.values:
                dims.setdefault(v.lower(), set()).add(f.dimension)
    drop: set[tuple[str, str]] = set()
    for value, where in dims.items():
        if len(where) < 2:
            continue
        v = re.escape(value)
        beside = [
            d for d in where if re.search(rf"\b{v}\s+{d}s?\b|\b{d}s?\s+(?:called\s+|named\s+)?{v}\b", q)
        ]
        if len(beside) == 1:
            drop |= {(d, value) for d in where if d != beside[0]}
    if not drop:
        return filters
    out = []
    for f in filters:
        kept = [v for v in f.values if (f.dimension, v.lower()) not in drop]
        if kept:
            out.append(f if kept == f.values else f.model_copy(update={"values": kept}))
    return out


def _by(q: str, plan: Plan, default: str | None) -> str | None:
    """The dimension a question groups by ('by plan', 'which features'), else the one its filter names."""
    for dim, pattern in _BY.items():
        if re.search(pattern, q) and not any(f.dimension == dim for f in plan.filters):
            return dim
    named = [f.dimension for f in plan.filters if f.dimension in _PROFIT_BY]
    return named[0] if named else default


def _range(plan: Plan, monthly: bool) -> dict[str, object]:
    if plan.period is None:
        return {"as_of": plan.as_of} if plan.as_of else {}
    start, end = plan.period.start, plan.period.end
    if monthly and (
        start.day != 1 or end.day != 1
    ):  # profitability is per month: the month the period ends in
        start = plan.period.last.replace(day=1)
        end = add_months(start, 1)
    return {"start": start, "end": end - dt.timedelta(days=1), "as_of": plan.as_of}


def _profit(run: Runner, plan: Plan) -> BillyAnswer:
    # imported here: the profitability operation's imports (telemetry attribution, allocation) serve only this
    from spendscope.tools.business.profitability import ProfitabilityInput

    q = plan.question.lower()
    by = _by(q, plan, "customer") or "customer"
    revenue_share = bool(_SHARE.search(q) and not _COST_WORD.search(q))
    named = {v.lower() for f in plan.filters if f.dimension == by for v in f.values}
    # a share of revenue is of everyone's: the named group's own filter is left off and its row picked
    filters = [f for f in plan.filters if not (revenue_share and f.dimension == by)]
    res: ProfitabilityResult = run.call(
        "profitability", ProfitabilityInput(by=by, filters=filters, **_range(plan, monthly=True))
    )
    rows = [r for r in res.rows if r.key is not None]
    if revenue_share and named:
        rows = [r for r in rows if r.key.lower() in named] + [r for r in rows if r.key.lower() not in named]
    table = Table(
        columns=[by, "revenue", "ai_cost", "margin", "margin_pct", "ai_cost_pct_of_revenue", "trend"],
        rows=[
            [
                r.key,
                r.revenue,
                round(r.ai_cost, 2),
                r.margin,
                r.margin_pct,
                r.ai_cost_pct_of_revenue,
                r.trend_direction,
            ]
            for r in rows[:20]
        ],
    )
    where = f" in {res.period_label}" + (f" for {scope_phrase(plan.filters)}" if plan.filters else "")
    if not any(r.revenue is not None for r in res.rows):
        return _no_revenue(run, res, where)
    notes = (
        " Figures in "
        + (res.currency or "the billing currency")
        + "; margin = revenue - AI cost (the AI bill only)."
    )
    if _LOSS.search(q):
        risky = [r for r in rows if r.at_risk]
        if not risky:
            text = f"No {by} costs more than it pays or is below a margin floor{where}."
            return BillyAnswer(answer=text + notes, value=0, table=table)
        names = "; ".join(_row_text(r, by) for r in risky[:5])
        more = f" (and {len(risky) - 5} more)" if len(risky) > 5 else ""
        text = f"{len(risky)} {by}{'s' if len(risky) != 1 else ''} at risk{where}: {names}{more}."
        return BillyAnswer(answer=text + notes, value=risky[0].key, table=table)
    one = rows[0] if len(rows) == 1 or (plan.filters and rows and _single(plan, by)) else None
    cost_share = _SHARE.search(q) and _COST_WORD.search(q)
    if revenue_share:
        target = rows[0] if named and rows and rows[0].key.lower() in named else None
        if target is None:
            rows = sorted(rows, key=lambda r: -(r.revenue_share_pct or 0))
            top = rows[0] if rows else None
            text = f"Revenue share by {by}{where}: " + ", ".join(
                f"{r.key} {r.revenue_share_pct:.1f}%" for r in rows[:5] if r.revenue_share_pct is not None
            )
            return BillyAnswer(
                answer=text + "." + notes, value=top.revenue_share_pct if top else None, table=table
            )
        return BillyAnswer(
            answer=f"{by.capitalize()} {target.key} brought {_pct(target.revenue_share_pct)} of revenue in "
            f"{res.period_label} ({money(target.revenue)} of {money(res.revenue)}).",
            value=target.revenue_share_pct,
            table=table,
        )
    if one is not None:
        if one.revenue is None:
            return BillyAnswer(
                answer=f"{by.capitalize()} {one.key} has AI cost {money(one.ai_cost)}{where} but no revenue rows "
                f"(metric {res.revenue_metric}): no margin can be given.",
                table=table,
            )
        if cost_share:
            value, lead = (
                one.ai_cost_pct_of_revenue,
                f"AI cost is {_pct(one.ai_cost_pct_of_revenue)} of revenue",
            )
        elif "revenue" in q and "margin" not in q and "profit" not in q:
            value, lead = one.revenue, f"revenue was {money(one.revenue)}"
        else:
            value, lead = (
                one.margin_pct,
                f"the margin over AI cost was {_pct(one.margin_pct)} ({money(one.margin)})",
            )
        return BillyAnswer(
            answer=f"For {by} {one.key} in {res.period_label}, {lead}: revenue {money(one.revenue)}, AI cost {money(one.ai_cost)}"
            f" ({_pct(one.ai_cost_pct_of_revenue)} of revenue), margin {_pct(one.margin_pct)}, "
            f"trend {one.trend_direction}." + notes,
            value=value,
            table=table,
        )
    if cost_share:
        pct = 100 * res.ai_cost / res.revenue if res.revenue else None
        return BillyAnswer(
            answer=f"AI cost was {_pct(pct)} of revenue{where} ({money(res.ai_cost)} of {money(res.revenue)})."
            + notes,
            value=round(pct, 2) if pct is not None else None,
            table=table,
        )
    if "revenue" in q and "margin" not in q and "profit" not in q:
        return BillyAnswer(
            answer=f"Revenue{where} was {money(res.revenue)} (AI cost {money(res.ai_cost)}, margin "
            f"{_pct(res.margin_pct)})." + notes,
            value=round(res.revenue, 2),
            table=table,
        )
    return BillyAnswer(
        answer=f"The margin over AI cost{where} was {_pct(res.margin_pct)}: revenue {money(res.revenue)}, AI cost "
        f"{money(res.ai_cost)}, margin {money(res.margin)}; {res.at_risk} {by}{'s' if res.at_risk != 1 else ''} "
        "at risk." + notes,
        value=res.margin_pct,
        table=table,
    )


def _no_revenue(run: Runner, res: ProfitabilityResult, where: str) -> BillyAnswer:
    """No revenue row for what was asked (a month after the last revenue import or before the first, or groups
    that record none): a margin or revenue figure would be a confident wrong number (revenue $0, margin minus the
    whole AI bill)."""
    catalog: MetricCatalog = run.call("list_business_metrics", ListMetricsInput())
    entry = next((m for m in catalog.metrics if m.metric == res.revenue_metric), None)
    outside = entry is not None and (res.end <= entry.first_day or res.start > entry.last_day)
    if outside:
        why = f"no revenue is recorded for {res.period_label} (metric {res.revenue_metric} runs from {entry.first_day} to {entry.last_day})"
    else:
        why = f"no revenue rows (metric {res.revenue_metric}){where}"
    return BillyAnswer(
        answer=f"I can't give a margin or revenue figure: {why}. The AI cost{where} was {money(res.ai_cost)}."
    )


def _single(plan: Plan, by: str) -> bool:
    return any(f.dimension == by and len(f.values) == 1 for f in plan.filters)


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}%"


def _row_text(r: ProfitRow, by: str) -> str:
    plan = f" ({r.plan} plan)" if r.plan else ""
    return (
        f"{r.key}{plan} AI cost {money(r.ai_cost)} against revenue {money(r.revenue)} "
        f"({_pct(r.ai_cost_pct_of_revenue)} of revenue, margin {_pct(r.margin_pct)}, {r.trend_direction})"
    )


def _unit(run: Runner, bq: BusinessQuestion, plan: Plan) -> BillyAnswer:
    from spendscope.tools.business.unit_costs import CostPerUnitInput  # imported here, as in _profit

    assert bq.metric is not None
    q = plan.question.lower()
    by = _by(q.split(" per ")[0] if " per " in q else q, plan, None)
    res = run.call(
        "cost_per_business_unit",
        CostPerUnitInput(
            metric=bq.metric.metric,
            per=bq.per,
            grain="total",
            group_by=[by] if by else [],
            filters=plan.filters,
            **_range(plan, monthly=False),
        ),
    )
    unit = (bq.metric.unit or bq.metric.words).rstrip("s")
    per_text = f"{bq.per:,} {bq.metric.unit or bq.metric.words}" if bq.per > 1 else unit
    where = f" in {res.period_label}" + (f" for {scope_phrase(plan.filters)}" if plan.filters else "")
    t = res.total
    table = Table(
        columns=[*(res.group_by or []), "cost", "units", "cost_per_unit"],
        rows=[
            [*(r.group.get(d) for d in res.group_by), round(r.cost, 2), r.units, r.cost_per_unit]
            for r in (res.rows if res.group_by else [t])
        ],
    )
    if not t.units:
        return BillyAnswer(
            answer=f"No {bq.metric.words} are recorded{where}, so there is no cost per {unit} "
            f"(AI cost matched: {money(t.cost)}).",
            table=table,
        )
    text = (
        f"{money(t.cost_per_unit)} per {per_text}{where} ({money(t.cost)} of AI cost over {t.units:,.0f} "
        f"{bq.metric.words}). Cost is matched on {', '.join(res.match_on) or 'all AI cost'}"
        f" ({res.basis})."
    )
    if res.assumptions:
        text += " " + " ".join(res.assumptions[:2])
    return BillyAnswer(answer=text, value=t.cost_per_unit, table=table)


# "how many documents", "number of tickets": what a count question counts
_COUNT_OF = re.compile(r"\b(?:how many|number of|count of|# of) (?P<what>[a-z]+)\b")
# verbs that ask for the same count as a metric's own word ("closed" tickets are the resolved ones)
_SAME_COUNT = {"resolv": ("clos", "solv", "handl", "fix"), "process": ("handl", "ingest", "pars", "read")}
_NOT_VERBS = {"we", "they", "you", "it", "i", "the", "our", "us", "in", "on", "for", "during", "last", "this"}


def _count_asked(q: str, plan: Plan) -> str | None:
    """What a count question asks to count, when the planner declined it (the cost store counts no documents,
    tickets or users)."""
    m = _COUNT_OF.search(q) if plan.unsupported else None
    return m.group("what") if m else None


def _counted_metric(catalog: MetricCatalog, q: str, plan: Plan) -> BusinessQuestion | None:
    """ "how many documents did doc-ingest process": a count a business metric holds (answered from it, naming
    the metric); a count of the same thing the metric does not hold ("... reject") is declined naming the metric
    that is there."""
    what = _count_asked(q, plan)
    if what is None:
        return None
    for entry in (m for m in catalog.metrics if m.kind == "count"):
        nouns = {entry.unit or "", *(f.split()[0] for f in _forms(entry))} - {""}
        if what not in nouns and what.rstrip("s") not in {n.rstrip("s") for n in nouns}:
            continue
        own = [w for w in entry.words.split() if w.rstrip("s") not in {n.rstrip("s") for n in nouns}]
        stems = {w[:7].rstrip("e") for w in own}
        asked, loose = _count_verb(q, plan, what)
        if (
            loose
        ):  # "how many tickets did support close": 'support' not read as a name, so whose count is unsure
            return BusinessQuestion(
                "count",
                missing=f"'{' '.join(loose)}' is not read as a name of the data (business metric {entry.metric} "
                f"counts {entry.words}: name the {' or '.join(entry.recorded_by) or 'scope'} it is for)",
            )
        same = asked is None or any(
            asked.startswith(s) or any(asked.startswith(o) for o in _SAME_COUNT.get(s, ())) for s in stems
        )
        if same or not own:
            return BusinessQuestion("count", metric=entry, words=what)
        return BusinessQuestion(
            "count",
            missing=f"the store holds no count of {what} that '{asked}' asks for; business metric {entry.metric} counts "
            f"{entry.words} (ask for that count, or import the one you need with `spendscope import metrics`)",
        )
    return None


def _count_verb(q: str, plan: Plan, what: str) -> tuple[str | None, list[str]]:
    """The verb of "how many <what> did <name> <verb> in <period>" (the last word before the period) and the
    words between that are neither names read as filters nor pronouns (whose count it is, not understood)."""
    m = re.search(
        rf"\b{re.escape(what)}\b(?: \w+)?? (?:did|do|does|were|was|have|has|will|got) (?P<tail>.+)$", q
    )
    if m is None:
        return None, []
    names = {t for f in plan.filters for v in f.values for t in re.findall(r"[a-z0-9]+", v.lower())}
    words = re.findall(r"[a-z][a-z-]*", m.group("tail").split(" in ")[0].split(" last ")[0])
    words = [w for w in words if w not in _NOT_VERBS]
    if not words:
        return None, []
    loose = [w for w in words[:-1] if not set(re.findall(r"[a-z0-9]+", w)) <= names and w not in _OWNERS]
    return words[-1], loose


_OWNERS = {"team", "feature", "customer", "plan", "app", "product", "squad"}


def _count(run: Runner, bq: BusinessQuestion, plan: Plan) -> BillyAnswer:
    """A count a business metric holds, for the period and the names asked (the metric named in the answer)."""
    from spendscope.tools.business.metrics import MetricValuesInput, MetricValuesResult

    assert bq.metric is not None
    try:
        res: MetricValuesResult = run.call(
            "query_business_metrics",
            MetricValuesInput(metric=bq.metric.metric, filters=plan.filters, **_range(plan, monthly=False)),
        )
    except SpendscopeError as exc:
        return BillyAnswer(answer=f"I could not answer that: {exc.message}", tools=run.calls)
    period = plan.period.label if plan.period is not None else res.period_label
    where = f" in {period}" + (f" for {scope_phrase(plan.filters)}" if plan.filters else "")
    if not res.totals:
        return BillyAnswer(
            answer=f"No {bq.metric.words} are recorded{where} (business metric {res.metric}).",
            tools=run.calls,
        )
    table = Table(columns=["period", res.metric], rows=[[r.period, r.value] for r in res.totals])
    text = (
        f"{res.total:,.0f} {bq.metric.words}{where} (business metric {res.metric}, imported with "
        "`spendscope import metrics`; not from the bill)."
    )
    return BillyAnswer(answer=text, value=res.total, table=table, tools=run.calls)
