"""The Slack adapter: Slack events in, Rapport's message path, replies and review cards out.

:class:`handlers.slack.service.SlackService` is a
:class:`~handlers.platform.Platform`; the composition root
(:mod:`handlers.composition`) builds it when ``SLACK_BOT_TOKEN`` is set
(:class:`handlers.slack.config.SlackSettings`), connects it to the engine,
serves its ``POST /slack/events`` router on the web port in HTTP mode, and
starts it after ``engine.resume()``. Nothing is imported here, so reading
Slack's settings does not load slack_bolt. The core (``bot/``, ``memory/``)
never imports this package.
"""
