"""Style examples: the team's past replies to similar messages, shown to the drafter for tone.

Past answers are the "answered before" passages kept, anonymised, for every sent reply; the
drafter sees up to three of the most similar in an <examples> block, outside the customer's
data, and never another customer's name.
"""

from __future__ import annotations

import re

from bot.runtime import Runtime
from handlers.web.preview import check
from memory.domain import Action, Actor, Decision
from prompts.renderer import PromptRenderer, default_source
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.senders import RecordingSender
from tests.helpers import message
from tests.knowledge.docs import SHIPPING

REP = Actor(surface="web", user_id="rep-1", display_name="Rita")


async def answered(
    runtime: Runtime, drafter: ScriptedDrafter, question: str, reply: str, *, user: str, name: str
) -> None:
    """A customer asks, the drafter writes ``reply``, a rep approves it and it is sent."""
    drafter.enqueue(reply)
    result = await runtime.engine.handle(message(question, user=user, name=name))
    await runtime.engine.decide(Decision(result.draft_id, Action.APPROVE, REP))
    await runtime.engine.wait_idle()


def examples_in(drafter: ScriptedDrafter) -> str:
    """The <examples> block of the latest prompt, or '' when it has none."""
    prompt = drafter.requests[-1].prompt[-1]["content"]
    match = re.search(r"<examples>(.*?)</examples>", prompt, re.S)
    return match.group(1) if match else ""


async def test_a_similar_past_reply_is_shown_for_its_tone_without_the_first_customers_name(
    runtime, drafter
):
    """Dana was told the shop opens at 10 on Sundays; when Sam asks about Sunday opening,
    the drafter sees that reply as an example, anonymised, outside Sam's customer data."""
    runtime.engine.add_sender(RecordingSender("web"))
    await answered(
        runtime,
        drafter,
        "Is the shop open on Sundays? Mail me at dana@example.com",
        "Hi Dana! Our shop opens at 10 on Sundays, Dana.",
        user="u-dana",
        name="Dana Whitfield",
    )
    await runtime.engine.handle(message("Are you open on Sunday?", user="u-sam", name="Sam Reed"))
    examples = examples_in(drafter)
    assert "match the tone, never copy facts from them" in examples
    assert '"Hi there! Our shop opens at 10 on Sundays."' in examples
    assert "[email]" in examples and "dana@example.com" not in examples
    prompt = drafter.requests[-1].prompt[-1]["content"]
    assert "Dana" not in prompt
    assert prompt.index("</customer_data>") < prompt.index("<examples>")


async def test_only_similar_past_replies_are_shown_and_at_most_three(runtime, drafter):
    """Four customers asked about Sunday hours and one about paying by cheque: a new Sunday
    question shows three Sunday replies and not the cheque one."""
    runtime.engine.add_sender(RecordingSender("web"))
    for n in range(4):
        await answered(
            runtime,
            drafter,
            f"Is the shop open on Sundays, version {n}?",
            f"Hi! Yes, Sundays from 10 (reply {n}).",
            user=f"u-{n}",
            name=f"Customer {n}",
        )
    await answered(
        runtime,
        drafter,
        "Can I pay by cheque?",
        "Hi! We take cards only, sorry.",
        user="u-cheque",
        name="Casey Cheque",
    )
    await runtime.engine.handle(message("Are you open on Sundays?", user="u-new", name="Nia New"))
    examples = examples_in(drafter)
    assert examples.count("We replied:") == 3
    assert "cards only" not in examples


async def test_without_past_answers_the_prompt_has_no_examples_block(runtime, drafter):
    """With only help docs indexed and nothing answered yet, the prompt carries no example
    block (docs are knowledge to cite, not examples of tone)."""
    await runtime.store.knowledge.sync("help", "/docs", [SHIPPING])
    await runtime.engine.handle(message("How long does delivery take?"))
    prompt = drafter.requests[-1].prompt[-1]["content"]
    assert "<knowledge>" in prompt
    assert "<examples>" not in prompt and "answered similar messages" not in prompt


async def test_an_admin_template_may_use_examples_and_the_preview_checks_it(runtime):
    """An admin editing the reply template can list the examples their own way: the template
    is accepted, and the preview's trial renders (with and without examples) pass."""
    source = default_source("reply") + (
        "\n{% for e in examples %}Tone like: {{ e.reply | tojson }} (to {{ e.question | tojson }})"
        "{% endfor %}"
    )
    PromptRenderer().validate("reply", source)
    await check(runtime.engine, "reply", source)
