"""The Discord adapter: Discord events in, Rapport's message path, replies out.

:class:`handlers.discord.service.DiscordService` is a
:class:`~handlers.platform.Platform`; the composition root
(:mod:`handlers.composition`) builds it when ``DISCORD_TOKEN`` is set
(:class:`handlers.discord.config.DiscordSettings`). The core (``bot/``,
``memory/``) never imports this package.
"""
