"""The "Ask Billy" box on every page: Billy answers as the page's caller, with the table and chart behind it."""

from __future__ import annotations

from typing import Any

from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.web.context import View

MAX_QUESTION = 500


def answer(view: View, question: str, settings: Settings | None) -> dict[str, Any]:
    question = question.strip()[:MAX_QUESTION]
    if not question:
        return {"question": "", "answer": None}
    reply = ask(view.store, question, as_of=view.today, caller=view.caller, settings=settings)
    return {"question": question, "answer": reply}
