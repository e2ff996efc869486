"""Models and tokens: cost per 1M tokens per model, the token mix, and what prompt caching saved.

All three come from two `query_costs` calls (cost and tokens by model and token type), so they honour a row
scope like every other figure. Cache savings, per model, priced at the model's own effective rates in the
period: cached-input tokens x (input rate - cached rate), minus cache-write tokens x (write rate - input rate);
models without both rates are left out and named."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spendscope.tools import money_text
from spendscope.tools.charts import bar_chart, chart_for
from spendscope.web.context import Section, View

DEFAULT_PERIOD = "last 30 days"


@dataclass
class ModelTokens:
    model: str
    token_cost: float = 0.0  # cost of the token-priced lines
    cost: dict[str, float] = field(default_factory=dict)  # token type -> cost
    tokens: dict[str, float] = field(default_factory=dict)  # token type -> tokens

    @property
    def total_tokens(self) -> float:
        return sum(self.tokens.values())

    @property
    def per_1m(self) -> float | None:
        return self.token_cost / self.total_tokens * 1e6 if self.total_tokens else None

    def rate(self, kind: str) -> float | None:
        t = self.tokens.get(kind) or 0
        return self.cost.get(kind, 0.0) / t if t else None

    @property
    def cache_saving(self) -> float | None:
        """Net saving of prompt caching at this model's own rates, or None when a rate is missing."""
        cached = self.tokens.get("cached_input") or 0
        written = self.tokens.get("cache_write") or 0
        if not cached and not written:
            return None
        base, read, write = self.rate("input"), self.rate("cached_input"), self.rate("cache_write")
        if base is None or (cached and read is None) or (written and write is None):
            return None
        return cached * (base - (read or 0)) - written * ((write or base) - base)


def models_table(cost: Any, tokens: Any) -> list[ModelTokens]:
    rows: dict[str, ModelTokens] = {}
    for r in cost.rows:
        model, kind = r.group.get("model"), r.group.get("token_type")
        if model is None or kind is None:
            continue
        m = rows.setdefault(model, ModelTokens(model))
        m.cost[kind] = m.cost.get(kind, 0.0) + r.value
        m.token_cost += r.value
    for r in tokens.rows:
        model, kind = r.group.get("model"), r.group.get("token_type")
        if model is None or kind is None:
            continue
        m = rows.setdefault(model, ModelTokens(model))
        m.tokens[kind] = m.tokens.get(kind, 0.0) + r.value
    return sorted(rows.values(), key=lambda m: -m.token_cost)


def page(view: View, period: str | None) -> tuple[str, dict[str, Any]]:
    period = period or DEFAULT_PERIOD
    base = {"period": period, "as_of": view.today, "group_by": ["model", "token_type"]}
    got = view.sections(
        {
            "cost": ("query_costs", base),
            "tokens": ("query_costs", {**base, "measure": "tokens"}),
            "mix": ("get_token_usage", {"period": period, "as_of": view.today, "group_by": ["token_type"]}),
        }
    )
    cost, tokens, mix = got["cost"], got["tokens"], got["mix"]
    table: list[ModelTokens] = []
    per_1m_chart = savings_chart = None
    if cost.ok and tokens.ok:
        table = models_table(cost.result, tokens.result)
        values = [{"model": m.model, "value": m.per_1m} for m in table if m.per_1m is not None]
        if values:
            per_1m_chart = bar_chart(
                values,
                category="model",
                value="value",
                title=f"Cost per 1M tokens, {cost.result.period_label}",
                value_title="cost per 1M tokens",
            )
            per_1m_chart["encoding"]["x"]["axis"]["format"] = money_text.axis_format()  # rates of a few units
        saved = [{"model": m.model, "value": m.cache_saving} for m in table if m.cache_saving]
        if saved:
            savings_chart = bar_chart(
                saved,
                category="model",
                value="value",
                title=f"Prompt caching saved, {cost.result.period_label}",
                value_title="net saving",
                diverging=False,
            )
    section = cost if not cost.ok else tokens
    return "models.html", {
        "period": period,
        "status": section if not (cost.ok and tokens.ok) else Section(result=True),
        "table": table,
        "per_1m_chart": per_1m_chart,
        "savings_chart": savings_chart,
        "cache_total": sum(m.cache_saving or 0 for m in table),
        "mix": mix,
        "mix_chart": chart_for(mix.result) if mix.ok else None,
        "label": cost.result.period_label if cost.ok else period,
    }
