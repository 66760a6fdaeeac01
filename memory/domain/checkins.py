"""Check-ins as values: why one exists, where it stands, what the rules weigh.

The rules that decide them live in :mod:`bot.checkins`; the repository that
stores them in :mod:`memory.checkins`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CheckinStatus(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"  # a scheduler worker is on it; back to scheduled if that worker died
    DRAFTED = "drafted"  # a check-in draft exists and went to review
    SENT = "sent"  # a rep approved the draft and it reached the customer
    CANCELLED = "cancelled"  # the cause went away (the customer answered it)
    SKIPPED = "skipped"  # a rule stopped it when it came due (opted out, cap)


class Cause(StrEnum):
    REQUEST = "request"  # a rep asked for it
    EVENT = "event"  # the customer mentioned a dated event
    FOLLOWUP = "followup"  # a problem got a reply
    QUIET = "quiet"  # a customer who used to talk went silent


@dataclass(frozen=True, slots=True)
class Plan:
    """A check-in to schedule: why, when, and what caused it."""

    cause_key: str  # unique per customer: the same cause never schedules twice
    reason: str  # shown to reps on the card and given to the drafter
    due_at: datetime  # UTC, inside the customer's daytime
    source_message_id: int | None
    created_by: str


@dataclass(frozen=True, slots=True)
class Situation:
    """What the rules need to know about a customer when a check-in comes due."""

    opted_out_at: datetime | None
    last_checkin_at: datetime | None  # when their latest other check-in was drafted
    wrote_since: bool  # the customer wrote after the check-in's source message
    has_conversation: bool  # there is a conversation to write the check-in in
