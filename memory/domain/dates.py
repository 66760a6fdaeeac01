"""Reading dates the way a person means them, against the message's own date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
        return _add_months(today, 1).replace(day=1)
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
        return _add_months(today, n)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", e):
        try:
            return date.fromisoformat(e)
        except ValueError:
            return None
    return _day_of_month(e, today)


def _add_months(day: date, months: int) -> date:
    moved: date = day + relativedelta(months=months)
    return moved


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
        first = _add_months(today.replace(day=1), offset)
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


# -- the past a question points at -------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A stretch of the past a message refers to ("last month"), in UTC, end exclusive."""

    start: datetime
    end: datetime
    expr: str  # the words that named it, as written


_AMOUNT = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of"
    r"|couple of|a couple|few|several)"
)
_SEASONS = {
    "spring": (3, 5),
    "summer": (6, 8),
    "autumn": (9, 11),
    "fall": (9, 11),
    "winter": (12, 2),
}
PAST_PATTERN = re.compile(
    r"\b(?P<expr>"
    r"yesterday|last night|the other day|earlier today|this morning|recently|lately"
    r"|(?:earlier )?this (?:week|month|year)"
    r"|last (?:week|month|year|weekend|" + _WEEKDAY_NAMES + r"|" + "|".join(_SEASONS) + r")"
    r"|" + _AMOUNT + r" (?:days?|weeks?|months?|years?) ago"
    r"|(?:back )?in (?:"
    + "|".join(m.capitalize() for m in MONTHS)
    + r"|"
    + "|".join(MONTHS)
    + r")(?! \d)"
    r")\b",
    re.IGNORECASE,
)
_AMOUNT_WORDS = {**_NUMBER_WORDS, "eight": 8, "nine": 9, "few": 3, "a few": 3, "several": 4}


def past_window(text: str, now: datetime, tz: ZoneInfo) -> TimeWindow | None:
    """The stretch of the past ``text`` asks about, read on ``now`` in ``tz``, if it names one.

    Ranges are generous on purpose ("two weeks ago" is 10 to 18 days back):
    people round when they remember, and recall only uses the window to
    favour messages inside it, never to hide the others.
    """
    match = PAST_PATTERN.search(text)
    if match is None:
        return None
    expr = match.group("expr")
    local = now.astimezone(tz)
    span = _past_days(" ".join(expr.lower().split()), local.date())
    if span is None:
        return None
    start, end = span
    end = min(end, local.date() + timedelta(days=1))

    def at(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)

    return TimeWindow(at(start), at(end), expr)


def _past_days(e: str, today: date) -> tuple[date, date] | None:
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    fixed = {
        "yesterday": (today - timedelta(days=1), today),
        "last night": (today - timedelta(days=1), today + timedelta(days=1)),
        "the other day": (today - timedelta(days=10), today),
        "earlier today": (today, today + timedelta(days=1)),
        "this morning": (today, today + timedelta(days=1)),
        "recently": (today - timedelta(days=30), today + timedelta(days=1)),
        "lately": (today - timedelta(days=30), today + timedelta(days=1)),
        "last week": (monday - timedelta(days=7), monday),
        "last weekend": (monday - timedelta(days=2), monday),
        "last month": (first - relativedelta(months=1), first),
        "last year": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
    }
    if e in fixed:
        return fixed[e]
    if e.endswith("this week"):
        return monday, today + timedelta(days=1)
    if e.endswith("this month"):
        return first, today + timedelta(days=1)
    if e.endswith("this year"):
        return date(today.year, 1, 1), today + timedelta(days=1)
    parts = e.split()
    if parts[0] == "last" and parts[-1] in WEEKDAYS:
        back = (today.weekday() - WEEKDAYS.index(parts[-1])) % 7 or 7
        day = today - timedelta(days=back)
        return day, day + timedelta(days=1)
    if parts[0] == "last" and parts[-1] in _SEASONS:
        return _last_season(parts[-1], today)
    if parts[-1] == "ago":
        return _ago(" ".join(parts[:-2]), parts[-2].rstrip("s"), today)
    month_name = parts[-1][:3]
    if month_name in _MONTH_ABBR:
        month = _MONTH_ABBR[month_name]
        year = today.year if month <= today.month else today.year - 1
        start = date(year, month, 1)
        return start, start + relativedelta(months=1)
    return None


def _ago(amount: str, unit: str, today: date) -> tuple[date, date]:
    n = int(amount) if amount.isdigit() else _AMOUNT_WORDS.get(amount.replace(" of", ""), 2)
    days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * n
    slack = max(2 if unit == "day" else 4, days // 2)
    return today - timedelta(days=days + slack), today - timedelta(days=days - slack - 1)


def _last_season(season: str, today: date) -> tuple[date, date]:
    """The latest such season that is over ("last summer" said in July is last year's)."""
    first_month, last_month = _SEASONS[season]
    for year in (today.year, today.year - 1, today.year - 2):
        start = date(year - 1 if first_month > last_month else year, first_month, 1)
        end = date(year, last_month, 1) + relativedelta(months=1)
        if end <= today:
            return start, end
    return start, end
