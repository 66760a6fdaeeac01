"""Fixtures for security tests that go end to end: the Slack and Discord fakes, and
the web console with a rep and an admin."""

from tests.discord.conftest import fake, service, start_service  # noqa: F401
from tests.slack.conftest import fake_slack, http_slack  # noqa: F401
from tests.web.conftest import console  # noqa: F401
