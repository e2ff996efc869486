"""Unit costs as people ask for them: per million tokens, per 1k requests, per GPU hour."""

from __future__ import annotations

from spendscope.agents.billy.models import Plan


def set_unit(plan: Plan, m: dict[str, str] | None) -> None:
    """A unit cost: the denominator measure, its scale and label from the unit words (None: per million tokens)."""
    plan.intent = "unit_cost"
    unit = (m["unit"] if m else "tokens").lower()
    scale_word = (m["scale"] or "").lower() if m else "million"
    tt = (m["tt"] or "").lower() if m else ""
    if unit.startswith("token") or (m is None):
        scale = 1.0
        if scale_word in (
            "1m",
            "1 m",
            "one million",
            "a million",
            "million",
            "1,000,000",
            "1000000",
            "mtok",
            "mtoks",
            "m",
        ):
            scale = 1_000_000.0
        elif scale_word in ("1k", "1 k", "one thousand", "a thousand", "thousand", "1,000", "1000", "k"):
            scale = 1_000.0
        kind = {
            "input": "input",
            "prompt": "input",
            "output": "output",
            "completion": "output",
            "cached": "cached_input",
            "cache read": "cached_input",
            "cache write": "cache_write",
        }.get(tt)
        plan.unit_measure = f"{kind}_tokens" if kind else "tokens"
        plan.token_types = [kind] if kind else []
        plan.unit_scale = scale
        plan.unit_label = (
            {1_000_000.0: "per million", 1_000.0: "per thousand"}.get(scale, "per")
            + (f" {tt}" if tt else "")
            + " tokens"
        )
        if scale == 1.0:
            plan.unit_label = f"per {tt + ' ' if tt else ''}token"
    elif unit.startswith(("request", "call", "api", "inference", "quer")):
        scale = (
            1_000.0
            if scale_word in ("1k", "1 k", "one thousand", "a thousand", "thousand", "1,000", "1000", "k")
            else 1.0
        )
        plan.unit_measure, plan.unit_scale = "requests", scale
        plan.unit_label = "per request" if scale == 1.0 else "per thousand requests"
    elif unit.startswith(("seat", "licen")):  # the bill's own seats (agents/billy/consumed_units.py)
        plan.unit_measure, plan.unit_scale, plan.unit_label = "usage_quantity", 1.0, "per seat"
    else:
        plan.unit_measure, plan.unit_scale, plan.unit_label = "gpu_hours", 1.0, "per GPU hour"
    if plan.measure not in ("cost", "billed_cost", "list_cost", "contracted_cost"):
        plan.measure = "cost"
