"""What the Slack adapter's log lines may carry: ids and sizes, never what people wrote.

Two places would otherwise put customers' words in the log. slack_bolt writes
some requests into its own messages: the raw body of one whose signature is
wrong or late (anyone can send those, at any size) and the parsed body of one
no listener handled. And a failing listener's exception can quote the message:
a database error lists the values it was given.
"""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path
from typing import Any

# Where a Bolt message starts writing out the request it is about.
_REQUEST_IN_MESSAGE = re.compile(r"body: |Unhandled request \(|for the request \(")


class RequestsAsSizes(logging.Filter):
    """Keeps Bolt's message about a request, with the request itself replaced by its size."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        found = _REQUEST_IN_MESSAGE.search(message)
        if found:
            left_out = len(message) - found.end()
            record.msg = f"{message[: found.end()]}{left_out} characters left out)"
            record.args = ()
        return True


def bolt_logger() -> logging.Logger:
    """The logger to give the Bolt app; Bolt copies its filter to every logger it makes."""
    logger = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, RequestsAsSizes) for f in logger.filters):
        logger.addFilter(RequestsAsSizes())
    # Follow the root's level as configured (Bolt would otherwise freeze the level the
    # root had when the app was built, and copy it to every logger it makes).
    logger.setLevel(logging.NOTSET)
    return logger


def request_fields(body: dict[str, Any]) -> dict[str, Any]:
    """A Slack request in the log: its kind and ids, and the size of any text."""
    event = body.get("event")
    event = event if isinstance(event, dict) else {}
    user = body.get("user")
    text = event.get("text")
    fields = {
        "type": body.get("type"),
        "event_id": body.get("event_id"),
        "event_type": event.get("type"),
        "channel": event.get("channel"),
        "user": event.get("user") or (user.get("id") if isinstance(user, dict) else None),
        "text_chars": len(text) if isinstance(text, str) else None,
    }
    return {key: value for key, value in fields.items() if value is not None}


def error_fields(error: BaseException) -> dict[str, str]:
    """An exception in the log without its message: its type, its cause's, and where it
    was raised (file and line), which is enough to find it in the code."""
    fields = {"error": type(error).__name__}
    cause = error.__cause__ or error.__context__
    if cause is not None:
        fields["cause"] = type(cause).__name__
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        fields["at"] = f"{'/'.join(Path(last.filename).parts[-2:])}:{last.lineno}"
    return fields
