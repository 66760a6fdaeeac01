"""Check-in fixtures: the real engine, store and check-in service, with a settable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.checkin_service import CheckinService
from bot.checkins import CheckinSettings
from bot.runtime import Runtime
from memory.schema import Customer
from tests.fakes.senders import RecordingSender, RecordingSurface


class FakeClock:
    """Wall-clock time a test moves by hand (claims use it to spot dead workers)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(runtime: Runtime, clock: FakeClock) -> CheckinService:
    """The check-in service, registered as the engine's observer like `rapport run` does."""
    svc = CheckinService(runtime.engine, CheckinSettings(), clock=clock)
    runtime.engine.observers.append(svc)
    return svc


@pytest.fixture
def surface(runtime: Runtime) -> RecordingSurface:
    s = RecordingSurface()
    runtime.engine.review.add(s)
    return s


@pytest.fixture
def sender(runtime: Runtime) -> RecordingSender:
    s = RecordingSender("web")
    runtime.engine.add_sender(s)
    return s


async def set_timezone(runtime: Runtime, customer_id: int, tz: str | None) -> None:
    """Record a customer's time zone, as the console or a timezone fact would."""
    async with runtime.store.sessions() as session:
        await session.execute(
            update(Customer).where(Customer.id == customer_id).values(timezone=tz)
        )
        await session.commit()


@pytest.fixture
async def second_runtime(database_url: str) -> AsyncIterator[Runtime]:
    """Another `rapport run` process on the same database: its own engine and pool."""
    from bot.config import Settings
    from bot.runtime import build_runtime
    from tests.fakes.drafter import ScriptedDrafter

    rt = build_runtime(Settings(database_url=database_url), drafter=ScriptedDrafter())
    yield rt
    await rt.close()
