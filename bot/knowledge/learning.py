"""Past answers: every reply a rep sent becomes an "answered before" passage.

The customer's question and the reply as sent (approved or edited; never a
rejected draft), with the customer's name and identifying details taken out,
so the team's own best answers are found again for the next customer who
asks. The passage goes with its draft: forgetting the customer removes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import structlog

from memory.domain import DraftKind, DraftStatus, InboundMessage, first_name
from memory.store import Ingested, MemoryStore

log = structlog.get_logger(__name__)

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ().-]{7,}\d(?!\w)")
_NUMBER = re.compile(r"(?<![\w#])#?\d{5,}\b")  # order, invoice and account numbers


def anonymised(text: str, names: list[str]) -> str:
    """``text`` without the customer's names, e-mail addresses, phone and long numbers."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    text = _NUMBER.sub("[number]", text)
    for name in sorted({n for n in names if len(n) > 1}, key=len, reverse=True):
        word = re.escape(name)
        text = re.sub(rf"\b(hi|hello|hey|dear)\s+{word}\b", r"\1 there", text, flags=re.I)
        text = re.sub(rf",\s*{word}\b|\b{word}\s*,\s*|\b{word}\b", "", text, flags=re.I)
    text = re.sub(r"\s+([,.!?])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


class AnswerLearner:
    """An engine observer: keeps each sent reply to a customer's message as a passage."""

    def __init__(self, store: MemoryStore, learned: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.learned = learned  # tells this process's knowledge index to look again

    async def message_stored(self, msg: InboundMessage, ingested: Ingested) -> None:
        return None

    async def reply_sent(self, draft_id: int) -> None:
        bundle = await self.store.drafts.bundle(draft_id)
        if bundle is None:
            return
        draft, customer, message = bundle
        if (
            draft.kind is not DraftKind.REPLY
            or draft.status is not DraftStatus.SENT
            or customer is None
            or message is None
            or not draft.final_text
        ):
            return
        names = [customer.display_name, first_name(customer.display_name)]
        question = anonymised(message.text, names)
        answer = anonymised(draft.final_text, names)
        if question and answer:
            await self.store.knowledge.add_answer(draft_id, question, answer)
            self.learned()
            log.info("answer_learned", draft_id=draft_id)
