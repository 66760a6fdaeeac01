"""Structured logs: readable in a terminal, JSON in production.

Events carry ids (customer, draft, message), never message text or secrets.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO, cast

import structlog


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now, not the one seen at configuration time.

    Test runners and embedding programs swap ``sys.stderr``; a logger bound
    to an old, closed stream would crash the next log call.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "info", fmt: str = "console") -> None:
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=False,
    )
    # Library logs (uvicorn, slack_bolt, discord) go through the same renderer.
    handler = logging.StreamHandler(cast(TextIO, _CurrentStderr()))
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(numeric, logging.INFO))
    # Alembic narrates every plugin it loads; migrations are reported by us.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # APScheduler logs every wake-up at info; ours says what the wake-up did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
