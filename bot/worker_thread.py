"""The single-process default's drafting: workers on their own thread and event loop.

``rapport run`` and ``rapport demo`` serve the platforms and the console on
one event loop; drafting (recall, prompt rendering, the offline drafter: all
CPU) runs here instead, with its own engine and connection pool
(:func:`bot.worker_process.serve_workers`), so an acknowledgement never waits
behind a draft on the same loop. Cards are drawn by the main loop's relay,
which this thread wakes after every draft it writes; the main loop wakes this
thread for every draft it queues. ``rapport worker`` processes do the same
job across processes and cores.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import structlog

from bot.config import Settings
from bot.drafters import Drafter
from bot.runtime import Runtime
from bot.worker_process import serve_workers

log = structlog.get_logger(__name__)


class WorkerThread:
    def __init__(
        self,
        settings: Settings,
        *,
        changed: Callable[[], None],
        drafter: Drafter | None = None,
    ) -> None:
        self.settings = settings
        self.changed = changed
        self.drafter = drafter
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._runtime: Runtime | None = None
        self._ready = threading.Event()
        self.failed: BaseException | None = None

    async def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="rapport-workers", daemon=True)
        self._thread.start()
        # Building the runtime may load a model: wait without blocking our loop.
        await asyncio.to_thread(self._ready.wait, 120)
        if self.failed is not None:
            raise RuntimeError("the drafting thread could not start") from self.failed

    def wake(self) -> None:
        """A draft was queued on the main loop: look now."""
        loop, runtime = self._loop, self._runtime
        if loop is not None and runtime is not None and not loop.is_closed():
            loop.call_soon_threadsafe(runtime.engine.draft_soon)

    async def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 60)
            self._thread = None

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the starting loop
            self.failed = exc
            log.exception("worker_thread_failed")
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()

        def started(runtime: Runtime) -> None:
            self._runtime = runtime
            self._ready.set()

        await serve_workers(
            self.settings,
            self._stop,
            drafter=self.drafter,
            changed=self.changed,
            started=started,
        )
