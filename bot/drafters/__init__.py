"""Drafters write reply text: an LLM, or the offline rules."""

from bot.drafters.base import Drafter, DraftError, DraftRequest
from bot.drafters.offline import OfflineDrafter
from bot.drafters.openai_chat import OpenAIDrafter

__all__ = ["DraftError", "DraftRequest", "Drafter", "OfflineDrafter", "OpenAIDrafter"]
