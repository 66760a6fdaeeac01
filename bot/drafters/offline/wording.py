"""Choosing among phrasings: varied across messages, identical for the same one.

A variant is picked with a stable hash (BLAKE2b) of the slot, the intent, the
topic and the message text. Python's own ``hash()`` is salted per process and
``random`` without a seed differs per run, so neither is used: the same
message always gets the same draft, in every process, and two different
messages usually get different words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def pick(options: Sequence[str], *key: str) -> str:
    """One of ``options``, chosen by a stable hash of ``key``."""
    if not options:
        return ""
    digest = hashlib.blake2b("\x1f".join(key).encode("utf-8"), digest_size=8).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def sentence(text: str) -> str:
    """``text`` with a capital first letter (templates may start with a name or a topic)."""
    return text[:1].upper() + text[1:] if text else text
