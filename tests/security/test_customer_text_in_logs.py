"""What customers write never reaches the logs, even when a Slack request fails (Security).

Logging is configured as ``rapport`` configures it, in both formats; Slack
posts to the real HTTP endpoint. Logs may say that a request was refused or a
message could not be stored, with ids and sizes, but never the words.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator

import pytest
import structlog

from bot.observability import configure_logging
from tests.fakes.slack_events import event_callback, message
from tests.slack.conftest import CUSTOMER, SUPPORT, SlackHarness

WORDS = "Quillfeather Marzipan-Octavia hid the Vortigern ledger"
NAME = "Zanzibarina Plumtree"
MAX_GROWTH = 2048  # bytes of log per failed request: a line or two of ids and sizes


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: what reaches the logs does not depend on the database."""
    return sqlite_url


@pytest.fixture(params=["console", "json"])
def logs(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Iterator[Logs]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("info", request.param)
    yield Logs(capsys)
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


class Logs:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def take(self) -> str:
        """Everything written since the last call."""
        captured = self._capsys.readouterr()
        return captured.err + captured.out


def customer_event(text: str) -> bytes:
    event = message(text, user=CUSTOMER, channel=SUPPORT, name=NAME)
    return json.dumps(event_callback(event)).encode()


@pytest.mark.parametrize(
    "forgery",
    [{"secret": "not-the-signing-secret"}, {"timestamp": 1_600_000_000}],
    ids=["unsigned", "late"],
)
async def test_an_unsigned_or_late_request_is_logged_by_size_not_content(
    logs: Logs, http_slack: SlackHarness, forgery: dict[str, object]
) -> None:
    """A 200 KB request with a wrong signature or an old timestamp is refused, and the log
    says so in a line or two: none of the body's words, and not 200 KB of log."""
    assert http_slack.slack is not None
    body = customer_event(" ".join([WORDS] * 4000))
    assert len(body) > 200_000
    logs.take()

    answer = await http_slack.slack.post(body, "application/json", **forgery)  # type: ignore[arg-type]

    written = logs.take()
    assert answer.status_code == 401
    assert "signature" in written.lower(), "the refusal was not logged at all"
    assert "Quillfeather" not in written and "Vortigern" not in written
    assert len(written.encode()) < MAX_GROWTH, f"the log grew by {len(written.encode())} bytes"
    assert await http_slack.runtime.store.messages.count() == 0


async def test_a_message_that_cannot_be_stored_is_logged_by_ids_not_words(
    logs: Logs, http_slack: SlackHarness, database_url: str
) -> None:
    """When the database refuses a signed message, Slack gets a 500 (and retries later) and
    the log names the failure, the event and the text's size, but not a word the customer
    wrote, nor their name (database errors quote the values they were given)."""
    assert http_slack.slack is not None
    # The database fails every write of a message, as a broken disk or schema would: the
    # trigger writes to a table that does not exist.
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        db.execute(
            "CREATE TRIGGER fail_messages BEFORE INSERT ON messages "
            "BEGIN INSERT INTO no_such_table VALUES (1); END"
        )
    logs.take()

    answer = await http_slack.slack.post(customer_event(WORDS), "application/json")
    await http_slack.settle()

    written = logs.take()
    assert answer.status_code == 500
    for word in ("Quillfeather", "Vortigern", "Zanzibarina", "Plumtree"):
        assert word not in written, f"{word!r} reached the logs"
    assert "slack_listener_failed" in written, "the failure was not logged at all"
    assert len(written.encode()) < MAX_GROWTH, f"the log grew by {len(written.encode())} bytes"
