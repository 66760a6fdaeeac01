"""The offline drafter: warm, deterministic and honest replies with no model at all.

What newcomers see first, when no LLM key is set. The package, by role:

- :mod:`.reading`: what a message is (problem and which kind, question, thanks,
  feedback, suggestion, greeting, a return, a request for a named teammate) and
  what it is about;
- :mod:`.memory`: the one remembered fact that bears on it, the teammates who
  helped before and what they did, and how long the customer was away;
- :mod:`.knowledge`: the cited answer from the team's docs, when retrieval is confident;
- :mod:`.phrases` and :mod:`.wording`: the words, and the stable choice among them;
- :mod:`.composer`: :class:`OfflineDrafter`, which puts a reply or a check-in together.

How long a customer was away is known only when the request carries the
message's time (an optional ``sent_at``, which :class:`~bot.drafters.base.DraftRequest`
does not have yet) or when the customer says so ("it's been a while"); recall's
pinned turns show when there was no gap. Otherwise it is treated as unknown,
and the reply does not say "welcome back".
"""

from bot.drafters.offline.composer import OfflineDrafter
from bot.drafters.offline.reading import is_negative

__all__ = ["OfflineDrafter", "is_negative"]
