"""After forget, the audit log still says what was done and when, but no longer who the
customer was (Security: forget must leave nothing behind). Both databases."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.checkin_service import CheckinService
from memory.customers import CustomerDirectory
from memory.schema import AuditEntry
from tests.helpers import message

SLACK_USER = "U0DANA7QX"
DISCORD_USER = "880011223344"
NAME = "Dana Whitfield"


async def _audit_log(runtime) -> list[AuditEntry]:
    async with runtime.store.sessions() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def test_the_audit_log_keeps_what_happened_to_a_forgotten_customer_but_not_who_they_were(
    runtime,
):
    """Dana said "stop" on Slack and a rep linked her Discord account; once she is forgotten, an
    auditor still sees those actions, their times and the rep, but not her name or accounts."""
    runtime.engine.observers.append(CheckinService(runtime.engine))  # consent, as `rapport run`
    dana = await runtime.engine.handle(
        message("My order is late", platform="slack", workspace="T1", user=SLACK_USER, name=NAME)
    )
    await runtime.engine.handle(
        message("stop", platform="slack", workspace="T1", user=SLACK_USER, name=NAME, minutes=1)
    )
    directory = CustomerDirectory(runtime.store.sessions)
    await directory.link(dana.customer_id, "discord", "G1", DISCORD_USER, actor="rita (web)")
    before = await _audit_log(runtime)
    assert NAME in json.dumps([e.actor for e in before])  # her own "stop" names her
    assert DISCORD_USER in json.dumps([e.detail for e in before])  # the link names the account
    await directory.forget(dana.customer_id, actor="rita (web)")
    after = await _audit_log(runtime)
    written = json.dumps([[e.actor, e.action, e.detail] for e in after])
    for identifying in (SLACK_USER, DISCORD_USER, NAME, "Dana", "Whitfield"):
        assert identifying not in written
    assert [(e.action, e.customer_id, e.at) for e in after[: len(before)]] == [
        (e.action, e.customer_id, e.at) for e in before
    ]
    assert after[-1].action == "customer.forget" and after[-1].actor == "rita (web)"
    assert all(isinstance(n, int) for n in after[-1].detail.values())
