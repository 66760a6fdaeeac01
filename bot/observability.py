"""Structured logs: readable in a terminal, JSON in production.

Events carry ids (customer, draft, message), never message text or secrets.
Libraries are less careful (httpx logs every request URL, a crashing listener's
traceback holds its tokens), so every line is also redacted before it is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO, cast

import structlog
from structlog.typing import EventDict, WrappedLogger

from bot.redaction import URL_CREDENTIALS

REDACTED = "***"


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now, not the one seen at configuration time.

    Test runners and embedding programs swap ``sys.stderr``; a logger bound
    to an old, closed stream would crash the next log call.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _renderer(fmt: str) -> structlog.typing.Processor:
    if fmt == "json":
        return structlog.processors.JSONRenderer()
    # Not rich's traceback (the default when rich is installed): it prints every
    # frame's locals, and a Slack listener's locals hold its token.
    return structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    )


class _Redacting:
    """A renderer whose lines have the configured secrets and any URL credentials masked."""

    def __init__(self, render: structlog.typing.Processor, secrets: Iterable[str]) -> None:
        self._render = render
        # Inside a JSON string or a repr() a secret is escaped: mask those spellings too.
        spellings = {
            spelling
            for secret in secrets
            if secret
            for spelling in (secret, json.dumps(secret)[1:-1], repr(secret)[1:-1])
        }
        # Longest first, so a secret that contains another is masked whole.
        literals = [re.escape(s) for s in sorted(spellings, key=len, reverse=True)]
        self._pattern = re.compile("|".join([f"(?P<url>{URL_CREDENTIALS.pattern})", *literals]))

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> str:
        # Both renderers return str (JSONRenderer would return bytes only with orjson).
        line = cast(str, self._render(logger, method_name, event_dict))
        return self._pattern.sub(_mask, line)


def _mask(match: re.Match[str]) -> str:
    return "" if match.lastgroup == "url" else REDACTED


def configure_logging(
    level: str = "info", fmt: str = "console", *, secrets: Iterable[str] = ()
) -> None:
    """Send our events and every library's records to stderr, with *secrets* masked."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    renderer = _Redacting(_renderer(fmt), secrets)
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
    # Library logs (uvicorn, slack_bolt, discord, httpx) go through the same renderer.
    handler = logging.StreamHandler(cast(TextIO, _CurrentStderr()))
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # A library's exc_info as a plain traceback; JSON would otherwise get its repr.
                structlog.processors.format_exc_info,
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
