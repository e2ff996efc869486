"""Billy's data shapes: the answer every adapter renders, and the plan the deterministic planner makes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field
from spendscope.tools.costs.breakdown import Filter

Intent = Literal[
    "total",
    "breakdown",
    "top",
    "compare",
    "drivers",
    "peak",
    "share",
    "unit_cost",
    "utilization",
    "count",
    "average",
    "forecast",
    "savings",
    "anomalies",
    "budget",
    "gpu_idle",
    "gpu_utilization",
    "gpu_count",
    "landing",
    "assistants",
    "payg_whatif",
    "scale_whatif",
    "run_rate",
    "swap_whatif",
    "days_off_whatif",
    "first_spend",
    "unknown",
]


class Table(BaseModel):
    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)


class ToolCall(BaseModel):
    name: str = Field(description="operation name (tools.registry) or run_sql")
    input: dict[str, Any] = Field(default_factory=dict)
    error: str | None = Field(None, description="error code when the call failed")


class BillyAnswer(BaseModel):
    """What Billy says: one sentence with the key figure first, the key value, the table behind it, an optional
    Vega-Lite chart, the tool calls that produced the figures, and whether an LLM took part."""

    answer: str
    value: float | int | str | None = None
    table: Table = Field(default_factory=Table)
    chart: dict[str, Any] | None = None
    tools: list[ToolCall] = Field(default_factory=list)
    llm: bool = False
    choices: list[str] = Field(
        default_factory=list,
        description="when two readings were plausible: the same question in each reading (the first answered); "
        "Slack offers them as buttons. Not part of the --json contract.",
    )

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "value": self.value,
            "table": {"columns": self.table.columns, "rows": self.table.rows},
            "chart": self.chart,
            "tools": [t.model_dump(exclude_none=True) for t in self.tools],
            "llm": self.llm,
        }


class PeriodRef(BaseModel):
    start: dt.date
    end: dt.date = Field(description="exclusive")
    label: str

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


class Plan(BaseModel):
    """A question turned into operations: what to measure, over which rows and periods, shaped how."""

    question: str
    intent: Intent = "total"
    measure: str = "cost"
    token_types: list[str] = Field(default_factory=list, description="token kinds when measure is tokens")
    filters: list[Filter] = Field(default_factory=list)
    group_by: list[str] = Field(default_factory=list)
    period: PeriodRef | None = None
    base_period: PeriodRef | None = None  # compare/drivers: the earlier period
    part_filters: list[Filter] = Field(
        default_factory=list,
        description="a follow-up that took part of the turn before ('how much of that was on vertex'): the "
        "filters naming the part, so 'what share is that' next is the part's share of the turn before's rows",
    )
    moved_from: PeriodRef | None = Field(
        None,
        description="a follow-up that moved the thread's period ('and the week before?'): the period it moved "
        "from, so a change asked next compares the two",
    )
    top: int | None = None
    skip: int = Field(0, description="top: the ranking's leaders left out ('top 3 excluding the biggest')")
    ascending: bool = False
    direction: Literal["up", "down"] | None = None
    share_filters: list[Filter] = Field(default_factory=list, description="share: the subset within filters")
    unit_measure: str | None = None  # unit_cost: the denominator measure
    unit_scale: float = 1.0
    unit_label: str = ""
    percent_first: bool = False
    saved_asked: bool = Field(False, description="payg_whatif: what the commitment saved is the figure asked")
    scale: float | None = Field(None, description="scale_whatif: the factor said (-0.3 for '30% cheaper')")
    stated_budget: float | None = Field(None, description="landing: a budget amount said in the question")
    scale_said: str = Field("", description="scale_whatif: the words that said the factor")
    families: list[Filter] = Field(
        default_factory=list,
        description="top: two names compared, one of several values ('claude vs gemini')",
    )
    family_names: list[str] = Field(default_factory=list, description="the names of `families`, as said")
    grain: Literal["day", "week", "month"] = "day"
    subject: str = Field("", description="what the figure is about, e.g. 'commitment that went unused'")
    assumptions: list[str] = Field(default_factory=list)
    unresolved: list[str] = Field(default_factory=list)
    # things named in words read as nothing (precision.py `_thing_named`): no total without them; the LLM may try
    unread: list[str] = Field(default_factory=list)
    unresolved_dims: dict[str, str] = Field(
        default_factory=dict, description="an unresolved name -> the dimension its sentence named"
    )
    unsupported: list[str] = Field(default_factory=list, description="what the planner cannot answer")
    unread_period: str | None = Field(
        None, description="time words no period was read from ('the other day'): no figure, ask for the days"
    )
    confidence: float = 0.0
    as_of: dt.date | None = None
    data_end: dt.date | None = Field(
        None, description="the last day with cost data (a forecast starts after it)"
    )
    readings: list[str] = Field(default_factory=list, description="the question in each plausible reading")
    reading: str = Field("", description="the Reading as text: context for the LLM path")
    answer_entity: Filter | None = Field(None, description="the value the answer named (a ranking's winner)")
    answer_day: dt.date | None = Field(
        None, description="the day a peak-day answer named (or the day a turn on 'that day' was about)"
    )
    answer_period: PeriodRef | None = Field(
        None, description="the day or month a peak answer named ('which month cost the most': December)"
    )
    answer_drivers: list[Filter] = Field(
        default_factory=list, description="the largest driver of each dimension an explanation named"
    )
