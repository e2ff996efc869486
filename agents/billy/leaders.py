"""A ranking that leaves out its leaders: "top 3 titles excluding the biggest", "which model cost most apart from
the top one", "the 5 cheapest providers other than the 2 smallest". The leaders are the first values of the
ranking as asked (the biggest of a top list, the smallest of a bottom list); the answer ranks what is left and
names the ones left out after it, never before."""

from __future__ import annotations

import re

from spendscope.agents.billy.lexicon import NUMBER_WORDS

_COUNT = "|".join(k for k in NUMBER_WORDS if NUMBER_WORDS[k] >= 1)
_LEADERS = re.compile(
    r"\b(?:excluding|excl\.?|except(?:\s+for)?|other\s+than|apart\s+from|aside\s+from|besides|without|"
    r"not\s+counting|ignoring|leaving\s+out|minus|skipping)\s+(?:the\s+|our\s+)?"
    rf"(?:(?P<n>\d+|{_COUNT})\s+)?"
    r"(?:biggest|largest|top|highest|most\s+expensive|priciest|costliest|leading|smallest|lowest|cheapest|"
    r"first|#\s?1|number\s+one|leader)"
    rf"(?:\s+(?P<n2>\d+|{_COUNT}))?(?:\s+ones?)?\b"
)


def leaders_left_out(low: str) -> int:
    """How many leaders of a ranking the question leaves out (0: none said)."""
    m = _LEADERS.search(low)
    if m is None:
        return 0
    n = m.group("n") or m.group("n2")
    if n is None:
        return 1
    return int(n) if n.isdigit() else NUMBER_WORDS.get(n, 1)
