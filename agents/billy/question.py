"""The question being read: its lower-cased text and tokens, and the tokens already read out of it."""

from __future__ import annotations

import re

from spendscope.agents.billy.resolve import (
    question_tokens,
)


class _Question:
    """The question with what has been read out of it so far."""

    def __init__(self, text: str) -> None:
        self.raw = text.strip()
        self.low = re.sub(r"[’`]", "'", self.raw.lower())
        self.toks = question_tokens(self.low)
        self.blocked: set[int] = set()
        self.whole_tokens: set[int] = (
            set()
        )  # a dimension's word said of all its values (groups.whole_dimensions)

    def block_span(self, start: int, end: int) -> None:
        for i, t in enumerate(self.toks):
            if t.start < end and t.end > start:
                self.blocked.add(i)

    def rest_text(self, used: set[int]) -> str:
        """The question with used tokens replaced by '_' (so phrase patterns do not read them)."""
        out = list(self.low)
        for i in used:
            t = self.toks[i]
            out[t.start : t.end] = ["_"] * (t.end - t.start)
        return "".join(out)
