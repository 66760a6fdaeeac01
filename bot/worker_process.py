"""A drafting worker's life: ``rapport worker``, and the worker thread of ``rapport run``.

Builds its own runtime (engine, connection pool) with no review surface,
follows the admins' prompt versions (another process activates them), drafts
whatever waits until told to stop, then lets the drafts in hand finish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog

from bot.config import Settings
from bot.drafters import Drafter
from bot.runtime import Runtime, build_runtime
from memory.domain import DraftCard
from memory.prompt_versions import PromptVersions

log = structlog.get_logger(__name__)

# How often a worker checks whether an admin activated another prompt version.
TEMPLATE_CHECK = 5.0


class Nudge:
    """A review surface that only says "a card changed" (to a relay in this process)."""

    name = "nudge"

    def __init__(self, changed: Callable[[], None]) -> None:
        self.changed = changed

    async def publish(self, card: DraftCard) -> None:
        self.changed()


class TemplateFollower:
    """Keeps a process's renderer on the active prompt versions, whoever activated them.

    Every process that renders prompts runs one (workers draft with them; a
    listener's console shows and previews them), so an admin's change in one
    process reaches every other within :data:`TEMPLATE_CHECK` seconds.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.versions = PromptVersions(runtime.store.sessions)
        self._seen: dict[str, int] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="templates")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TEMPLATE_CHECK)
            try:
                await self.follow()
            except Exception as exc:  # the database is away: the next look tries again
                log.warning("template_check_failed", error=type(exc).__name__)

    async def follow(self) -> bool:
        """Load the active versions if they changed since the last look; True if loaded."""
        active = await self.versions.active()
        seen = {name: row.version for name, row in active.items()}
        if seen == self._seen:
            return False
        for refused in await self.versions.load_into(self.runtime.engine.renderer):
            log.warning("prompt_version_refused", template=refused.name, reason=refused.reason)
        self._seen = seen
        return True


async def serve_workers(
    settings: Settings,
    stop: asyncio.Event,
    *,
    drafter: Drafter | None = None,
    changed: Callable[[], None] | None = None,
    started: Callable[[Runtime], None] | None = None,
) -> None:
    """Draft until ``stop`` is set; ``changed`` hears of every card change (the relay)."""
    runtime = build_runtime(settings, drafter=drafter, drafts_here=True)
    if changed is not None:
        runtime.engine.review.add(Nudge(changed))
    templates = TemplateFollower(runtime)
    try:
        await templates.follow()
        await templates.start()
        await runtime.signals.start()
        runtime.engine.draft_soon()  # starts the workers; whatever waits from before
        if started is not None:
            started(runtime)
        await stop.wait()
    finally:
        await templates.stop()
        await runtime.close()
