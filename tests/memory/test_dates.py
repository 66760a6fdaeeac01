"""Dates as people mean them, read against the message's own date and time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from memory.domain.dates import past_window, resolve, zone

MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 23 November 2026
UTC_ZONE = zone("UTC")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("Friday", date(2026, 11, 27)),
        ("on Friday", date(2026, 11, 27)),
        ("next Friday", date(2026, 12, 4)),
        ("next Monday", date(2026, 11, 30)),
        ("Monday", date(2026, 11, 30)),
        ("tomorrow", date(2026, 11, 24)),
        ("the 12th", date(2026, 12, 12)),
        ("the 30th", date(2026, 11, 30)),
        ("March 3", date(2027, 3, 3)),
        ("in two weeks", date(2026, 12, 7)),
    ],
)
def test_future_expressions_resolve_against_the_message_date(expr: str, expected: date) -> None:
    """Weekdays, "next …", "the 12th" and month days name the day a person means."""
    assert resolve(expr, MONDAY, UTC_ZONE) == expected


def test_the_customers_time_zone_decides_which_day_it_is() -> None:
    """Late Monday evening in Los Angeles is already Tuesday in UTC: "tomorrow" is Tuesday."""
    late = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # 21:00 Monday in Los Angeles
    assert resolve("tomorrow", late, zone("America/Los_Angeles")) == date(2026, 11, 24)
    assert resolve("tomorrow", late, UTC_ZONE) == date(2026, 11, 25)


def test_an_unknown_time_zone_falls_back_to_utc() -> None:
    """A misspelt zone name is not an error: dates are read in UTC."""
    assert zone("Mars/Olympus") == zone("UTC")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("what did I tell you last month?", date(2026, 10, 1), date(2026, 11, 1)),
        ("the thing I said yesterday", date(2026, 11, 22), date(2026, 11, 23)),
        ("last Friday's problem", date(2026, 11, 20), date(2026, 11, 21)),
        ("back in March", date(2026, 3, 1), date(2026, 4, 1)),
        ("last week", date(2026, 11, 16), date(2026, 11, 23)),
    ],
)
def test_questions_about_the_past_name_a_stretch_of_time(text: str, start: date, end: date) -> None:
    """ "Last month", "yesterday", "last Friday", "back in March" become date ranges."""
    window = past_window(text, MONDAY, UTC_ZONE)
    assert window is not None
    assert (window.start.date(), window.end.date()) == (start, end)


def test_some_weeks_ago_is_a_generous_range() -> None:
    """ "Two weeks ago" covers the days around it, since people round when they remember."""
    window = past_window("the issue from two weeks ago", MONDAY, UTC_ZONE)
    assert window is not None
    assert window.start.date() <= date(2026, 11, 9) < window.end.date()


def test_a_message_without_a_time_names_no_window() -> None:
    """Most messages point at no particular time."""
    assert past_window("how is my cat doing?", MONDAY, UTC_ZONE) is None
