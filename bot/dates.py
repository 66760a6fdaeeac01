"""Reading dates the way a person means them, against the message's own date."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)}
_MONTH_NAMES = "|".join(MONTHS + [m[:3] for m in MONTHS if m[:3] != "may"] + ["sept"])

_ORD = r"(\d{1,2})(?:st|nd|rd|th)?"
_WEEKDAY_NAMES = "|".join(WEEKDAYS)
_DATE_EXPRESSIONS = [
    r"day after tomorrow",
    r"today",
    r"tonight",
    r"tomorrow",
    rf"(?:this|next|on|coming)\s+(?:{_WEEKDAY_NAMES})",
    rf"(?:{_WEEKDAY_NAMES})",
    r"next\s+(?:week|month|weekend)",
    r"this\s+weekend",
    r"in\s+(?:\d+|a|an|one|two|three|four|five|six|seven|ten)\s+(?:days?|weeks?|months?)",
    rf"the\s+{_ORD}(?:\s+of\s+(?:{_MONTH_NAMES}))?",
    rf"(?:{_MONTH_NAMES})\.?\s+{_ORD}",
    rf"{_ORD}\s+(?:of\s+)?(?:{_MONTH_NAMES})",
    r"\d{4}-\d{2}-\d{2}",
]
DATE_PATTERN = re.compile(rf"\b(?P<expr>{'|'.join(_DATE_EXPRESSIONS)})\b", re.IGNORECASE)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
}


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def resolve(expr: str, said_at: datetime, tz: ZoneInfo) -> date | None:
    """The calendar day ``expr`` names, read on the day ``said_at`` in ``tz``.

    "Friday", "on Friday" and "this Friday" mean the coming Friday (never
    today); "next Friday" means the Friday of next week when this week's is
    still ahead, as most people say it, otherwise the coming one. "This
    weekend" is the coming Saturday, "next weekend" the one after.
    """
    today = said_at.astimezone(tz).date()
    e = " ".join(expr.lower().split())
    if e in ("today", "tonight"):
        return today
    if e == "tomorrow":
        return today + timedelta(days=1)
    if e == "day after tomorrow":
        return today + timedelta(days=2)
    if e in ("this weekend", "next weekend"):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return saturday + timedelta(days=7 if e == "next weekend" else 0)
    if e == "next week":
        return today + timedelta(days=7 - today.weekday())
    if e == "next month":
        return (today + relativedelta(months=1)).replace(day=1)
    parts = e.split()
    if parts[-1] in WEEKDAYS:
        target = WEEKDAYS.index(parts[-1])
        ahead = (target - today.weekday()) % 7 or 7
        if parts[0] == "next" and target > today.weekday():
            ahead += 7  # "next Friday" said on a Monday: not this week's Friday
        return today + timedelta(days=ahead)
    m = re.fullmatch(r"in (\w+) (day|week|month)s?", e)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS.get(m.group(1), 1)
        unit = m.group(2)
        if unit == "day":
            return today + timedelta(days=n)
        if unit == "week":
            return today + timedelta(weeks=n)
        return today + relativedelta(months=n)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", e):
        try:
            return date.fromisoformat(e)
        except ValueError:
            return None
    return _day_of_month(e, today)


def _day_of_month(e: str, today: date) -> date | None:
    day_match = re.search(r"(\d{1,2})(?:st|nd|rd|th)?", e)
    if day_match is None:
        return None
    day = int(day_match.group(1))
    month_match = re.search(r"(" + _MONTH_NAMES + r")", e)
    if month_match:
        month = _MONTH_ABBR[month_match.group(1)[:3]]
        year = today.year
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate < today - timedelta(days=60):  # "March 3" said in December means next year
            candidate = candidate.replace(year=year + 1)
        return candidate
    # "the 12th": this month if still ahead, else next month.
    for offset in (0, 1, 2):
        first = today.replace(day=1) + relativedelta(months=offset)
        try:
            candidate = first.replace(day=day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def find_date(text: str, said_at: datetime, tz: ZoneInfo) -> tuple[str, date] | None:
    """The first date expression in ``text`` and the day it means."""
    for match in DATE_PATTERN.finditer(text):
        day = resolve(match.group("expr"), said_at, tz)
        if day is not None:
            return match.group("expr"), day
    return None
