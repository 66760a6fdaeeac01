"""The Discord adapter: Discord events in, Rapport's message path, replies out.

Start it from ``rapport run`` with ``DiscordService(settings, runtime)``; the
core (``bot/``, ``memory/``) never imports this package.
"""

from handlers.discord.service import DiscordService

__all__ = ["DiscordService"]
