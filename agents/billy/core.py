"""`ask`: Billy's one entry point for every adapter (CLI, Slack, the triage router).

The deterministic planner answers what it understands with zero LLM calls. When it is not confident and an
Anthropic key is configured, the LangGraph tool-use loop (agents.billy.llm) answers over the same operations;
without a key Billy says what it could not answer and suggests questions it can. Follow-ups in a thread carry
the previous plan (and, on the LLM path, the persisted graph state) over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

from spendscope.agents.billy.business import HELD_WITH_REVENUE, answer_business, business_question
from spendscope.agents.billy.models import BillyAnswer, PeriodRef, Plan, ToolCall
from spendscope.agents.billy.phrasing import billing_currency
from spendscope.agents.billy.planner import CONFIDENT, is_followup, ownership_key, plan_question
from spendscope.agents.billy.precision import TAG_KEY
from spendscope.agents.billy.resolve import ValueIndex, load_index
from spendscope.data.errors import SpendscopeError
from spendscope.data.settings import Settings, load_settings
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.costs.breakdown import Filter


def ask(
    store: Store,
    question: str,
    *,
    as_of: dt.date | None = None,
    thread_id: str | None = None,
    settings: Settings | None = None,
    scope: list[Filter] | None = None,
    llm_client: Any | None = None,
    caller: Caller | None = None,
) -> BillyAnswer:
    """Answer a cost question for `caller` (tools.access.Caller: identity, permission, row scope; default the
    local user). Every operation runs through `tools.invoke` as that caller, so a row-scoped caller's figures
    cover only their rows (and the answer says so) and an operation that cannot be limited is refused.
    `scope` (an older form: `in` filters) is folded into the caller's row scope; `llm_client` is an
    `anthropic.Anthropic` to use instead of one built from settings."""
    caller = as_caller(caller, scope)

    settings = settings or load_settings()
    question = (question or "").strip()
    if not question:
        return BillyAnswer(answer="Ask me a question about your costs, e.g. " + _examples(None)[0])
    index, _ = load_index(store, settings.state_dir)
    codes = sorted({str(c).upper() for c in index.values.get("currency", []) if c})
    with billing_currency(codes[0] if len(codes) == 1 else "" if codes else "USD"):
        answer = _answer(store, question, index, as_of, thread_id, settings, caller, llm_client)
    if len(codes) > 1 and answer.value is not None:
        answer.answer += (
            f" Note: the bill mixes currencies ({', '.join(codes)}); amounts are added without conversion."
        )
    return answer


def _answer(
    store: Store,
    question: str,
    index: ValueIndex,
    as_of: dt.date | None,
    thread_id: str | None,
    settings: Settings,
    caller: Caller,
    llm_client: Any | None,
) -> BillyAnswer:
    """`ask` once the store's vocabulary is loaded (inside the billing currency)."""
    from spendscope.agents.billy import threads

    previous = threads.last_plan(settings.state_dir, thread_id) if thread_id else None
    plan = plan_question(question, index, as_of=as_of, previous=previous)
    has_llm = llm_client is not None or settings.anthropic_api_key is not None
    answer: BillyAnswer
    used_plan: Plan | None = plan
    llm_thread = bool(thread_id) and previous is None and _last_turn_was_llm(settings, thread_id)
    business = business_question(store, question, plan, caller)
    if business is not None and not business.covers(plan.unresolved):
        if business.missing is None:  # the store holds the concept; the name is what is not in the data
            plan = plan.model_copy(
                update={"unsupported": [c for c in plan.unsupported if c not in HELD_WITH_REVENUE]}
            )
        business = None  # a name that is not in the data: precision first
    if has_llm and llm_thread and is_followup(question):
        answer = _llm(store, question, settings, thread_id, as_of, caller, llm_client, plan)
        used_plan = None
    elif business is not None:  # margin, revenue, cost per ticket: the business-metric operations
        answer = answer_business(store, business, plan, caller)
        used_plan = None
    elif plan.unresolved or plan.unread_period or (plan.intent == "unknown" and plan.unsupported):
        answer = cannot_answer(plan, index, caller)  # precision first: no figure, not even from the LLM
        # kept with its unresolved names, so "what about last month" is still about them, not the turn before
        used_plan = plan if plan.unresolved else None
    elif plan.confidence >= CONFIDENT:
        try:
            answer = _execute(store, plan, index, caller)
            if plan.intent == "top" and plan.group_by and isinstance(answer.value, str):
                plan.answer_entity = Filter(dimension=plan.group_by[0], values=[answer.value])
            if plan.intent == "drivers":
                plan.answer_drivers = top_drivers(answer)
            if plan.intent == "peak" and plan.grain == "day" and isinstance(answer.value, str):
                with contextlib.suppress(ValueError):  # "why?" next asks why that day cost what it did
                    plan.answer_day = dt.date.fromisoformat(answer.value)
            if plan.intent == "peak" and isinstance(answer.value, str):
                plan.answer_period = peak_period(answer.value)  # "how much was it" next: that day or month
        except SpendscopeError as exc:
            if not has_llm:  # the refused call is kept, so a surface can tell what the question asked about
                attempted = ToolCall(
                    name=plan.intent,
                    input={"filters": [f.model_dump(mode="json") for f in plan.filters]},
                    error=exc.message,
                )
                answer = BillyAnswer(answer=f"I could not answer that: {exc.message}", tools=[attempted])
                used_plan = None
            else:
                answer = _llm(store, question, settings, thread_id, as_of, caller, llm_client, plan)
                used_plan = None
    elif has_llm:
        answer = _llm(store, question, settings, thread_id, as_of, caller, llm_client, plan)
        used_plan = None
    else:
        answer = cannot_answer(plan, index, caller)
        used_plan = None
    if used_plan is not None and used_plan.readings and answer.value is not None:
        answer.choices = list(used_plan.readings)
    if caller.scoped and answer.value is not None:
        answer.answer += f" (Limited to your scope: {caller.scope_text()}.)"
    if thread_id:
        threads.record(settings.state_dir, thread_id, question, answer.answer, used_plan, answer.llm)
    return answer


def peak_period(value: str) -> PeriodRef | None:
    """The day ('2026-12-24') or month ('2026-12') a peak answer named, as a period; None for anything else."""
    from spendscope.tools.periods import add_months

    with contextlib.suppress(ValueError):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = dt.date.fromisoformat(value)
            return PeriodRef(
                start=day, end=day + dt.timedelta(days=1), label=f"{day:%B} {day.day}, {day.year}"
            )
        if re.fullmatch(r"\d{4}-\d{2}", value):
            first = dt.date.fromisoformat(value + "-01")
            return PeriodRef(start=first, end=add_months(first, 1), label=f"{first:%B %Y}")
    return None


def top_drivers(answer: BillyAnswer) -> list[Filter]:
    """The largest driver of each dimension in an explanation's table (dimension, value, ..., change), for a
    follow-up's "that model" / "that app"."""
    table = answer.table
    if table is None or table.columns[:2] != ["dimension", "value"]:
        return []
    found: dict[str, Filter] = {}
    for row in table.rows:
        if row[0] and row[1] not in (None, "") and row[0] not in found:
            found[str(row[0])] = Filter(dimension=str(row[0]), values=[str(row[1])])
    return list(found.values())


def as_caller(caller: Caller | None, scope: list[Filter] | None) -> Caller:
    """The caller a question runs as: `caller` (default the local user) with `scope` filters added to its row
    scope (values of one dimension intersect with the caller's own)."""
    caller = caller or LOCAL
    if not scope:
        return caller
    rows = dict(caller.row_scope)
    for f in scope:
        values = tuple(str(v) for v in f.values)
        if f.dimension in rows:
            mine = {v.lower() for v in rows[f.dimension]}
            values = tuple(v for v in values if v.lower() in mine)
        rows[f.dimension] = values
    return Caller(
        caller.identity if caller is not LOCAL else "billy-scoped", caller.can_write, rows, caller.remote
    )


def _last_turn_was_llm(settings: Settings, thread_id: str | None) -> bool:
    from spendscope.agents.billy import threads

    turns = threads.history(settings.state_dir, thread_id, limit=1) if thread_id else []
    return bool(turns) and turns[-1][2]


def _execute(store: Store, plan: Plan, index: ValueIndex, caller: Caller) -> BillyAnswer:
    from spendscope.agents.billy.execute import execute
    from spendscope.agents.billy.session import question_store

    with question_store(store) as shared:
        return execute(shared, plan, index, caller)


def _llm(
    store: Store,
    question: str,
    settings: Settings,
    thread_id: str | None,
    as_of: dt.date | None,
    caller: Caller,
    client: Any | None,
    plan: Plan,
) -> BillyAnswer:
    from spendscope.agents.billy.llm import run_llm

    return run_llm(
        store,
        question,
        settings=settings,
        thread_id=thread_id,
        as_of=as_of,
        caller=caller,
        client=client,
        hint=plan,
        reading=plan.reading,
    )


def cannot_answer(plan: Plan, index: ValueIndex, caller: Caller | None = None) -> BillyAnswer:
    """The honest answer without an LLM: what was not understood, and questions that work. A row-scoped caller
    gets no nearest values: the vocabulary is the whole store's, and a team's name is not theirs to learn."""
    scoped = caller is not None and caller.scoped
    reasons = []
    if plan.unresolved or plan.unread:
        dims = [d for d in ("provider", "service", "model", ownership_key(index)) if d and index.has_dim(d)]
        for name in [*plan.unresolved, *plan.unread]:
            said = plan.unresolved_dims.get(name)
            if said == TAG_KEY:
                keys = sorted(index.tag_keys())
                reasons.append(
                    f"'{name}' is not a tag key of the data; its tag keys are {', '.join(keys)}"
                    if keys
                    else f"'{name}' is not a tag key of the data (its rows carry no tags)"
                )
                continue
            near = (
                [] if scoped else nearest_values(name, index, [said] if said else dims, only=said is not None)
            )
            named = (
                f"no {said.replace('_', ' ')}"
                if said
                else f"no {', '.join(d.replace('_', ' ') for d in dims)} or other value"
            )
            if scoped:
                reasons.append(f"'{name}' is not in the data you can see ({caller.scope_text()})")  # type: ignore[union-attr]
                continue
            gpus = _gpu_instances(name, index)
            if gpus:  # "the a100 boxes" where none runs: the GPU instances the store does hold
                reasons.append(
                    f"'{name}' is not in the data (no GPU instance of the store carries that GPU); the GPU "
                    f"instances are {', '.join(gpus)}"
                )
                continue
            reasons.append(
                f"'{name}' is not in the data ({named} has that name)"
                f"{'; the nearest values are ' + ', '.join(near) if near else ''}"
            )
    if plan.unread_period:
        reasons.append(
            f'I could not tell which days \'{plan.unread_period}\' means (name them: "yesterday", "last week", '
            f'"October 3", "the last 7 days")'
        )
    if plan.unsupported and plan.intent == "unknown":
        reasons.append(f"the store does not hold {', '.join(dict.fromkeys(plan.unsupported))}")
    elif plan.unsupported:
        reasons.append(
            f"questions about {', '.join(dict.fromkeys(plan.unsupported))} need the LLM or a dedicated command"
        )
    if not reasons:
        reasons.append("I did not understand what to measure")
    lead = (
        "I can't answer that"
        if plan.unresolved or plan.unread or plan.unread_period or plan.intent == "unknown"
        else ("I can't answer that without an LLM (set ANTHROPIC_API_KEY)")
    )
    text = (
        lead + ": " + "; ".join(reasons) + ". "
        "I can answer questions like: " + " / ".join(f'"{e}"' for e in _examples(index)) + "."
    )
    return BillyAnswer(answer=text, value=None)


def _gpu_instances(name: str, index: ValueIndex) -> list[str]:
    """The store's GPU instance types with their GPU ("g5.2xlarge (A10G)"), when `name` is a GPU model."""
    from spendscope.agents.billy.vocab import GPU_WORD
    from spendscope.data.gpu_catalog import gpu_model

    if not GPU_WORD.fullmatch(name.lower()):
        return []
    types = [v for v in index.values.get("instance_type", []) if isinstance(v, str)]
    return [t + (f" ({gpu_model(t)})" if gpu_model(t) else "") for t in types[:6]]


def nearest_values(name: str, index: ValueIndex, dims: list[str], only: bool = False) -> list[str]:
    """Real values spelt closest to `name` (any dimension, or only `dims` when `only`), else the largest few of the
    first dimension."""
    import difflib

    pool = {
        v: d for d in (dims if only else index.values) for v in index.values.get(d, []) if isinstance(v, str)
    }
    close = difflib.get_close_matches(name.lower(), [v.lower() for v in pool], n=3, cutoff=0.6)
    by_low = {v.lower(): v for v in pool}
    if not close:  # "llama-4-maverick": the store's values of the same family ("llama-3.3-70b-versatile")
        head = re.split(r"[-_. ]", name.lower())[0]
        close = [v for v in by_low if len(head) >= 3 and re.split(r"[-_. ]", v)[0] == head][:3]
    if close:
        return [f"{pool[by_low[c]].replace('_', ' ')} {by_low[c]}" for c in close]
    first = next((d for d in dims if index.values.get(d)), None)
    return [f"{first.replace('_', ' ')} {v}" for v in index.values.get(first or "", [])[:4]]


def _examples(index: ValueIndex | None) -> list[str]:
    provider, month, team, model = "Anthropic", "last month", "team", "claude-sonnet-4-5"
    if index is not None:
        provider = (index.values.get("provider") or [provider])[0]
        model = (index.values.get("model") or [model])[0]
        team = ownership_key(index) or "provider"
        if index.catalog.last_day:
            month = index.catalog.last_day.strftime("%B %Y")
    return [
        f"How much did we spend on {provider} in {month}?",
        f"Which {team} spent the most in {month}?",
        f"How did total spend change from the month before to {month}?",
        f"What did {model} cost per million tokens in {month}?",
        f"On which day was spend highest in {month}?",
    ]
