"""A template that fails only on real data leaves a failed draft a rep can act on."""

from __future__ import annotations

import pytest

from memory.domain import DraftStatus
from prompts.renderer import ActiveTemplate, PromptRenderer, TemplateRejected
from tests.fakes.senders import RecordingSurface
from tests.helpers import message

# Valid when saved (parses, declared variables only, nothing unsafe in any branch);
# fails only when a message says "refund".
TRAP = (
    '{% if "refund" in message.text %}{{ 1 // (message.text | length - message.text | length) }}'
    "{% endif %}Reply to {{ message.text | tojson }}"
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
    assert "'reply'" in draft.error and "ZeroDivisionError" in draft.error
    assert surface.cards[-1].status is DraftStatus.FAILED
    assert drafter.requests == []

    fine = await runtime.engine.handle(message("Hello there", message_id="t2"))
    assert (await runtime.store.drafts.get(fine.draft_id)).status is DraftStatus.PENDING


@pytest.mark.parametrize(
    ("branch", "refused"),
    [
        ("{{ message.__class__.__mro__ }}", "__mro__"),
        ("{{ message.text.__len__() }}", "__len__"),
        ('{{ message["_secret"] }}', "_secret"),
        ("{{ recalled.append(message) }}", "append"),
    ],
)
def test_saving_refuses_an_unsafe_expression_in_a_branch_no_sample_reaches(branch, refused):
    """An unsafe attribute or a mutating call behind an {% if %} that the preview never
    reaches is refused when the admin saves, with its line, not when a customer writes."""
    source = f'Hello\n{{% if "refund" in message.text %}}\n{branch}\n{{% endif %}}'
    with pytest.raises(TemplateRejected) as caught:
        PromptRenderer().validate("reply", source)
    assert refused in str(caught.value)
    assert caught.value.line == 3
