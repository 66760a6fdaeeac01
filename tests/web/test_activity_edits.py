"""Learning from edits: per reply-template version and per kind of message, how often reps
send a draft as it is, edit it or reject it, and what they changed (both databases)."""

from __future__ import annotations

import html

from bot.runtime import Runtime
from handlers.web.activity import Piece, intent_of, word_diff
from memory import stats
from memory.domain import Action, Actor, Decision
from prompts.renderer import ActiveTemplate, default_source
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.senders import RecordingSender
from tests.helpers import message
from tests.web.conftest import PASSWORD, LiveConsole, sign_in

REP = Actor(surface="web", user_id="rep-1", display_name="Rita")


async def decided(
    runtime: Runtime,
    drafter: ScriptedDrafter,
    text: str,
    action: Action,
    *,
    drafted: str = "Hi Dana! Thanks for writing.",
    edited: str | None = None,
) -> int:
    """Dana writes ``text``; the drafter writes ``drafted``; Rita decides with ``action``."""
    drafter.enqueue(drafted)
    result = await runtime.engine.handle(message(text))
    await runtime.engine.decide(Decision(result.draft_id, action, REP, edited))
    await runtime.engine.wait_idle()
    assert result.draft_id is not None
    return result.draft_id


def use_reply_version(runtime: Runtime, version: str) -> None:
    """Activate a reply template version, as an admin's Activate does."""
    runtime.engine.renderer.use("reply", ActiveTemplate(default_source("reply"), version))


def by_key(slices: list[stats.Slice]) -> dict[str, stats.Slice]:
    return {s.key: s for s in slices}


async def test_rates_per_template_version_show_which_version_reps_rewrite_most(runtime, drafter):
    """Under reply@file reps sent one draft as drafted and edited one; under reply@v2 they
    edited two and rejected one: the per-version rates say v2 is rewritten most."""
    runtime.engine.add_sender(RecordingSender("web"))
    await decided(runtime, drafter, "Hello there", Action.APPROVE)
    await decided(runtime, drafter, "Hello again", Action.EDIT, edited="Hi Dana! Welcome back.")
    use_reply_version(runtime, "v2")
    await decided(runtime, drafter, "Where is my parcel?", Action.EDIT, edited="Hi! On its way.")
    await decided(runtime, drafter, "Any news?", Action.EDIT, edited="Hi! Checking now.")
    await decided(runtime, drafter, "Thanks!", Action.REJECT)

    learning = await stats.edit_learning(runtime.store.sessions, days=7, intent_of=intent_of)
    templates = by_key(learning.templates)
    assert set(templates) == {"file", "v2"}
    assert (templates["file"].decided, templates["file"].rate("approve")) == (2, 0.5)
    assert templates["file"].rate("edit") == 0.5
    assert templates["v2"].decided == 3
    assert templates["v2"].rate("edit") == 2 / 3 and templates["v2"].rate("reject") == 1 / 3
    assert templates["v2"].rate("approve") == 0
    assert learning.templates[0].key == "v2"  # the most decided first


async def test_rates_per_intent_separate_complaints_from_questions(runtime, drafter):
    """A late parcel (a complaint) that reps always edit and questions they send as drafted
    appear as separate rows, so a rep sees which kind of message drafts get wrong."""
    runtime.engine.add_sender(RecordingSender("web"))
    await decided(runtime, drafter, "My parcel is late", Action.EDIT, edited="Hi! So sorry.")
    await decided(runtime, drafter, "How do refunds work?", Action.APPROVE)
    await decided(runtime, drafter, "What sizes do you stock?", Action.APPROVE)

    learning = await stats.edit_learning(runtime.store.sessions, days=7, intent_of=intent_of)
    intents = by_key(learning.intents)
    assert intents["problem:delay"].decided == 1 and intents["problem:delay"].rate("edit") == 1
    assert intents["question"].decided == 2 and intents["question"].rate("approve") == 1


async def test_the_latest_edits_keep_what_was_drafted_and_what_was_sent(runtime, drafter):
    """Each edit keeps the draft and the final text, newest first, with its template version;
    check-ins and undecided drafts are not counted."""
    runtime.engine.add_sender(RecordingSender("web"))
    first = await decided(
        runtime, drafter, "Hello", Action.EDIT, drafted="Hi Dana!", edited="Hi Dana :)"
    )
    use_reply_version(runtime, "v3")
    second = await decided(
        runtime, drafter, "Late again", Action.EDIT, drafted="Sorry!", edited="So sorry, Dana!"
    )
    drafter.enqueue("Left pending")
    await runtime.engine.handle(message("Still waiting", user="u-lee", name="Lee Park"))

    learning = await stats.edit_learning(runtime.store.sessions, days=7, latest_edits=5)
    assert [(e.draft_id, e.template, e.drafted, e.sent) for e in learning.edits] == [
        (second, "v3", "Sorry!", "So sorry, Dana!"),
        (first, "file", "Hi Dana!", "Hi Dana :)"),
    ]
    assert sum(s.decided for s in learning.templates) == 2
    one = await stats.edit_learning(runtime.store.sessions, days=7, latest_edits=1)
    assert [e.draft_id for e in one.edits] == [second]


def test_the_reply_version_is_read_from_the_stored_prompt_versions():
    """Drafts name their templates as "checkin@file,reply@v2,…": the reply's is v2; drafts
    from before versions were stored count as unknown."""
    assert stats.reply_version("checkin@file,extract_facts@file,reply@v2,system@file") == "v2"
    assert stats.reply_version("reply@file") == "file"
    assert stats.reply_version(None) == "unknown"
    assert stats.reply_version("checkin@v4,system@file") == "unknown"


def test_a_word_diff_shows_what_the_rep_removed_and_added():
    """ "Ships today" changed to "ships tomorrow, sorry" shows today removed and the new words
    added, with the unchanged words around them."""
    pieces = word_diff(
        "Hi Dana! Your order ships today.", "Hi Dana! Your order ships tomorrow, sorry."
    )
    assert pieces == [
        Piece("same", "Hi Dana! Your order ships"),
        Piece("del", "today."),
        Piece("ins", "tomorrow, sorry."),
    ]


def test_a_word_diff_shortens_long_unchanged_stretches():
    """A one-word change in a long reply shows a few words around it, not the whole reply."""
    before = " ".join(f"w{i}" for i in range(30))
    after = before.replace("w15", "CHANGED")
    pieces = word_diff(before, after, context=2)
    assert pieces == [
        Piece("gap", "…"),
        Piece("same", "w13 w14"),
        Piece("del", "w15"),
        Piece("ins", "CHANGED"),
        Piece("same", "w16 w17"),
        Piece("gap", "…"),
    ]


async def test_the_activity_page_shows_rates_per_version_and_intent_and_the_edits(
    console: LiveConsole, drafter
):
    """A rep opening Activity sees reply@v2 with its edit rate, the per-intent table, and the
    latest edit as a diff; what the rep typed is shown as text, never as markup."""
    runtime = console.runtime
    use_reply_version(runtime, "v2")
    await decided(
        runtime,
        drafter,
        "My parcel is late",
        Action.EDIT,
        drafted="Hi Dana! It ships today.",
        edited="Hi Dana! So sorry, it ships <b>tomorrow</b>.",
    )
    async with console.client() as client:
        await sign_in(client, "rita", PASSWORD)
        page = await client.get("/activity")
    assert page.status_code == 200
    text = page.text
    assert "Learning from edits" in text
    per_template = text.split('id="per-template"')[1].split("</table>")[0]
    assert "<td>reply@v2</td><td>1</td><td>0%</td><td>100%</td><td>0%</td>" in per_template
    per_intent = text.split('id="per-intent"')[1].split("</table>")[0]
    assert "<td>problem:delay</td><td>1</td>" in per_intent
    edits = text.split('id="edits"')[1].split("</table>")[0]
    assert "<del>today.</del>" in edits
    assert f"<ins>{html.escape('<b>tomorrow</b>.', quote=False)}</ins>" in edits
    assert "<b>tomorrow</b>" not in text
