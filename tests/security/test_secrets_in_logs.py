"""No token, API key or password reaches the logs or a review card (Security, High).

Each test configures logging as ``rapport`` does, in both formats, and scans
every line written for every secret.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import structlog

from bot.config import Settings
from bot.observability import configure_logging
from bot.runtime import build_runtime
from handlers.cli.common import settings_or_exit
from handlers.discord.settings import DiscordSettings
from handlers.slack.settings import SlackSettings
from memory.domain import DraftStatus
from tests.fakes.openai_server import FakeOpenAI, Scripted
from tests.helpers import message

API_KEY = "sk-live-KEYKEYKEY-93d1c0"
PASSWORD = "hunter2-PASSWORD-7f3a"
BOT_TOKEN = "xoxb-1111-2222-BOTTOKEN"


class Logs:
    """Logging configured in one format, and what it has written so far."""

    def __init__(self, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.fmt = fmt
        self._capsys = capsys

    def configure(self, secrets: Iterable[str] = ()) -> None:
        configure_logging("info", self.fmt, secrets=secrets)

    def lines(self) -> list[str]:
        captured = self._capsys.readouterr()
        return (captured.err + captured.out).splitlines()


@pytest.fixture(params=["console", "json"])
def logs(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Iterator[Logs]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield Logs(request.param, capsys)
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


def with_credentials(url: str, userinfo: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{userinfo}@{rest}"


def leaks(lines: list[str], *secrets: str) -> list[str]:
    return [line for line in lines if any(secret in line for secret in secrets)]


async def test_a_failing_llm_call_shows_neither_the_endpoint_password_nor_the_api_key(
    logs: Logs, sqlite_url: str, llm: FakeOpenAI
) -> None:
    """With OPENAI_BASE_URL=http://user:PASSWORD@host/v1 and a model answering HTTP 500, the
    logs (httpx's request lines included) and the failed draft's card name the host but never
    the password or the API key."""
    settings = Settings(
        database_url=sqlite_url,
        openai_api_key=API_KEY,
        openai_base_url=with_credentials(llm.base_url, f"rapport:{PASSWORD}"),
        llm_retries=0,
        llm_timeout=2.0,
    )
    logs.configure(settings.secret_values())

    def model(body: dict[str, Any]) -> str | Scripted:
        if body.get("response_format", {}).get("type") == "json_object":
            return '{"facts": []}'
        return Scripted(status=500, body={"error": {"message": "boom"}})

    llm.responder = model
    runtime = build_runtime(settings)
    try:
        handled = await runtime.engine.handle(message("my order never arrived"))
        draft = await runtime.store.drafts.get(handled.draft_id)
    finally:
        await runtime.close()

    lines = logs.lines()
    assert any("HTTP Request" in line for line in lines), "httpx logged no request: nothing scanned"
    assert leaks(lines, PASSWORD, API_KEY, "rapport:") == []
    assert draft.status == DraftStatus.FAILED
    assert draft.error is not None and "HTTP 500" in draft.error and "127.0.0.1" in draft.error
    assert PASSWORD not in draft.error and "rapport:" not in draft.error and "@" not in draft.error


def _slack_listener(payload: dict[str, str]) -> None:
    token = "xoxp-9999-LOCALTOKEN"  # a local that a locals-printing traceback would show
    raise ValueError(f"slack refused the call for {payload['user']} ({len(token)} chars)")


@pytest.mark.parametrize("source", ["structlog", "library"])
def test_a_logged_exception_keeps_its_traceback_but_not_the_tokens_in_its_locals(
    logs: Logs, source: str
) -> None:
    """When a Slack listener crashes, the operator reads the exception and where it was raised,
    but no token that happened to be in a local variable."""
    logs.configure()
    try:
        _slack_listener({"user": "U123"})
    except ValueError:
        if source == "structlog":
            structlog.get_logger().exception("listener_failed")
        else:
            logging.getLogger("slack_bolt.AsyncApp").exception("Failed to run listener")

    written = "\n".join(logs.lines())
    assert "LOCALTOKEN" not in written
    assert "Traceback" in written
    assert "ValueError: slack refused the call for U123" in written
    assert "_slack_listener" in written


def test_library_log_lines_lose_the_credentials_in_urls(logs: Logs) -> None:
    """A library that logs a URL with credentials in it (httpx logs every request) shows the
    host and path, never the user and password."""
    logs.configure()
    logging.getLogger("httpx").info(
        'HTTP Request: POST %s "HTTP/1.1 200 OK"', "http://u:s3cr3t-pw@llm.internal:8080/v1/chat"
    )

    lines = logs.lines()
    assert any("llm.internal:8080/v1/chat" in line for line in lines)
    assert leaks(lines, "s3cr3t-pw", "u:") == []


def test_every_configured_secret_is_masked_wherever_it_is_logged(logs: Logs) -> None:
    """A token, key or database password that ends up in a log event or a library's message,
    even one with characters that JSON escapes, is written as a redaction marker."""
    configured = (
        Settings(
            database_url=f"postgresql://rapport:{PASSWORD}@db.internal/rapport",
            openai_api_key=API_KEY,
        ).secret_values()
        | SlackSettings(
            slack_bot_token=BOT_TOKEN, slack_signing_secret='sign"ing\\secret'
        ).secret_values()
        | DiscordSettings(discord_token="discord.TOKEN.value").secret_values()
    )
    secrets = [PASSWORD, API_KEY, BOT_TOKEN, 'sign"ing\\secret', "discord.TOKEN.value"]
    assert set(secrets) <= configured
    logs.configure(configured)

    log = structlog.get_logger()
    for secret in secrets:
        log.warning("slack_call_failed", error=f"invalid_auth for {secret}")
        logging.getLogger("slack_sdk").warning("Failed to call api with token=%s", secret)

    lines = logs.lines()
    assert len(lines) == 2 * len(secrets)
    escaped = ['sign\\"ing', "ing\\\\secret"]  # the signing secret as JSON and repr() write it
    assert leaks(lines, *secrets, *escaped) == []
    assert all("***" in line for line in lines)


def test_the_rapport_command_masks_the_secrets_it_was_configured_with(
    logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every `rapport` command sets up its logs knowing the tokens and passwords in its
    environment, so none of them is ever written out."""
    monkeypatch.setenv("RAPPORT_LOG_FORMAT", logs.fmt)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://rapport:{PASSWORD}@db.internal/rapport")
    settings_or_exit()

    structlog.get_logger().error("slack_auth_failed", token=BOT_TOKEN)
    logging.getLogger("sqlalchemy.pool").error("could not connect with password %s", PASSWORD)

    lines = logs.lines()
    assert len(lines) == 2
    assert leaks(lines, BOT_TOKEN, PASSWORD) == []


def test_the_database_label_hides_the_password() -> None:
    """`rapport db upgrade` and the demo banner name the database without its password."""
    settings = Settings(database_url=f"postgresql://rapport:{PASSWORD}@db.internal:5432/rapport")
    assert settings.database_label == "postgresql://db.internal:5432/rapport"
