"""A template that fails only on real data leaves a failed draft a rep can act on."""

from __future__ import annotations

from memory.domain import DraftStatus
from prompts.renderer import ActiveTemplate
from tests.fakes.senders import RecordingSurface
from tests.helpers import message

# Valid when saved (parses, declared variables only); unsafe only when a message says "refund".
TRAP = (
    '{% if "refund" in message.text %}{{ message.__class__.__mro__ }}{% endif %}'
    "Reply to {{ message.text | tojson }}"
)


async def test_a_template_that_fails_at_draft_time_leaves_a_failed_draft_with_the_reason(
    runtime, drafter
):
    """The draft becomes failed, its card says which template failed and why, and the
    model is never asked; other messages still draft with the same template."""
    runtime.engine.renderer.use("reply", ActiveTemplate(TRAP, "v9"))
    surface = RecordingSurface()
    runtime.engine.review.add(surface)

    trapped = await runtime.engine.handle(message("Where is my refund?", message_id="t1"))
    draft = await runtime.store.drafts.get(trapped.draft_id)
    assert draft.status is DraftStatus.FAILED
    assert "'reply'" in draft.error and "sandbox" in draft.error
    assert surface.cards[-1].status is DraftStatus.FAILED
    assert drafter.requests == []

    fine = await runtime.engine.handle(message("Hello there", message_id="t2"))
    assert (await runtime.store.drafts.get(fine.draft_id)).status is DraftStatus.PENDING
