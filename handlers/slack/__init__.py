"""The Slack adapter: Slack events in, Rapport's message path, replies and review cards out.

The core (``bot/``, ``memory/``) never imports this package. Wiring, in
``bot.platforms.build_platforms``::

    from handlers.slack import SlackService

    if settings.slack_bot_token is not None:
        slack = SlackService(settings, runtime)  # registers its surface and sender
        services.append(slack)  # start(): checks the token; Socket Mode connects
        if slack.router is not None:  # HTTP mode: POST /slack/events
            routers.append(slack.router)

``create_app(runtime, demo=False, routers=routers, services=services)`` then
serves the events URL on the web console's port and starts the service in
its lifespan, after ``engine.resume()``.
"""

from handlers.slack.config import SlackConfig, SlackConfigError
from handlers.slack.service import EVENTS_PATH, SlackService

__all__ = ["EVENTS_PATH", "SlackConfig", "SlackConfigError", "SlackService"]
