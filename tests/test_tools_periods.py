"""Periods as users write them, against as-of dates."""

from __future__ import annotations

import datetime as dt

import pytest
from spendscope.data.errors import InvalidPeriod
from spendscope.tools.periods import parse_period

AS_OF = dt.date(2026, 11, 5)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-10", "2026-10-01", "2026-11-01"),
        ("October 2026", "2026-10-01", "2026-11-01"),
        ("sept", "2026-09-01", "2026-10-01"),
        ("last month", "2026-10-01", "2026-11-01"),
        ("last-month", "2026-10-01", "2026-11-01"),
        ("the last 7 days", "2026-10-29", "2026-11-05"),
        ("last_30_days", "2026-10-06", "2026-11-05"),
        ("Q3", "2026-07-01", "2026-10-01"),
        ("Q4", "2026-10-01", "2027-01-01"),  # the most recent Q4 that has started
        ("2026-Q2", "2026-04-01", "2026-07-01"),
        ("2026-09-01..2026-09-30", "2026-09-01", "2026-10-01"),
        ("yesterday", "2026-11-04", "2026-11-05"),
        ("this month", "2026-11-01", "2026-11-06"),
        ("last quarter", "2026-07-01", "2026-10-01"),
        ("2026", "2026-01-01", "2027-01-01"),
    ],
)
def test_periods_read_as_finops_users_mean_them(text: str, start: str, end: str) -> None:
    p = parse_period(text, AS_OF)
    assert (p.start.isoformat(), p.end.isoformat()) == (start, end)


@pytest.mark.parametrize("text", ["", "2026-13", "someday", "2026-10-05..2026-10-01", "last 0 days"])
def test_unreadable_periods_are_typed_errors(text: str) -> None:
    with pytest.raises(InvalidPeriod) as info:
        parse_period(text, AS_OF)
    assert info.value.code == "invalid_period"


def test_previous_of_a_month_is_the_month_before() -> None:
    p = parse_period("2026-03", AS_OF).previous()
    assert (p.start, p.end) == (dt.date(2026, 2, 1), dt.date(2026, 3, 1))
