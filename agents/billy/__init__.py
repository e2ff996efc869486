"""Billy: natural-language cost questions, answered right, with or without an LLM.

    from spendscope.agents.billy import ask
    answer = ask(store, "Which team spent the most last month?", as_of=date(2026, 11, 5))
    answer.answer, answer.value, answer.table, answer.chart, answer.tools, answer.llm

See docs/billy.md. Importing this package is cheap: anthropic and langgraph load only on the LLM path.
"""

from __future__ import annotations

from spendscope.agents.billy.core import ask, cannot_answer
from spendscope.agents.billy.models import BillyAnswer, Plan, Table, ToolCall

__all__ = ["BillyAnswer", "Plan", "Table", "ToolCall", "ask", "cannot_answer"]
