"""The Discord adapter: Discord events in, Rapport's message path, replies out.

:class:`DiscordService` is a :class:`~handlers.platform.Platform`; the
composition root (:mod:`handlers.composition`) builds it when
``DISCORD_TOKEN`` is set. The core (``bot/``, ``memory/``) never imports
this package.
"""

from handlers.discord.service import DiscordService

__all__ = ["DiscordService"]
