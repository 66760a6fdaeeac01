"""The Slack router inside the web console's own app, as ``rapport run`` wires it."""

from __future__ import annotations

from bot.runtime import Runtime
from handlers.composition import Rapport
from handlers.slack.service import SlackService
from handlers.web.surface import WebPlatform
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import message
from tests.slack.conftest import CUSTOMER, SUPPORT, serve_http, shut, slack_settings


async def test_events_url_works_inside_the_web_console_app(
    fake_slack: FakeSlack, runtime: Runtime
) -> None:
    """With the composition root's web app, POST /slack/events takes a message to a card."""
    service = SlackService(slack_settings(fake_slack), runtime)
    app = Rapport(runtime, web=WebPlatform(demo=False), platforms=[service]).web_app(console=False)
    harness, server, task = await serve_http(fake_slack, runtime, app=app, service=service)
    try:
        assert harness.slack is not None
        response = await harness.slack.event(message("hello?", user=CUSTOMER, channel=SUPPORT))
        assert response.status_code == 200
        await harness.settle()
        assert len(harness.cards()) == 1
    finally:
        await shut(harness, server, task)
