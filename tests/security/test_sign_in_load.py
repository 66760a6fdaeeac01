"""Password checks never hold up customers' messages (Security: sign-in flood).

Argon2 is slow on purpose. Checked in the default thread pool, 48 sign-ins at
once queued ahead of the SQLite writes that store each customer's message,
which Slack and Discord wait for before they get their acknowledgement: acks
took seconds. The test uses the real, full-cost hasher, because the load is
the point, and counts rather than times, so a slow machine cannot flake it.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher

from bot.config import Settings
from bot.runtime import build_runtime
from memory.store import Ingested
from memory.users import UserDirectory
from tests.fakes.drafter import ScriptedDrafter
from tests.helpers import message

SIGN_INS = 48


async def test_a_message_is_stored_at_once_while_many_people_sign_in(sqlite_url: str) -> None:
    """A customer's message is stored (and acknowledged) while 48 sign-ins are being checked."""
    runtime = build_runtime(Settings(database_url=sqlite_url), drafter=ScriptedDrafter())
    users = UserDirectory(runtime.store.sessions, PasswordHasher())
    await users.authenticate("warm-up", "not the password")  # hashes the no-such-user password
    finished = 0
    first_done = asyncio.Event()

    async def sign_in(number: int) -> None:
        nonlocal finished
        # Different people: no per-login throttle applies.
        await users.authenticate(f"person{number}", "not the password")
        finished += 1
        first_done.set()

    try:
        crowd = [asyncio.create_task(sign_in(n)) for n in range(SIGN_INS)]
        # Once one check is done, the others have looked up their login and are
        # waiting for (or in) a password check: the flood is in full swing.
        await first_done.wait()
        stored = await runtime.engine.receive(message("My order never arrived"))
        finished_when_stored = finished
        await asyncio.gather(*crowd)
        await runtime.engine.wait_idle()
    finally:
        await runtime.close()
    assert isinstance(stored, Ingested)
    # Queued behind the password checks, the message waited until nearly all
    # of them were done; beside them, it is stored before most have finished.
    # Half is a generous line between the two.
    assert finished_when_stored < SIGN_INS // 2, f"{finished_when_stored} sign-ins went first"
