"""Reps ask for check-ins and record opt-outs from a customer's page."""

from __future__ import annotations

from sqlalchemy import select

from memory.schema import CheckIn
from tests.web.conftest import LiveConsole, sign_in
from tests.web.test_access import pending_draft


async def _checkins(console: LiveConsole, customer_id: int) -> list[CheckIn]:
    async with console.runtime.store.sessions() as session:
        rows = await session.execute(select(CheckIn).where(CheckIn.customer_id == customer_id))
        return list(rows.scalars())


async def test_a_rep_schedules_a_check_in_from_the_customer_page(console: LiveConsole) -> None:
    """ "Remind me to check in on the 12th" becomes a scheduled check-in with the rep's note."""
    draft_id = await pending_draft(console)
    customer_id = (await console.runtime.store.drafts.get(draft_id)).customer_id
    async with console.client() as client:
        await sign_in(client, "rita")
        page = await client.get(f"/customers/{customer_id}")
        assert "Schedule check-in" in page.text
        done = await client.post(
            f"/customers/{customer_id}/checkins",
            data={"on": "2099-01-12", "note": "ask about the router"},
        )
        assert done.status_code == 303
        shown = await client.get(f"/customers/{customer_id}")
    [row] = await _checkins(console, customer_id)
    assert row.status == "scheduled" and "router" in row.reason
    assert row.due_at.date().isoformat() == "2099-01-12"
    assert "Check-in scheduled" in shown.text


async def test_an_opt_out_recorded_by_a_rep_cancels_pending_check_ins(console: LiveConsole) -> None:
    """When a rep records "no more check-ins", pending ones are cancelled and the page says so."""
    draft_id = await pending_draft(console)
    customer_id = (await console.runtime.store.drafts.get(draft_id)).customer_id
    async with console.client() as client:
        await sign_in(client, "rita")
        await client.post(f"/customers/{customer_id}/checkins", data={"on": "2099-01-12"})
        await client.post(f"/customers/{customer_id}/checkins/opt-out")
        page = await client.get(f"/customers/{customer_id}")
    [row] = await _checkins(console, customer_id)
    assert row.status == "cancelled"
    assert "opted out" in page.text
    assert (await console.runtime.store.customer(customer_id)).opted_out_at is not None
