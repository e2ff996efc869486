"""Time words a question uses that no period was read from: "the other day", "in the week", "this weekend" (still
ahead). Without this a question whose period Billy could not read was answered over all the data, a figure for a
question it did not understand. The words are read only where they name a time: "per month", "by week", "which
day", "the busiest week", "month over month", "the week before" and "that day" (a follow-up's) are left alone. A
written date no period was read from (one that does not exist: 2026-02-30) is unread too.

`unread_period(text, periods)` returns the words, or None when the question names no time it could not read."""

from __future__ import annotations

import re

from spendscope.agents.billy.when_words import PeriodMention

_UNIT = r"(?:days?|weeks?|weekends?|months?|quarters?|years?|mornings?|nights?|evenings?|afternoons?)"
UNREAD = re.compile(
    r"(?<![\w-])(?:"
    r"(?:the )?other (?:day|week|night)|a while (?:back|ago)|some ?time (?:back|ago)|way back|back then|"
    # "in the week", "over the weekend" (when no weekend was read), "for that month", "this weekend" (ahead)
    r"(?:in|during|over|on|for|from|within|at) (?:the|this|a) " + _UNIT + r"(?! (?:before|after|prior|"
    r"of|to date|so far|over|on)\b)|"
    # ("next month", "the coming week": a forecast's period, read by the forecast questions)
    r"(?:last|this|past|previous|prior) (?:weekend|morning|night|evening|afternoon)|"
    # "the end of last month", "early this year": a part of a period, not the whole of it
    r"(?:early|late|mid|(?:the )?(?:end|start|beginning|middle) of) (?:the |this |last )?"
    r"(?:week|month|quarter|year)|"
    # a written date no period was read from as a whole: one that does not exist (2026-02-30, 2/30/2026)
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}"
    r")(?![\w-])"
)


def unread_period(text: str, periods: list[PeriodMention]) -> str | None:
    """The time words of the lower-cased `text` that no read period touches (None: none). "That day", "that
    week" are a follow-up's words for the turn before's period: read there, not here."""
    for m in UNREAD.finditer(text):
        if _PART.match(m.group(0)) or _DATE.match(m.group(0)):  # "the end of last month", "2/30/2026" (whose
            # "2026" alone reads as a year): read only if a period holds the whole of it
            if not any(p.start <= m.start() and m.end() <= p.end for p in periods):
                return m.group(0)
        elif not any(p.start < m.end() and m.start() < p.end for p in periods):  # "for this month": read
            return m.group(0)
    return None


_DATE = re.compile(r"\d")
_PART = re.compile(r"(?:early|late|mid|(?:the )?(?:end|start|beginning|middle) of)\b")
