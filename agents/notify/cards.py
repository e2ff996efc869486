"""A report or alert as a Microsoft Teams message: an Adaptive Card (schema 1.5, the highest version Teams
renders) inside the envelope Teams incoming webhooks and Workflows webhooks take:

    {"type": "message",
     "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null,
                      "content": {"type": "AdaptiveCard", "version": "1.5", "body": [...]}}]}

Figures go in a FactSet and Table elements; the chart is left out (a webhook message is limited to about 28 KB,
and a card image needs a public URL); the card says the email version has it. Nothing here is a
Teams extension outside the published schema (no `msteams` property), so every card validates against it
(agents/notify/card_check.py).
"""

from __future__ import annotations

import re
from typing import Any

from spendscope.tools.reports.content import ReportContent, Table

VERSION = "1.5"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_TABLE_ROWS = 15
_TONE_COLOR = {"default": "Default", "good": "Good", "warning": "Warning", "attention": "Attention"}
_MARKDOWN = re.compile(r"([\\*_~`\[\]#>])")


def plain(text: str) -> str:
    """Text with the characters Teams' TextBlock markdown would interpret escaped (values are data, not markup)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": plain(text), "wrap": True, **style}


def _table(t: Table) -> dict[str, Any]:
    def row(values: list[str], header: bool = False) -> dict[str, Any]:
        cells = []
        for i, v in enumerate(values):
            block = _text(v, horizontalAlignment="Right" if t.numeric[i] else "Left")
            if header:
                block["weight"] = "Bolder"
            cells.append({"type": "TableCell", "items": [block]})
        return {"type": "TableRow", "cells": cells}

    rows = [row(t.columns, header=True)] + [row(r) for r in t.rows[:MAX_TABLE_ROWS]]
    return {
        "type": "Table",
        "columns": [
            {"type": "TableColumnDefinition", "width": 1 if t.numeric[i] else 2}
            for i in range(len(t.columns))
        ],
        "firstRowAsHeader": True,
        "showGridLines": False,
        "rows": rows,
    }


def card(content: ReportContent) -> dict[str, Any]:
    """The Adaptive Card of `content`."""
    body: list[dict[str, Any]] = [
        _text(
            content.title, size="Medium", weight="Bolder", style="heading", color=_TONE_COLOR[content.tone]
        ),
        _text(content.summary),
    ]
    if content.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": plain(f.label), "value": plain(f.value)} for f in content.facts],
            }
        )
    for s in content.sections:
        if s.title:
            body.append(_text(s.title, weight="Bolder", spacing="Medium"))
        if s.lines:
            body.append(
                {"type": "TextBlock", "text": "\n".join(f"- {plain(x)}" for x in s.lines), "wrap": True}
            )
        if s.table is not None:
            body.append(_table(s.table))
            if len(s.table.rows) > MAX_TABLE_ROWS:
                body.append(_text(f"... and {len(s.table.rows) - MAX_TABLE_ROWS} more rows", isSubtle=True))
    notes = [content.note] if content.note else []
    if content.chart:
        notes.append("the chart is in the email version of this report")
    if notes:
        body.append(_text(" · ".join(notes), isSubtle=True, size="Small", spacing="Medium"))
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": VERSION,
        "fallbackText": content.subject,
        "body": body,
    }


def envelope(adaptive_card: dict[str, Any]) -> dict[str, Any]:
    """The webhook payload that carries one card."""
    return {
        "type": "message",
        "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": adaptive_card}],
    }
