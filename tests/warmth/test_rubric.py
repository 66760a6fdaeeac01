"""Each rubric check fails on a deliberately bad draft, and passes on a good one: a check
that cannot fail measures nothing."""

from __future__ import annotations

import pytest

from tests.warmth import rubric
from tests.warmth.rubric import Check
from tests.warmth.scenarios import Scenario

COMPLAINT = Scenario(
    "bad/complaint",
    "problem",
    "Biscuit has been limping since yesterday, I'm worried",
    customer="Ravi Patel",
    apology_due=True,
    complaint=True,
    category="health",
    remembered=("Biscuit", "Porto", "Family"),
    relevant=("Biscuit",),
    unrelated=("Porto",),
)
QUESTION = Scenario(
    "bad/question",
    "question",
    "How do refunds work if I change my mind?",
    customer="Dana Whitfield",
    remembered=("Milo",),
    unrelated=("Milo",),
    expects=(r"teammate",),
)
GOOD_COMPLAINT = (
    "Hi Ravi, I'm so sorry Biscuit is unwell, that's really hard. I hope Biscuit feels better "
    "very soon. What would help make things easier for you right now?"
)
GOOD_QUESTION = "Hi Dana! I'll ask a teammate who knows this best and we'll come back to you."
OTHERS = {
    "other/delay": "Hi NAME, I'm so sorry Biscuit is unwell, that's really hard. Anything else?",
    "category:other/delay": "delay",
    "other/copy": "Hi NAME! Thanks for your message. Is there anything I can help with?",
}

# (check, scenario, a draft that must fail it)
BAD: list[tuple[Check, Scenario, str]] = [
    (rubric.name_used, QUESTION, "Hello! A teammate will check and come back to you."),
    (
        rubric.apology_when_due,
        COMPLAINT,
        "Hi Ravi! Thanks for your message. What would help make things easier for you right now?",
    ),
    (
        rubric.apology_when_due,
        QUESTION,
        "Hi Dana, I'm sorry about that. A teammate will check and come back to you.",
    ),
    (
        rubric.apology_when_due,
        COMPLAINT,
        "Hi Ravi! Thanks for writing. I'm sorry. What would help make things easier for you?",
    ),
    (
        rubric.one_relevant_memory,
        COMPLAINT,
        "Hi Ravi, I'm so sorry. Good luck in Porto, and enjoy the Family plan! What would help?",
    ),
    (
        rubric.one_relevant_memory,
        COMPLAINT,
        "Hi Ravi, I'm so sorry. Good luck with your trip to Porto! What would help most?",
    ),
    (
        rubric.no_parroting,
        COMPLAINT,
        "Hi Ravi, sorry! Thanks for your message: “Biscuit has been limping since yesterday…”",
    ),
    (
        rubric.no_parroting,
        COMPLAINT,
        "Hi Ravi, I'm sorry Biscuit has been limping since yesterday. What would help most?",
    ),
    (
        rubric.no_stray_facts,
        COMPLAINT,
        "Hi Ravi, I'm sorry. Good luck with the trip to Porto! What would help most?",
    ),
    (
        rubric.no_stray_facts,
        QUESTION,
        "Hi Dana, just checking in. Last time, you mentioned “the vet” (Saturday 5 December); "
        "asking how it went.",
    ),
    (
        rubric.no_invented_numbers,
        QUESTION,
        "Hi Dana! Refunds take 5 working days and cost £3; a teammate will confirm.",
    ),
    (
        rubric.no_invented_numbers,
        QUESTION,
        "Hi Dana! A teammate will come back to you on Thursday.",
    ),
    (
        rubric.no_promises,
        COMPLAINT,
        "Hi Ravi, I'm so sorry. We'll refund you in full, guaranteed. What would help most?",
    ),
    (
        rubric.no_marketing,
        QUESTION,
        "Hi Dana! A teammate will check. Meanwhile, upgrade to Premium for 20% off!",
    ),
    (
        rubric.make_better_on_complaints,
        COMPLAINT,
        "Hi Ravi, I'm so sorry Biscuit is unwell. A teammate will check.",
    ),
    (
        rubric.make_better_on_complaints,
        QUESTION,
        "Hi Dana! A teammate will check. How can I help make this better for you?",
    ),
    (rubric.intent_addressed, QUESTION, "Hi Dana! Refunds are simple, just ask."),
    (
        rubric.distinct,
        QUESTION,
        "Hi Dana! Thanks for your message. Is there anything I can help with?",
    ),
    (
        rubric.distinct,
        COMPLAINT,
        "Hi Ravi, I'm so sorry Biscuit is unwell, that's really hard. What would help most?",
    ),
]


@pytest.mark.parametrize(
    ("check", "scenario", "draft"),
    BAD,
    ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(BAD)],
)
def test_each_check_fails_on_a_deliberately_bad_draft(check: Check, scenario: Scenario, draft: str):
    """A draft that breaks the rule is caught, with a reason a reader can act on."""
    verdict = check(scenario, draft, OTHERS)
    assert not verdict.passed, f"{check.__name__} let through {draft!r}"
    assert verdict.reason


@pytest.mark.parametrize("check", rubric.CHECKS, ids=[c.__name__ for c in rubric.CHECKS])
def test_each_check_passes_a_good_draft(check: Check):
    """The same checks accept a warm, honest draft: they fail for the right reason."""
    others = {"other/copy": OTHERS["other/copy"]}  # no draft shares their words
    assert check(COMPLAINT, GOOD_COMPLAINT, others).passed
    assert check(QUESTION, GOOD_QUESTION, others).passed


def test_every_check_has_a_bad_draft():
    """No rubric check goes without a deliberately bad draft that it catches."""
    assert {c.__name__ for c, _, _ in BAD} == {c.__name__ for c in rubric.CHECKS}
