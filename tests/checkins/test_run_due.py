"""Drafting due check-ins: review queue, approval, caps, daytime, opt-out, lateness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from memory.domain import Action, Actor, Decision, DraftStatus
from tests.checkins.conftest import set_timezone
from tests.helpers import T0, message

REP = Actor("web", "rep-1", "Ann")
SAT_0901 = datetime(2026, 11, 7, 9, 1, tzinfo=UTC)  # just after the vet check-in is due


def checkin_cards(surface):
    return [c for c in surface.cards if c.kind == "checkin"]


async def test_due_checkin_reaches_the_review_queue_with_its_reason(
    runtime, service, surface, drafter
):
    """At run-due a check-in card, with why it exists, appears where reps review drafts."""
    await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    drafter.enqueue("Hi Dana! How did Milo's vet visit go?")
    report = await service.run_due(SAT_0901)
    await runtime.engine.wait_idle()
    [(checkin_id, draft_id)] = report.drafted
    card = checkin_cards(surface)[-1]
    assert card.draft_id == draft_id and card.status is DraftStatus.PENDING
    assert "vet on Friday" in card.reason
    assert card.text == "Hi Dana! How did Milo's vet visit go?"
    request = drafter.requests[-1]
    assert request.kind == "checkin" and "vet on Friday" in request.prompt[-1]["content"]
    [row] = await service.repo.listing()
    assert (row.id, row.status, row.draft_id) == (checkin_id, "drafted", draft_id)


async def test_nothing_is_drafted_before_it_is_due(runtime, service):
    """A run a minute before the check-in's time drafts nothing and leaves it scheduled."""
    await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    report = await service.run_due(datetime(2026, 11, 7, 8, 59, tzinfo=UTC))
    assert report.drafted == []
    assert [r.status for r in await service.repo.listing()] == ["scheduled"]


async def test_running_twice_drafts_once(runtime, service):
    """Running due check-ins again at the same instant never drafts the same check-in twice."""
    await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    first = await service.run_due(SAT_0901)
    second = await service.run_due(SAT_0901 + timedelta(minutes=1))
    assert len(first.drafted) == 1 and second.drafted == []


async def test_approved_checkin_is_sent_in_the_customers_last_thread(
    runtime, service, sender, drafter
):
    """Approving a check-in posts it in the thread of the customer's latest message; status sent."""
    await runtime.engine.handle(message("Taking Milo to the vet on Friday.", thread="t1"))
    await runtime.engine.handle(message("Also, love the app", thread="t9", minutes=5))
    drafter.enqueue("How did the vet go?")
    [(checkin_id, draft_id)] = (await service.run_due(SAT_0901)).drafted
    await runtime.engine.wait_idle()
    outcome = await runtime.engine.decide(Decision(draft_id, Action.APPROVE, REP))
    assert outcome.applied
    target, text = sender.sent[-1]
    assert (target.thread, text) == ("t9", "How did the vet go?")
    [row] = [r for r in await service.repo.listing() if r.id == checkin_id]
    assert row.status == "sent"


async def test_one_checkin_per_customer_per_week(runtime, service):
    """A second check-in due within 7 days of the last one is skipped, with the reason."""
    result = await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    await service.request(result.customer_id, "2026-11-10", "router?", REP, now=T0)
    first = await service.run_due(SAT_0901)
    second = await service.run_due(datetime(2026, 11, 10, 9, 1, tzinfo=UTC))
    assert len(first.drafted) == 1 and second.drafted == []
    [(_, why)] = second.skipped
    assert "at most one every 7 days" in why
    statuses = {r.cause_key: (r.status, r.outcome) for r in await service.repo.listing()}
    assert statuses["request:2026-11-10"] == ("skipped", why)


async def test_when_two_are_due_together_the_reps_request_wins(runtime, service):
    """Two check-ins due at once for one customer: the rep's request wins, the other is skipped."""
    result = await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    await service.request(result.customer_id, "2026-11-07", None, REP, now=T0)
    report = await service.run_due(SAT_0901)
    assert len(report.drafted) == 1 and len(report.skipped) == 1
    statuses = {r.cause_key: r.status for r in await service.repo.listing()}
    assert statuses == {"request:2026-11-07": "drafted", "event:vet:2026-11-06": "skipped"}


async def test_checkin_due_at_night_waits_for_the_customers_morning(runtime, service):
    """After downtime, a check-in found at 03:00 their time waits for 09:00 and is marked late."""
    result = await runtime.engine.handle(message("Hi!"))
    await set_timezone(runtime, result.customer_id, "Asia/Tokyo")
    await runtime.engine.handle(message("Taking Milo to the vet on Friday.", minutes=1))
    [row] = await service.repo.listing()
    assert row.due_at == datetime(2026, 11, 7, 0, 0, tzinfo=UTC)  # Saturday 09:00 in Tokyo
    night = datetime(2026, 11, 7, 18, 0, tzinfo=UTC)  # Sunday 03:00 in Tokyo
    deferred = await service.run_due(night)
    assert deferred.drafted == [] and deferred.skipped == []
    [row] = await service.repo.listing()
    assert row.status == "scheduled" and row.due_at == datetime(2026, 11, 8, 0, 0, tzinfo=UTC)
    morning = await service.run_due(datetime(2026, 11, 8, 0, 0, tzinfo=UTC))
    [(_, draft_id)] = morning.drafted
    draft = await runtime.store.drafts.get(draft_id)
    assert "late" in draft.reason and "vet on Friday" in draft.reason


async def test_overdue_checkin_is_drafted_once_with_its_lateness(runtime, service, surface):
    """A check-in missed during two days of downtime is drafted at the next run, lateness shown."""
    await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    report = await service.run_due(SAT_0901 + timedelta(days=2))
    await runtime.engine.wait_idle()
    assert len(report.drafted) == 1
    assert "2 days late" in checkin_cards(surface)[-1].reason.replace("drafted ", "")


async def test_opted_out_customer_is_skipped_when_due(runtime, service):
    """A customer whose opt-out was stored elsewhere (the console) is skipped at run time."""
    result = await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    await service.repo.set_opted_out(result.customer_id, T0 + timedelta(days=1))
    report = await service.run_due(SAT_0901)
    assert report.drafted == []
    [row] = await service.repo.listing()
    assert row.status == "skipped" and "opted out" in row.outcome


async def test_followup_is_cancelled_at_run_time_if_the_customer_wrote(runtime, service, sender):
    """Even if the cancelling message was missed, a due follow-up sees it and cancels itself."""
    result = await runtime.engine.handle(message("My order never arrived"))
    await runtime.engine.decide(Decision(result.draft_id, Action.APPROVE, REP))
    runtime.engine.observers.clear()  # a process without the check-in service stored the next one
    await runtime.engine.handle(message("All sorted, thanks", minutes=10))
    report = await service.run_due(datetime.now(UTC) + timedelta(days=4))
    assert report.drafted == [] and [why for _, why in report.cancelled] == [
        "the customer wrote since"
    ]
