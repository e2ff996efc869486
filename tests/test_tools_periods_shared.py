"""One date module: the CLI's period parser (tools.periods.parse_period) and Billy's reading of periods in a
sentence (agents.billy.when) give the same dates for the same words, because both call tools.periods."""

from __future__ import annotations

import datetime as dt

import pytest
from spendscope.agents.billy.when import scan_periods
from spendscope.tools.periods import days_to_month_end, last_complete, parse_period

TODAY = dt.date(2026, 3, 11)


@pytest.mark.parametrize(
    "words",
    [
        "last month",
        "last week",
        "last quarter",
        "last year",
        "last 30 days",
        "last 2 weeks",
        "last 3 months",
        "Q3 2025",
        "2026-02",
        "this month",
        "yesterday",
        "march 2026",
        "2026-02-03..2026-02-10",
    ],
)
def test_billy_and_the_cli_read_the_same_period_words_to_the_same_dates(words: str) -> None:
    cli = parse_period(words, TODAY)
    scan = scan_periods(f"how much did we spend {words}", TODAY)
    assert len(scan.mentions) == 1, words
    billy = scan.mentions[0].period
    assert (billy.start, billy.end) == (cli.start, cli.end), words


def test_the_last_complete_month_week_and_year_before_a_day() -> None:
    assert (last_complete("month", TODAY).start, last_complete("month", TODAY).end) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    )
    week = last_complete("week", TODAY)
    assert week.start.weekday() == 0 and week.days == 7 and week.end <= TODAY
    assert last_complete("year", TODAY).start == dt.date(2025, 1, 1)
    assert days_to_month_end(TODAY) == 21
