"""The check-in rules as pure functions: dates, daytime, consent, problems, the due-time verdict."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.checkins import (
    Act,
    CheckinSettings,
    CheckinSettingsError,
    Consent,
    WhenError,
    answered_events,
    card_reason,
    consent_change,
    is_problem,
    judge,
    next_daytime,
    parse_when,
    plan_events,
)
from bot.facts import RuleFactExtractor
from memory.domain.checkins import Situation
from tests.helpers import T0

UTC_TZ = ZoneInfo("UTC")
S = CheckinSettings()
CLEAR = Situation(opted_out_at=None, last_checkin_at=None, wrote_since=False, has_conversation=True)


def plans_for(text: str, said_at: datetime = T0, tz: ZoneInfo = UTC_TZ):
    facts = RuleFactExtractor().extract(text, said_at, tz)
    return plan_events(facts, 1, tz, S)


def test_weekday_event_is_checked_in_on_the_morning_after():
    """'Vet on Friday' said on Monday 2 Nov brings a check-in on Saturday 7 Nov at 09:00."""
    [plan] = plans_for("Taking Milo to the vet on Friday.")
    assert plan.cause_key == "event:vet:2026-11-06"
    assert plan.due_at == datetime(2026, 11, 7, 9, 0, tzinfo=UTC)
    assert "vet on Friday" in plan.reason and "how it went" in plan.reason


def test_day_of_month_event_is_read_against_the_message_date():
    """'Our launch is on the 12th' said on 2 Nov means 12 Nov; the check-in is on the 13th."""
    [plan] = plans_for("Our launch is on the 12th, fingers crossed")
    assert plan.cause_key == "event:launch:2026-11-12"
    assert plan.due_at == datetime(2026, 11, 13, 9, 0, tzinfo=UTC)


def test_next_monday_said_on_a_monday_is_a_week_later():
    """'Away until next Monday' said on Monday 2 Nov means 9 Nov; the check-in is on the 10th."""
    [plan] = plans_for("I'm away until next Monday")
    assert plan.cause_key == "event:away:2026-11-09"
    assert plan.due_at == datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def test_the_date_is_read_in_the_customers_time_zone_not_utc():
    """Late Monday in UTC is already Tuesday in Auckland, so 'tomorrow' there is Wednesday."""
    said = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # Tue 3 Nov 12:30 in Auckland
    auckland = ZoneInfo("Pacific/Auckland")
    [plan] = plans_for("Dentist appointment tomorrow", said, auckland)
    assert plan.cause_key == "event:dentist:2026-11-04"
    # Thursday 5 Nov 09:00 in Auckland (UTC+13) is Wednesday 20:00 UTC.
    assert plan.due_at == datetime(2026, 11, 4, 20, 0, tzinfo=UTC)


def test_a_message_from_the_past_is_read_against_its_own_date_not_today():
    """An old message replayed today still resolves 'Friday' against the day it was written."""
    said = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday
    [plan] = plans_for("Big presentation on Friday", said)
    assert plan.cause_key == "event:presentation:2025-03-07"


def test_daytime_window_moves_night_times_to_the_next_morning():
    """A check-in due at 20:00 goes out at 09:00 the next day; one at 07:00 at 09:00 that day."""
    berlin = ZoneInfo("Europe/Berlin")
    evening = datetime(2026, 11, 2, 20, 0, tzinfo=berlin)
    early = datetime(2026, 11, 2, 7, 0, tzinfo=berlin)
    noon = datetime(2026, 11, 2, 12, 0, tzinfo=berlin)
    assert next_daytime(evening, berlin, S) == datetime(2026, 11, 3, 9, 0, tzinfo=berlin)
    assert next_daytime(early, berlin, S) == datetime(2026, 11, 2, 9, 0, tzinfo=berlin)
    assert next_daytime(noon, berlin, S) == noon


@pytest.mark.parametrize(
    "text", ["STOP", "stop!", "Unsubscribe", "no more check-ins please", "Please stop checking in"]
)
def test_stop_phrases_opt_out(text):
    """Saying stop, unsubscribe or 'no more check-ins' opts a customer out."""
    assert consent_change(text) is Consent.OPT_OUT


@pytest.mark.parametrize("text", ["start", "Resume check-ins", "you can check in on me again"])
def test_start_phrases_opt_back_in(text):
    """Saying start or 'resume check-ins' opts a customer back in."""
    assert consent_change(text) is Consent.OPT_IN


@pytest.mark.parametrize(
    "text", ["My printer won't stop beeping", "Can I start a trial?", "How do I cancel my order"]
)
def test_ordinary_sentences_are_not_consent_changes(text):
    """'Stop' or 'start' inside an ordinary sentence changes nothing."""
    assert consent_change(text) is None


def test_problems_are_told_apart_from_small_talk():
    """A report of something wrong counts as a problem; a friendly hello does not."""
    assert is_problem("My order never arrived")
    assert is_problem("The app keeps crashing when I log in")
    assert not is_problem("Thanks so much, you're great!")
    assert not is_problem("Can't wait for the launch")


def test_rep_dates_are_read_in_the_customers_zone():
    """A rep's 'next Monday' and 'the 12th' are read on today's date where the customer is."""
    tz = ZoneInfo("America/Los_Angeles")
    now = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)  # still Monday 2 Nov in Los Angeles
    assert parse_when("tomorrow", now, tz) == date(2026, 11, 3)
    assert parse_when("the 12th", now, tz) == date(2026, 11, 12)
    assert parse_when("2026-12-01", now, tz) == date(2026, 12, 1)
    with pytest.raises(WhenError, match="in the past"):
        parse_when("2026-10-01", now, tz)
    with pytest.raises(WhenError, match="cannot read"):
        parse_when("whenever", now, tz)


def test_due_checkin_at_night_is_deferred_not_skipped():
    """A check-in due at 03:00 for the customer waits for their 09:00 instead of being dropped."""
    tz = ZoneInfo("Asia/Tokyo")
    night = datetime(2026, 11, 7, 18, 0, tzinfo=UTC)  # 03:00 Sunday in Tokyo
    verdict = judge("event:vet:2026-11-06", night, CLEAR, tz, S)
    assert verdict.act is Act.DEFER
    assert verdict.until == datetime(2026, 11, 8, 9, 0, tzinfo=tz)


def test_cap_skips_a_second_checkin_within_the_minimum_days():
    """A check-in drafted 3 days ago stops another one today (at most one per 7 days)."""
    now = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    recent = Situation(None, now - timedelta(days=3), False, True)
    old = Situation(None, now - timedelta(days=8), False, True)
    assert judge("quiet:5", now, recent, UTC_TZ, S).act is Act.SKIP
    assert judge("quiet:5", now, old, UTC_TZ, S).act is Act.DRAFT


def test_opted_out_customer_is_skipped_whatever_the_cause():
    """Once a customer opted out, even a rep's requested check-in is skipped."""
    now = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    out = Situation(now - timedelta(days=1), None, False, True)
    verdict = judge("request:2026-11-10", now, out, UTC_TZ, S)
    assert verdict.act is Act.SKIP and "opted out" in verdict.why


def test_followup_is_cancelled_when_the_customer_wrote_since():
    """'Is it solved?' is not asked of a customer who has written since our reply."""
    now = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    wrote = Situation(None, None, True, True)
    assert judge("followup:3", now, wrote, UTC_TZ, S).act is Act.CANCEL
    assert judge("event:vet:2026-11-06", now, wrote, UTC_TZ, S).act is Act.DRAFT


def test_mentioning_the_event_after_it_happened_answers_it():
    """'The vet went fine' on Saturday answers Friday's vet check-in; on Wednesday it does not."""
    pending = [(7, "event:vet:2026-11-06")]
    saturday = datetime(2026, 11, 7, 8, 0, tzinfo=UTC)
    wednesday = datetime(2026, 11, 4, 8, 0, tzinfo=UTC)
    assert [i for i, _ in answered_events(pending, "The vet went fine!", saturday, UTC_TZ, [])] == [
        7
    ]
    assert answered_events(pending, "Nervous about the vet", wednesday, UTC_TZ, []) == []
    assert answered_events(pending, "Thanks for asking!", saturday, UTC_TZ, []) == []


def test_lateness_is_shown_on_an_overdue_checkin():
    """A check-in drafted two days after it was due says so in its reason."""
    due = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)
    text = card_reason("you mentioned the vet", due, due + timedelta(days=2, hours=1), UTC_TZ, S)
    assert text.startswith("you mentioned the vet") and "2 days" in text and "late" in text
    assert card_reason("on time", due, due + timedelta(minutes=1), UTC_TZ, S) == "on time"


def test_settings_come_from_the_environment_with_readable_errors():
    """RAPPORT_* check-in settings are read from the environment; bad values name the variable."""
    s = CheckinSettings.from_env(
        {
            "RAPPORT_FOLLOWUP_DAYS": "5",
            "RAPPORT_QUIET_DAYS": "45",
            "RAPPORT_CHECKIN_MIN_DAYS": "10",
            "RAPPORT_CHECKIN_DAY_START": "08:30",
            "RAPPORT_CHECKIN_DAY_END": "17",
        }
    )
    assert (s.followup_days, s.quiet_days, s.min_days) == (5, 45, 10)
    assert (s.day_start, s.day_end) == (time(8, 30), time(17))
    assert CheckinSettings.from_env({}) == CheckinSettings()
    with pytest.raises(CheckinSettingsError, match="RAPPORT_QUIET_DAYS"):
        CheckinSettings.from_env({"RAPPORT_QUIET_DAYS": "a month"})
    with pytest.raises(CheckinSettingsError, match="earlier than"):
        CheckinSettings.from_env({"RAPPORT_CHECKIN_DAY_START": "19:00"})
