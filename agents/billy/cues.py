"""What a question asks, as cues on its Reading: a change, a share, a ranking, a peak, a unit, a month-end
landing, a GPU utilisation, what went wrong; the analytics intent named (forecast, anomalies, savings, budget,
idle GPUs); and the filters GPU and commitment words make."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.lexicon import (
    NUMBER_WORDS,
)
from spendscope.agents.billy.question import _Question
from spendscope.agents.billy.resolve import (
    ValueIndex,
)
from spendscope.agents.billy.vocab import (
    BUSY,
    DELEGATES,
    GPU_NAME,
    HIGH,
    INSTANCE_WORDS,
    LANDING,
    LOW,
    OWNS,
    PRONOUN,
    RE,
    TOP_N,
    WENT_WRONG,
    WHICH,
)
from spendscope.tools.costs.breakdown import Filter

if TYPE_CHECKING:
    from spendscope.agents.billy.reading import Reading
from spendscope.agents.billy.mentions import entity_comparison

# "per copilot seat", "each cursor licence": a seat with the tool's name between
_PER_NAMED_SEAT = re.compile(r"\b(?:per|each|every|a)\s+(?:[\w.-]+\s+){1,2}?(?P<unit>seats?|licen[cs]es?)\b")


def read_cues(r: Reading, index: ValueIndex) -> None:
    """What is asked, as cue names; the analytics intent named; and the GPU / commitment word filters."""
    low, rest, q = r.low, r.rest, r.q
    periods, over, mentions = r.periods, r.over, r.mentions
    c = r.cues
    # "how much went unused in may" / "how much did risco waste": on a bill with commitments, their unused part
    # (of the named rows); naming nothing, on one with GPU instances and no commitment, the GPUs' idle cost; else
    # nothing in the bill can go unused
    unused_word = (
        bool(RE["unused"].search(low))
        and not INSTANCE_WORDS.search(low)  # "which box sat idle", "idle gpus": the GPU questions
        and not re.search(r"\b(seats?|licen[cs]es?|users?|engineers?|accounts?|people)\b", low)
    )
    # "how much did the a100s idle cost us", "idle cost of the h200 box": idle time's cost of GPU instances named
    # (by type, name or GPU), not a commitment's unused part, nor the instances' whole cost
    gpu_named = any(m.dim in ("instance_type", "resource", "resource_id") for m in mentions) or bool(
        GPU_NAME.search(low) and index.values.get("instance_type")
    )
    idle_of_named_gpus = gpu_named and bool(RE["unused"].search(low)) and bool(RE["money"].search(low))
    # "the idle cost on the legacy embedder" (a feature whose rows are a GPU box): "idle" is time a GPU sat
    # unused; a commitment's unused part is asked with a commitment word
    idle_of_named_gpus = idle_of_named_gpus or (
        bool(re.search(r"\bidle\b", low) and RE["money"].search(low) and index.values.get("instance_type"))
        and bool(mentions)
        and not RE["commit"].search(low)
        and not any(m.dim in ("commitment", "commitment_status") for m in mentions)
    )
    if idle_of_named_gpus:
        unused_word = False
    unused_alone = unused_word and not mentions
    commit_rows = bool(index.values.get("commitment_status"))
    has_commit = (
        bool(RE["commit"].search(low))
        or any(m.dim == "commitment" for m in mentions)
        or (unused_word and commit_rows)
    ) and index.has_dim("commitment_status")
    if unused_word and commit_rows and not RE["commit"].search(low):
        r.assumptions.append(
            "'unused' read as the commitments' unused part (nothing else in the bill is bought ahead)"
        )
    change = bool(RE["change"].search(rest)) or over is not None
    if len(periods) >= 2 and re.search(
        r"\b(than|more|less|higher|lower|bigger|smaller|difference|by how much)\b", rest
    ):
        change = True
    share = bool(RE["share"].search(rest))
    # "what did data science spend on gpus vs apis": one period's spend split between GPU instances and the rest,
    # not the GPUs' change between two periods
    gpu_vs_rest = len(periods) < 2 and not over and bool(_GPU_VS_REST.search(low))
    share = share or gpu_vs_rest
    if (
        share
        and len(periods) < 2
        and not over
        and not re.search(
            r"\b(change\w*|grow\w*|grew|increase\w*|decrease\w*|rise|rose|fall|fell|drop\w*|trend\w*)\b", rest
        )
    ) or gpu_vs_rest:
        change = False  # "share of spend on AI vs GPUs": the "vs" splits a whole, not two periods
    if re.search(
        r"\b(vs\.?|versus|compared (to|with)|than|against)\s+(the\s+)?((day|week|month|quarter|year|period)"
        r" (before|prior)|(previous|prior|preceding) (day|week|month|quarter|year|period|one)|one before)\b",
        low,
    ):
        change = True  # "last month vs the month before": one period against the one before it
    flags = {
        "change": change,
        "change_word": bool(
            re.search(
                r"\b(change|changed|grow|grew|increase|decrease|rise|rose|fall|fell|drop|dropped|more|less|"
                r"go up|went up|go down|went down|trend|differ|delta|compar|vs|versus)"
                r"|\b(got|gotten|getting|became|become) (pricier|costlier|cheaper)\b",
                rest,
            )
        ),
        "why": bool(RE["why"].search(re.sub(RE["untagged"], " ", rest))),
        "share": share and not re.search(r"\bshare(d)? (cost|pool|service|infra\w*)", rest),
        "unit_words": bool(RE["unit_words"].search(rest)),
        "average": bool(RE["average"].search(rest)),
        "listing": bool(RE["listing"].search(rest)),
        "by_word": bool(
            re.search(r"\b(by|per|each|every|across|breakdown|broken|split|grouped|between)\b", rest)
        ),
        "grain_by": bool(re.search(r"\b(by|per|each|every|daily|weekly|monthly|trend|over time)\b", rest)),
        "group_by_word": bool(WHICH.search(rest) or re.search(r"\b(by|per|each|across)\b", rest)),
        "high": bool(HIGH.search(rest)),
        "low": bool(LOW.search(rest)),
        "which": bool(WHICH.search(rest)),
        "comparative": bool(
            re.search(r"\b(more|less|higher|lower|bigger|smaller|cheaper|pricier|larger)\b", rest)
        ),
        "less_word": bool(re.search(r"\b(less|lower|smaller|cheaper)\b", rest)),
        "pct_first": bool(RE["pct_first"].search(low)) and not RE["dollars_first"].search(low),
        "yoy": bool(re.search(r"\b(yoy|year[- ]over[- ]year|same (period|month|quarter) last year)\b", low)),
        "commit": has_commit,
    }
    c.update(k for k, v in flags.items() if v)
    if gpu_vs_rest:
        c.add("gpu_vs_rest")
    if flags["which"] and OWNS.search(rest):
        r.assumptions.append("'owns' read as spent the most on it (the data records no owner)")
    count = RE["count"].search(rest)
    if count and not re.search(r"\b(tokens?|requests?|calls?|dollars?|hours?)\b", count.group("what")):
        c.add("count")
    peak = RE["peak"].search(rest)
    grain_word = re.search(r"\b(day|date|week|month)s?\b", rest)
    if peak and (r.grains or grain_word or re.search(r"\b(peak\w*|busiest|spiked?)\b", rest)):
        c.add("peak")
        g = r.grains[0] if r.grains else grain_word.group(1) if grain_word else "day"
        c.add("peak_" + ("day" if g == "date" else g))
    unit = RE["unit"].search(rest)
    if unit:
        r.unit = {k: (v or "") for k, v in unit.groupdict().items()}
    elif seat := _PER_NAMED_SEAT.search(rest):  # "cost per copilot seat": a seat of the named tool
        r.unit = {"scale": "", "tt": "", "unit": seat.group("unit")}
    topn = TOP_N.search(rest)
    if topn:
        n = topn.group("n") or topn.group("n2")
        r.top_n = int(n) if n.isdigit() else NUMBER_WORDS.get(n, 1)
        r.top_low_word = topn.group(0).split()[0] in ("bottom", "lowest", "smallest", "cheapest", "last")
        c.add("top_n")
    r.entity_dim = entity_comparison(mentions, rest)
    ctx = next((m for m in mentions if m.context_word and len(m.values) > 1 and not m.negated), None)
    r.context_dim = ctx.dim if ctx is not None else None
    dims = r.dims
    if (
        r.entity_dim
        and dims
        and dims[0] != r.entity_dim
        and "which" in c
        and not all(i == -1 for d, i in r.groups if d in dims)
    ):
        r.unsupported.append(
            f"comparing two {r.entity_dim.replace('_', ' ')}s per {dims[0].replace('_', ' ')}"
        )
    if r.entity_dim and dims and all(i == -1 for d, i in r.groups if d in dims):
        r.groups = [(d, i) for d, i in r.groups if d not in dims]  # "OpenAI vs Anthropic, who cost more?"
    _new_cues(r, index)
    idle_gpus = (
        unused_alone and not commit_rows and bool(index.values.get("instance_type"))
    ) or idle_of_named_gpus
    if unused_word and not commit_rows and not idle_gpus:
        r.unsupported.append(
            "what went unused of named rows (the bill holds no commitment; ask how much GPU time sat idle)"
            if index.values.get("instance_type")
            else "what went unused (the bill holds no commitment and no GPU instance)"
        )
    _delegate(r, idle_gpus)
    if r.delegate == "savings" and any(m.negated for m in mentions):
        r.delegate = None  # "how much would we save without teszt": what the rows left out cost (planner.py)
    # a what-if with a stated factor or a move is answered by its own rule, whatever delegate a word names ("save"):
    # the words naming rows (the PT, GPUs) are its scope
    if r.delegate is None or {"scale_whatif", "swap_whatif"} & r.cues:
        _word_filters(r, q, has_commit, unit, bool(index.values.get("instance_type")))
    r.found = (
        bool(
            re.search(
                r"\b(how much|how many|what|total|spend|spent|cost|costs|bill|billed|paid|pay|amount|"
                r"sum|usage|consum\w*|used|use)\b",
                rest,
            )
        )
        or bool(mentions)
        or r.measure in ("tokens", "requests", "gpu_hours")
        # "nov mtd?", "last month?": a question that is only a period asks what that period cost
        # ("q4 so far", "h2 to date": the words saying the period is not over are part of it)
        or (bool(periods) and not re.search(r"[a-z0-9]", _TO_DATE.sub(" ", rest)))
        or _period_figure(rest, bool(periods))
        # "the PT in april", "gpus last month": a word naming rows (commitments, GPU instances), as a value does
        or bool(r.word_filters)
    )


_VS = r"\s+(?:vs\.?|versus|against|compared (?:to|with))\s+(?:the\s+|our\s+)?"
_API = r"(?:(?:ai |llm |model )?apis?|api calls|models?|llms?|tokens?|inference)"
_GPU_VS_REST = re.compile(rf"\bgpus?(?: instances?| boxes)?{_VS}{_API}\b|\b{_API}{_VS}gpus?\b")


# "whats the ytd number", "give me the q1 figure": a period's number or figure is what it cost ("the number of
# requests" is a count, read elsewhere)
_FIGURE_NOUN = re.compile(r"\b(numbers?|figures?|tally|damage)\b(?! of\b)")


def _period_figure(rest: str, has_period: bool) -> bool:
    """A period named with only "number" / "figure" asked of it: its spend."""
    return has_period and bool(_FIGURE_NOUN.search(rest))


_TO_DATE = re.compile(r"\b(so far|to date|thus far|till now|until now|up to now|as of (now|today))\b")


def _new_cues(r: Reading, index: ValueIndex) -> None:
    """Month-end landing, GPU utilisation, why a day cost what it did, a pronoun for the previous answer."""
    low, c = r.low, r.cues
    if LANDING.search(low) and not r.periods or LANDING.search(low) and _this_month(r):
        c.add("landing")
    elif r.periods and _this_month(r) and _WILL_BE.search(low):
        c.add("landing")  # "whats june gonna be" in June, "what will q4 be" in Q4: where the period lands
    elif (
        r.periods
        and _WILL_BE.search(low)
        and all(p.period.end <= r.today for p in r.periods)
        and not re.search(r"\b(19|20)\d\d\b", low)
    ):
        # "what will december be" in November: a month named without a year, read as the last one, is the next
        # one when asked what it will be: its forecast (which takes the month's next occurrence)
        r.delegate = "forecast"
    gpu_named = bool(GPU_NAME.search(low)) or any(m.dim in ("instance_type", "resource") for m in r.mentions)
    idle_cost = re.search(r"\b(idle|unused|wast(e|ed|es|ing))\b", low) and RE["money"].search(low)
    if PRONOUN.search(low):
        c.add("pronoun")
    named = gpu_named or INSTANCE_WORDS.search(low) or "pronoun" in c
    if BUSY.search(low) and named and not idle_cost and "commit" not in c:
        c.add("gpu_utilization")
    from spendscope.agents.billy.inventory import device_subject

    if device_subject(low) and index.values.get("instance_type"):  # the bill names instance types
        c.add("device_count")
    if WENT_WRONG.search(low):
        c.add("what_went_wrong")
    from spendscope.agents.billy.assistants import read_assistant

    read_assistant(r, index)
    from spendscope.agents.billy.whatif import payg_whatif

    if payg_whatif(r):
        c.add("payg_whatif")
    from spendscope.agents.billy.run_rate import RUN_RATE
    from spendscope.agents.billy.scaling import scale_of
    from spendscope.agents.billy.swap import swap_pair

    r.swap = swap_pair(r)
    if r.swap is not None:
        c.add("swap_whatif")  # "if we moved X traffic to Y": X's tokens at Y's prices
    if scale_of(low) is not None:
        c.add("scale_whatif")  # "if X were 30% cheaper", "cut X in half"
    if RUN_RATE.search(low):
        c.add("run_rate")


# the future of "to be" about a period not over, its name between or after ("what will q4 be", "q4 gonna be")
_WILL_BE = re.compile(r"\b(gonna|going to|will)\b(?: [\w-]+){0,3} (be|come in|come to)\b")


def _this_month(r: Reading) -> bool:
    return all(
        p.period.start <= r.today < p.period.end or p.period.start == r.today.replace(day=1)
        for p in r.periods
    )


def _delegate(r: Reading, idle_gpus: bool = False) -> None:
    rest = r.rest
    gpu_idle = idle_gpus or (
        RE["gpu"].search(rest) and (RE["unused"].search(rest) or RE["utilization"].search(rest))
    )
    for intent, pattern in DELEGATES:
        if (intent == "gpu_idle" and gpu_idle) or (intent != "gpu_idle" and pattern.search(rest)):
            from spendscope.agents.billy import delegate

            if delegate.available(intent):
                r.delegate = intent
                return
    word = RE["unsupported"].search(rest)
    if word and not (word.group(0) == "cheaper" and r.entity_dim):  # "was cohere cheaper than mistral"
        r.unsupported.append(word.group(0))


def _word_filters(
    r: Reading, q: _Question, has_commit: bool, unit: re.Match[str] | None, has_gpu_rows: bool
) -> None:
    """GPU spend and commitment words are filters, whatever is asked. GPU spend on a bill where no row is a known
    GPU instance is declined, never 0.00: such a bill cannot tell "no GPUs" from GPU boxes of a type Billy does
    not know."""
    rest, low = r.rest, r.low
    if RE["gpu"].search(rest) and r.measure != "gpu_hours" and not (unit and "gpu" in unit.group(0)):
        if RE["unused"].search(rest) or RE["utilization"].search(rest):
            r.unsupported.append("GPU utilisation (needs GPU metrics)")
        elif not any(m.dim == "instance_type" for m in r.mentions):
            gpu_word = RE["gpu"].search(rest)
            negated = gpu_word is not None and RE["negation"].search(
                low[max(0, gpu_word.start() - 24) : gpu_word.start()]
            )
            if negated:
                r.word_filters.append(Filter(dimension="gpu_count", op="in", values=["(none)", "0"]))
                r.word_assumptions.append("excluded the cost of instances with GPUs")
            elif not has_gpu_rows:
                r.unsupported.append("GPU spend (no row of this bill is a GPU instance of a known type)")
            else:
                r.word_filters.append(Filter(dimension="gpu_count", op="not_in", values=["(none)", "0"]))
                r.word_assumptions.append("GPU spend = cost of instances with GPUs")
                r.word_subject = r.word_subject or "GPU instances"
    commit_word = RE["commit"].search(low) if has_commit else None
    if commit_word and RE["negation"].search(low[max(0, commit_word.start() - 24) : commit_word.start()]):
        r.word_filters.append(Filter(dimension="commitment_status", values=["(none)"]))
        r.word_assumptions.append("excluded commitment rows (used and unused)")
        r.cues.discard("commit")
        return
    if not has_commit:
        return
    if RE["utilization"].search(low) and not RE["unused"].search(low):
        r.cues.add("commit_utilization")
    elif RE["unused"].search(low):
        r.word_filters.append(Filter(dimension="commitment_status", values=["Unused"]))
        r.word_subject = "commitment that went unused"
        r.word_assumptions.append("unused commitment = effective cost of commitment rows with status Unused")
    elif re.search(r"\b(used|use|using|consumed?|utili[sz]ed)\b", rest):
        r.word_filters.append(Filter(dimension="commitment_status", values=["Used"]))
        r.word_subject = "commitment that was used"
    elif not any(m.dim == "commitment" for m in r.mentions):
        # "what did we spend on PTUs / reserved capacity": the commitments' own cost, never the whole bill
        r.word_filters.append(Filter(dimension="commitment_status", values=["Used", "Unused"]))
        r.word_subject = r.word_subject or "commitments"
        r.word_assumptions.append("commitment spend = effective cost of commitment rows (used and unused)")
