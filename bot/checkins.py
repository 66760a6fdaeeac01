"""Check-in rules: what deserves a check-in, when, and what stops one.

Pure functions over plain values, so every rule is testable without a
database. The repository (:mod:`memory.checkins`) stores what these functions
decide; the service (:mod:`bot.checkin_service`) connects the two to the
engine.

Dates a customer mentions are read against the date of the message that
mentions them, in the customer's time zone, never against the wall clock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.config import Settings
from memory.domain import FactCandidate
from memory.domain.checkins import Cause, Plan, Situation
from memory.domain.dates import resolve

# When several check-ins for one customer come due together, the first in this
# order is drafted and the cap skips the rest.
PRIORITY = {Cause.REQUEST: 0, Cause.EVENT: 1, Cause.FOLLOWUP: 2, Cause.QUIET: 3}

MAX_REASON_CHARS = 500


class CheckinSettingsError(ValueError):
    """A RAPPORT_* check-in setting Rapport cannot use; the text names it and a valid example."""


@dataclass(frozen=True, slots=True)
class CheckinSettings:
    """How often and when Rapport proposes check-ins (environment names in ``from_env``)."""

    followup_days: int = 3
    quiet_days: int = 30
    min_days: int = 7  # at most one check-in per customer per this many days
    day_start: time = time(9)  # the customer's daytime, in their time zone
    day_end: time = time(18)
    quiet_min_messages: int = 3  # "used to talk": at least this many messages from them
    claim_timeout: timedelta = timedelta(minutes=10)  # a claim older than this was a dead worker
    late_after: timedelta = timedelta(minutes=15)  # show lateness on the card beyond this
    batch_size: int = 100

    def __post_init__(self) -> None:
        if self.day_start >= self.day_end:
            raise CheckinSettingsError(
                f"RAPPORT_CHECKIN_DAY_START ({self.day_start:%H:%M}) must be earlier than "
                f"RAPPORT_CHECKIN_DAY_END ({self.day_end:%H:%M}), e.g. 09:00 and 18:00"
            )
        for name, value in (
            ("RAPPORT_FOLLOWUP_DAYS", self.followup_days),
            ("RAPPORT_QUIET_DAYS", self.quiet_days),
            ("RAPPORT_CHECKIN_MIN_DAYS", self.min_days),
        ):
            if value < 1:
                raise CheckinSettingsError(f"{name} must be 1 or more, got {value}")

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckinSettings:
        """From ``Settings``, which also reads ``.env``; validated like the environment."""
        return cls.from_env(
            {
                "RAPPORT_FOLLOWUP_DAYS": settings.followup_days,
                "RAPPORT_QUIET_DAYS": settings.quiet_days,
                "RAPPORT_CHECKIN_MIN_DAYS": settings.checkin_min_days,
                "RAPPORT_CHECKIN_DAY_START": settings.checkin_day_start,
                "RAPPORT_CHECKIN_DAY_END": settings.checkin_day_end,
            }
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CheckinSettings:
        env = os.environ if environ is None else environ
        default = cls()
        return cls(
            followup_days=_env_int(env, "RAPPORT_FOLLOWUP_DAYS", default.followup_days),
            quiet_days=_env_int(env, "RAPPORT_QUIET_DAYS", default.quiet_days),
            min_days=_env_int(env, "RAPPORT_CHECKIN_MIN_DAYS", default.min_days),
            day_start=_env_time(env, "RAPPORT_CHECKIN_DAY_START", default.day_start),
            day_end=_env_time(env, "RAPPORT_CHECKIN_DAY_END", default.day_end),
        )


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise CheckinSettingsError(f"{name} must be a whole number of days, got {raw!r}") from None


def _env_time(env: Mapping[str, str], name: str, default: time) -> time:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return time.fromisoformat(raw if ":" in raw else f"{int(raw):02d}:00")
    except ValueError:
        raise CheckinSettingsError(f"{name} must be a time like 09:00, got {raw!r}") from None


# -- causes --------------------------------------------------------------------


def cause_of(cause_key: str) -> Cause:
    return Cause(cause_key.split(":", 1)[0])


def event_key(word: str, day: date) -> str:
    return f"event:{word}:{day.isoformat()}"


def parse_event_key(cause_key: str) -> tuple[str, date] | None:
    parts = cause_key.split(":")
    if len(parts) != 3 or parts[0] != Cause.EVENT:
        return None
    try:
        return parts[1], date.fromisoformat(parts[2])
    except ValueError:
        return None


def plan_events(
    facts: Iterable[FactCandidate],
    source_message_id: int,
    tz: ZoneInfo,
    settings: CheckinSettings,
) -> list[Plan]:
    """A check-in the day after each dated event the customer mentioned.

    ``facts`` come from the fact extractor, which already read each date
    against the message's own date in ``tz``.
    """
    plans: list[Plan] = []
    for fact in facts:
        if fact.kind != "event" or fact.event_date is None:
            continue
        day = fact.event_date.astimezone(tz).date()
        snippet = fact.value.strip().rstrip(".!")
        plans.append(
            Plan(
                cause_key=event_key(fact.key, day),
                reason=f"you mentioned “{snippet}” ({day:%A %-d %B}); asking how it went",
                due_at=day_start(day + timedelta(days=1), tz, settings),
                source_message_id=source_message_id,
                created_by="rapport (event)",
            )
        )
    return plans


def answered_events(
    pending: Sequence[tuple[int, str]],
    text: str,
    said_at: datetime,
    tz: ZoneInfo,
    new_plans: Sequence[Plan],
) -> list[tuple[int, str]]:
    """Which pending event check-ins a new message makes moot, and why.

    ``pending`` holds (check-in id, cause key). A message that names the event
    on or after its day answers it ("the vet went fine"); a message that gives
    the same event a new day moves it (the new day is in ``new_plans``).
    """
    today = said_at.astimezone(tz).date()
    moved = {parse_event_key(p.cause_key) for p in new_plans}
    moot: list[tuple[int, str]] = []
    for checkin_id, key in pending:
        parsed = parse_event_key(key)
        if parsed is None:
            continue
        word, day = parsed
        if not re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE):
            continue
        if today >= day:
            moot.append((checkin_id, f"the customer wrote about the {word} on {today:%d %b}"))
            continue
        for new in moved:
            if new is not None and new[0] == word and new[1] != day:
                moot.append((checkin_id, f"the {word} moved to {new[1]:%d %b}"))
                break
    return moot


_PROBLEM = re.compile(
    r"\b(?:broken|broke|error|errors|bug|bugs|crash\w*|fail\w*|not working|stopped working"
    r"|(?:does|do|did|is|are|was)(?:n't| not) (?:work|working|arrive|arrived|load|open|start)"
    r"|won'?t (?:start|load|open|work|turn on|connect|charge|sync|log ?in)"
    r"|can'?t (?:log ?in|sign ?in|get|find|access|connect|open|load|use|see|pay|download)"
    r"|cannot|unable to|issue|issues|problem|problems|stuck|missing|never arrived"
    r"|hasn'?t arrived|wrong|refund|damaged|charged twice|double charged)\b",
    re.IGNORECASE,
)


def is_problem(text: str) -> bool:
    """Does this message report something wrong that a reply should have fixed?"""
    return _PROBLEM.search(text) is not None


def followup_key(problem_message_id: int) -> str:
    return f"followup:{problem_message_id}"


def plan_followup(
    problem_text: str,
    problem_message_id: int,
    reply_message_id: int,
    replied_at: datetime,
    tz: ZoneInfo,
    settings: CheckinSettings,
) -> Plan:
    """Ask whether the problem is solved ``followup_days`` after our reply."""
    return Plan(
        cause_key=followup_key(problem_message_id),
        reason=(
            f"you told us “{_quote(problem_text)}” and we replied on "
            f"{replied_at.astimezone(tz):%A %-d %B}; asking whether it is solved"
        ),
        due_at=next_daytime(replied_at + timedelta(days=settings.followup_days), tz, settings),
        # The reply is the anchor: any message from the customer after it answers the follow-up.
        source_message_id=reply_message_id,
        created_by="rapport (follow-up)",
    )


def plan_quiet(
    last_message_id: int, last_at: datetime, tz: ZoneInfo, settings: CheckinSettings
) -> Plan:
    """Say hello after ``quiet_days`` of silence from a customer who used to talk."""
    return Plan(
        cause_key=f"quiet:{last_message_id}",
        reason=(
            f"it has been {settings.quiet_days} days since you last wrote "
            f"({last_at.astimezone(tz):%A %-d %B %Y})"
        ),
        due_at=next_daytime(last_at + timedelta(days=settings.quiet_days), tz, settings),
        source_message_id=last_message_id,
        created_by="rapport (quiet)",
    )


def plan_request(
    day: date, note: str | None, actor: str, tz: ZoneInfo, settings: CheckinSettings
) -> Plan:
    """A check-in a rep asked for, on the morning of ``day`` in the customer's time zone."""
    note = " ".join((note or "").split())
    return Plan(
        cause_key=f"request:{day.isoformat()}",
        reason=_cap(f"{note} (asked by {actor})" if note else f"a check-in {actor} asked for"),
        due_at=day_start(day, tz, settings),
        source_message_id=None,
        created_by=actor,
    )


class WhenError(ValueError):
    """A date a rep typed that Rapport cannot read; the text says what would work."""


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> date:
    """A rep's "check in on …": an ISO date, or words like "next Monday" or "the 12th".

    Read on ``now``'s day in the customer's time zone ``tz``. Past days are refused.
    """
    raw = " ".join(text.strip().split())
    today = now.astimezone(tz).date()
    day: date | None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = resolve(raw.removeprefix("on ").strip(), now, tz)
    if day is None:
        raise WhenError(
            f"cannot read the date {text!r}; use e.g. 2026-12-01, 'tomorrow', "
            "'next Monday' or 'the 12th'"
        )
    if day < today:
        raise WhenError(f"{day.isoformat()} is in the past (today is {today.isoformat()} there)")
    return day


# -- daytime -------------------------------------------------------------------


def day_start(day: date, tz: ZoneInfo, settings: CheckinSettings) -> datetime:
    """The start of the customer's daytime on ``day``, in UTC."""
    return datetime.combine(day, settings.day_start, tzinfo=tz).astimezone(UTC)


def in_daytime(at: datetime, tz: ZoneInfo, settings: CheckinSettings) -> bool:
    local = at.astimezone(tz).time()
    return settings.day_start <= local < settings.day_end


def next_daytime(at: datetime, tz: ZoneInfo, settings: CheckinSettings) -> datetime:
    """``at`` itself when it falls in the customer's daytime, else the next daytime start."""
    if in_daytime(at, tz, settings):
        return at.astimezone(UTC)
    local = at.astimezone(tz)
    day = local.date()
    if local.time() >= settings.day_end:
        day += timedelta(days=1)
    return day_start(day, tz, settings)


# -- consent -------------------------------------------------------------------


class Consent(StrEnum):
    OPT_OUT = "opt-out"
    OPT_IN = "opt-in"


_STOP_WHOLE = frozenset(
    ["stop", "stop it", "please stop", "stop please", "unsubscribe", "opt out", "optout"]
)
_STOP_ANYWHERE = re.compile(
    r"\b(?:no more check[- ]?ins?|stop (?:the )?check(?:ing)?[- ]?ins?|stop checking in"
    r"|stop messaging me|stop sending me|(?:don'?t|do not) check in (?:on|with) me"
    r"|unsubscribe me|opt me out)\b",
    re.IGNORECASE,
)
_START_WHOLE = frozenset(
    ["start", "resume", "unstop", "opt in", "resume check-ins", "resume checkins", "start again"]
)
_START_ANYWHERE = re.compile(
    r"\b(?:resume (?:the )?check[- ]?ins|start (?:the )?check[- ]?ins(?: again)?"
    r"|you can check in (?:on|with) me again|opt me (?:back )?in|check[- ]?ins are fine again)\b",
    re.IGNORECASE,
)


def consent_change(text: str) -> Consent | None:
    """Whether a customer's message says stop (or start) to check-ins.

    Short commands count only as the whole message ("STOP", "unsubscribe"), so
    "my printer won't stop beeping" is not an opt-out; phrases about check-ins
    count anywhere. When a message says both, stopping wins.
    """
    whole = " ".join(re.sub(r"[^\w\s'-]", " ", text.lower()).split())
    if whole in _STOP_WHOLE or _STOP_ANYWHERE.search(text):
        return Consent.OPT_OUT
    if whole in _START_WHOLE or _START_ANYWHERE.search(text):
        return Consent.OPT_IN
    return None


# -- the decision when a check-in comes due ---------------------------------------


class Act(StrEnum):
    DRAFT = "draft"
    SKIP = "skip"
    CANCEL = "cancel"
    DEFER = "defer"


@dataclass(frozen=True, slots=True)
class Verdict:
    act: Act
    why: str = ""
    until: datetime | None = None  # for DEFER: the next daytime start


def judge(
    cause_key: str, now: datetime, situation: Situation, tz: ZoneInfo, settings: CheckinSettings
) -> Verdict:
    """What to do with a check-in that is due at ``now``.

    Outside the customer's daytime a check-in is deferred to the next
    daytime start, not skipped: it is still wanted, just not at night.
    """
    if situation.opted_out_at is not None:
        return Verdict(
            Act.SKIP,
            f"the customer opted out of check-ins on {situation.opted_out_at:%Y-%m-%d}",
        )
    if cause_of(cause_key) in (Cause.FOLLOWUP, Cause.QUIET) and situation.wrote_since:
        return Verdict(Act.CANCEL, "the customer wrote since")
    if not situation.has_conversation:
        return Verdict(Act.SKIP, "no conversation with the customer to write in")
    if not in_daytime(now, tz, settings):
        until = next_daytime(now, tz, settings)
        why = f"deferred to the customer's daytime ({until.astimezone(tz):%a %H:%M})"
        return Verdict(Act.DEFER, why, until)
    if situation.last_checkin_at is not None and within_cap(
        situation.last_checkin_at, now, settings
    ):
        return Verdict(Act.SKIP, cap_reason(situation.last_checkin_at, tz, settings))
    return Verdict(Act.DRAFT)


def within_cap(last_checkin_at: datetime, now: datetime, settings: CheckinSettings) -> bool:
    return abs(now - last_checkin_at) < timedelta(days=settings.min_days)


def cap_reason(last_checkin_at: datetime, tz: ZoneInfo, settings: CheckinSettings) -> str:
    return (
        f"another check-in was drafted on {last_checkin_at.astimezone(tz):%Y-%m-%d} "
        f"(at most one every {settings.min_days} days)"
    )


def lateness(planned: datetime, now: datetime, settings: CheckinSettings) -> str | None:
    """How late a check-in is drafted, in words, when that is worth showing a rep."""
    late = now - planned
    if late <= settings.late_after:
        return None
    if late >= timedelta(days=2):
        return f"{late.days} days"
    if late >= timedelta(hours=2):
        return f"{int(late.total_seconds() // 3600)} hours"
    return f"{int(late.total_seconds() // 60)} minutes"


def card_reason(
    reason: str, planned: datetime, now: datetime, tz: ZoneInfo, settings: CheckinSettings
) -> str:
    """The reason shown on the check-in's card, with its lateness when it is overdue."""
    late = lateness(planned, now, settings)
    if late is None:
        return _cap(reason)
    note = f" [late: due {planned.astimezone(tz):%a %-d %b %H:%M}, drafted {late} later]"
    return _cap(reason, MAX_REASON_CHARS - len(note)) + note


def _quote(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split()).rstrip(".!")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _cap(text: str, limit: int = MAX_REASON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
