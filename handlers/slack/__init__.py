"""The Slack adapter: Slack events in, Rapport's message path, replies and review cards out.

:class:`SlackService` is a :class:`~handlers.platform.Platform`; the
composition root (:mod:`handlers.composition`) builds it when
``SLACK_BOT_TOKEN`` is set, connects it to the engine, serves its
``POST /slack/events`` router on the web port in HTTP mode, and starts it
after ``engine.resume()``. The core (``bot/``, ``memory/``) never imports
this package.
"""

from handlers.slack.config import SlackConfig, SlackConfigError
from handlers.slack.service import EVENTS_PATH, SlackService

__all__ = ["EVENTS_PATH", "SlackConfig", "SlackConfigError", "SlackService"]
