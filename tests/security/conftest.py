"""The platforms' fakes, for security tests that go through Slack or Discord end to end."""

from tests.discord.conftest import fake, service, start_service  # noqa: F401
from tests.slack.conftest import fake_slack, http_slack  # noqa: F401
