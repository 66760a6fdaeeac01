"""Credentials out of every URL Rapport logs or shows.

``OPENAI_BASE_URL``, ``RAPPORT_EMBEDDINGS_BASE_URL`` and ``DATABASE_URL`` may
carry ``user:password@``; what a person reads (a log line, a card, the CLI)
names the host and never the credentials.
"""

from __future__ import annotations

import re

# The userinfo of every URL in a text: everything between "://" and the last "@"
# of the authority (passwords with a bare "@" are common in pasted URLs).
URL_CREDENTIALS = re.compile(r"(?<=://)[^\s/?#\"'<>]+@")


def without_credentials(text: str) -> str:
    """``http://user:pass@host:8080/v1`` → ``http://host:8080/v1``, for every URL in *text*."""
    return URL_CREDENTIALS.sub("", text)
