"""What schedules a check-in, and what cancels one, through the real engine on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.checkin_service import CheckinError
from bot.checkins import CheckinSettings, next_daytime
from memory.domain import Action, Actor, AuthorRole, Decision
from tests.checkins.conftest import set_timezone
from tests.helpers import T0, message

REP = Actor("web", "rep-1", "Ann")
UTC_TZ = ZoneInfo("UTC")


async def rows(service, customer_id):
    return await service.repo.listing(customer_id)


async def test_mentioned_event_schedules_a_checkin_the_morning_after(runtime, service):
    """'Taking Milo to the vet on Friday' (said Monday) puts a check-in on Saturday 09:00."""
    result = await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    [row] = await rows(service, result.customer_id)
    assert (row.cause_key, row.status) == ("event:vet:2026-11-06", "scheduled")
    assert row.due_at == datetime(2026, 11, 7, 9, 0, tzinfo=UTC)
    assert row.source_message_id == result.message_id


async def test_event_dates_use_the_customers_time_zone(runtime, service):
    """For a customer in Los Angeles, 'launch tomorrow' said at 19:00 their Monday means Tuesday."""
    first = await runtime.engine.handle(message("Hello!"))
    await set_timezone(runtime, first.customer_id, "America/Los_Angeles")
    said = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)  # Monday 19:00 in Los Angeles
    await runtime.engine.handle(message("Our launch is tomorrow!", at=said))
    [row] = await rows(service, first.customer_id)
    assert row.cause_key == "event:launch:2026-11-03"
    assert row.due_at == datetime(2026, 11, 4, 17, 0, tzinfo=UTC)  # Wednesday 09:00 PST


async def test_the_same_event_twice_is_one_checkin(runtime, service):
    """Mentioning the same vet visit twice never schedules two check-ins for it."""
    await runtime.engine.handle(message("Vet on Friday for Milo"))
    result = await runtime.engine.handle(message("Reminder to self: vet on Friday", minutes=5))
    assert [r.cause_key for r in await rows(service, result.customer_id)] == [
        "event:vet:2026-11-06"
    ]


async def test_answered_problem_gets_a_followup_after_three_days(runtime, service, sender):
    """A problem we replied to gets an 'is it solved?' check-in three days after the reply."""
    result = await runtime.engine.handle(message("My order never arrived"))
    await runtime.engine.decide(Decision(result.draft_id, Action.APPROVE, REP))
    [row] = await rows(service, result.customer_id)
    draft = await runtime.store.drafts.get(result.draft_id)
    reply = await runtime.store.messages.get(draft.sent_message_id)
    assert row.cause_key == f"followup:{result.message_id}"
    assert row.due_at == next_daytime(reply.sent_at + timedelta(days=3), UTC_TZ, CheckinSettings())
    assert "never arrived" in row.reason and "solved" in row.reason


async def test_small_talk_reply_schedules_no_followup(runtime, service, sender):
    """Answering a friendly hello schedules nothing: there is no problem to follow up."""
    result = await runtime.engine.handle(message("Hi! Love the new release"))
    await runtime.engine.decide(Decision(result.draft_id, Action.APPROVE, REP))
    assert await rows(service, result.customer_id) == []


async def test_a_rep_answering_directly_also_schedules_the_followup(runtime, service):
    """When a rep answers a problem in the thread themselves, the follow-up is scheduled too."""
    result = await runtime.engine.handle(message("The app keeps crashing on login"))
    await runtime.engine.handle(
        message("Sorry! Fixed on our side.", user="rep-1", name="Ann", role=AuthorRole.REP)
    )
    [row] = await rows(service, result.customer_id)
    assert row.cause_key == f"followup:{result.message_id}"


async def test_any_new_message_cancels_the_followup(runtime, service, sender):
    """A customer who writes again is not asked 'is it solved?': the follow-up is cancelled."""
    result = await runtime.engine.handle(message("My order never arrived"))
    await runtime.engine.decide(Decision(result.draft_id, Action.APPROVE, REP))
    await runtime.engine.handle(message("Got it now, thanks!", minutes=60))
    [row] = await rows(service, result.customer_id)
    assert row.status == "cancelled" and row.outcome == "the customer wrote again"


async def test_quiet_checkin_follows_a_regular_and_resets_on_each_message(runtime, service):
    """A customer who used to talk gets one quiet check-in 30 days after their latest message."""
    for i in range(3):
        result = await runtime.engine.handle(message(f"Message {i}", minutes=i))
    [row] = await rows(service, result.customer_id)
    assert row.cause_key == f"quiet:{result.message_id}"
    assert row.due_at == T0 + timedelta(days=30, minutes=2)
    later = await runtime.engine.handle(message("Still here", at=T0 + timedelta(days=10)))
    [row] = await rows(service, result.customer_id)
    assert row.cause_key == f"quiet:{later.message_id}" and row.status == "scheduled"
    assert row.due_at == T0 + timedelta(days=40)


async def test_one_message_is_not_enough_for_a_quiet_checkin(runtime, service):
    """Someone who wrote once is not 'a customer who used to talk': no quiet check-in."""
    result = await runtime.engine.handle(message("Just one question"))
    assert await rows(service, result.customer_id) == []


async def test_mentioning_the_event_after_it_happened_cancels_its_checkin(runtime, service):
    """'The vet said Milo is fine' on Friday evening cancels Saturday's 'how did it go?'."""
    result = await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    friday = datetime(2026, 11, 6, 18, 0, tzinfo=UTC)
    await runtime.engine.handle(message("The vet said Milo is totally fine!", at=friday))
    [row] = await rows(service, result.customer_id)
    assert row.status == "cancelled" and "vet" in row.outcome


async def test_a_moved_event_moves_its_checkin(runtime, service):
    """'The vet moved to next Friday' cancels the old check-in and schedules the new day."""
    result = await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    await runtime.engine.handle(message("Update: the vet moved to next Friday", minutes=30))
    by_key = {r.cause_key: r for r in await rows(service, result.customer_id)}
    assert by_key["event:vet:2026-11-06"].status == "cancelled"
    assert by_key["event:vet:2026-11-13"].status == "scheduled"


async def test_rep_request_is_scheduled_in_the_customers_morning(runtime, service):
    """'Check in with Dana next Monday' becomes a check-in at 09:00 Berlin time on 9 Nov."""
    result = await runtime.engine.handle(message("Hello"))
    await set_timezone(runtime, result.customer_id, "Europe/Berlin")
    row, created = await service.request(
        result.customer_id, "next Monday", "ask about the router", REP, now=T0
    )
    assert created and row.cause_key == "request:2026-11-09"
    assert row.due_at == datetime(2026, 11, 9, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert row.reason == "ask about the router (asked by Ann (web))"
    again, created_again = await service.request(
        result.customer_id, "2026-11-09", None, REP, now=T0
    )
    assert not created_again and again.id == row.id


async def test_customer_saying_stop_opts_out_and_cancels(runtime, service):
    """'STOP' stores the opt-out, cancels pending check-ins, and blocks new ones and requests."""
    result = await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    await runtime.engine.handle(message("STOP", minutes=1))
    customer = await runtime.store.customer(result.customer_id)
    assert customer.opted_out_at == T0 + timedelta(minutes=1)
    [row] = await rows(service, result.customer_id)
    assert row.status == "cancelled"
    await runtime.engine.handle(message("Our launch is on the 12th", minutes=2))
    assert len(await rows(service, result.customer_id)) == 1
    with pytest.raises(CheckinError, match="opted out"):
        await service.request(result.customer_id, "2026-11-20", None, REP, now=T0)


async def test_customer_saying_start_opts_back_in(runtime, service):
    """After 'resume check-ins', new causes schedule check-ins again."""
    result = await runtime.engine.handle(message("stop"))
    await runtime.engine.handle(message("Resume check-ins please", minutes=1))
    assert (await runtime.store.customer(result.customer_id)).opted_out_at is None
    await runtime.engine.handle(message("Our launch is on the 12th", minutes=2))
    keys = {r.cause_key: r.status for r in await rows(service, result.customer_id)}
    assert keys["event:launch:2026-11-12"] == "scheduled"
