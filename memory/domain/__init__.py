"""Rapport's vocabulary: plain values every layer speaks, importing nothing of the project.

Messages and reply targets (:mod:`.messages`), drafts, decisions and recall
items (:mod:`.drafts`), check-ins (:mod:`.checkins`) and dates as people say
them (:mod:`.dates`). ``make lint`` keeps this package free of the database,
the engine and the platforms.
"""

from memory.domain.drafts import (
    ACTION_LABELS,
    DECIDABLE_STATUSES,
    OPEN_STATUSES,
    Action,
    Actor,
    CardAction,
    Decision,
    DraftCard,
    DraftKind,
    DraftStatus,
    FactCandidate,
    RecallItem,
    StoredDraft,
)
from memory.domain.messages import (
    AuthorRole,
    InboundMessage,
    ReplyTarget,
    StoredCustomer,
    StoredMessage,
    conversation_key,
    first_name,
    storable,
)

__all__ = [
    "ACTION_LABELS",
    "DECIDABLE_STATUSES",
    "OPEN_STATUSES",
    "Action",
    "Actor",
    "AuthorRole",
    "CardAction",
    "Decision",
    "DraftCard",
    "DraftKind",
    "DraftStatus",
    "FactCandidate",
    "InboundMessage",
    "RecallItem",
    "ReplyTarget",
    "StoredCustomer",
    "StoredDraft",
    "StoredMessage",
    "conversation_key",
    "first_name",
    "storable",
]
