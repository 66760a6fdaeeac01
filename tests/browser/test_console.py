"""The console in Chromium: what a rep and an admin see and do, page by page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from bot.runtime import Runtime
from memory.domain import Action, Actor, Decision, DraftStatus
from memory.prompt_versions import PromptVersions
from tests.browser.conftest import sign_in
from tests.browser.live import LiveConsole
from tests.helpers import message


def new_message(console: LiveConsole, text: str, user: str = "lee", name: str = "Lee Park") -> int:
    """A customer writes (as an adapter would deliver it); returns the draft id once drafted."""

    async def receive(runtime: Runtime) -> int:
        said = message(text, user=user, name=name, thread=user, at=datetime.now(UTC))
        result = await runtime.engine.handle(said)
        assert result.draft_id is not None  # type: ignore[union-attr]
        return result.draft_id  # type: ignore[union-attr]

    return console.call(receive)


def draft_of(console: LiveConsole, draft_id: int):  # type: ignore[no-untyped-def]
    return console.call(lambda runtime: runtime.store.drafts.get(draft_id))


def test_a_rep_signs_in_and_approves_a_draft(page: Page, console: LiveConsole) -> None:
    """A rep signs in, sees the message and what was recalled, approves; the reply is sent."""
    draft_id = new_message(console, "My kettle lid broke again", user="dana", name="Dana Whitfield")
    sign_in(page, "rita")
    card = page.locator(f"#draft-{draft_id}")
    expect(card.get_by_role("link", name="Dana Whitfield")).to_be_visible()
    expect(card.locator(".inbound")).to_contain_text("My kettle lid broke again")
    expect(card.locator(".recalled")).to_contain_text("Kettle Pro")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#draft-{draft_id}")).to_contain_text("sent by rita (web)")
    draft = draft_of(console, draft_id)
    assert draft.status == DraftStatus.SENT and draft.decided_by == "rita (web)"
    assert [text for _, text in console.sender.sent] == [draft.text]
    page.goto(f"/customers/{draft.customer_id}")
    expect(page.locator(".timeline li.out").last).to_contain_text(draft.text)


def test_a_slack_decision_shows_up_without_losing_an_edit(page: Page, console: LiveConsole) -> None:
    """While a rep edits one draft, one approved in Slack updates in place; the edit survives."""
    first = new_message(console, "Where is my parcel?", user="ravi", name="Ravi Patel")
    second = new_message(console, "Router dropped again tonight", user="mei", name="Mei Chen")
    sign_in(page, "rita")
    editing = page.locator(f"#draft-{first}")
    editing.get_by_text("Edit", exact=True).click()
    box = editing.get_by_label("Edited reply to Ravi Patel")
    box.fill("Hi Ravi, it left our warehouse this morning.")
    slack_rep = Actor("slack", "U123", "Sam")
    console.call(lambda rt: rt.engine.decide(Decision(second, Action.APPROVE, slack_rep)))
    expect(page.locator(f"#draft-{second}")).to_contain_text("sent by Sam (slack)")
    expect(box).to_have_value("Hi Ravi, it left our warehouse this morning.")
    editing.get_by_role("button", name="Send edited reply").click()
    expect(page.locator(f"#draft-{first}")).to_contain_text("sent by rita (web)")
    assert draft_of(console, first).final_text == "Hi Ravi, it left our warehouse this morning."


def test_customers_search_profile_and_fact_corrections(page: Page, console: LiveConsole) -> None:
    """A rep finds a customer, sees profile, accounts, history, check-ins; corrects a fact."""
    sign_in(page, "rita", "/customers")
    page.get_by_label("Search by name or platform user ID").fill("dana")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Dana Whitfield").click()
    expect(page.get_by_role("heading", name="Dana Whitfield")).to_be_visible()
    expect(page.locator(".facts-grid")).to_contain_text("welcome (not opted out)")
    expect(page.get_by_role("heading", name="Check-ins")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Kettle Pro")
    expect(page.locator(".plain")).to_contain_text("dana")
    cat = page.locator(".fact", has_text="Has a cat named Milo")
    cat.get_by_text("Edit", exact=True).click()
    cat.get_by_label("Statement").fill("Has a cat named Milo (ginger).")
    cat.get_by_role("button", name="Save fact").click()
    expect(page.locator(".flash")).to_contain_text("Fact updated")
    expect(page.locator(".fact-list")).to_contain_text("Has a cat named Milo (ginger).")
    before = page.locator(".fact").count()
    kettle = page.locator(".fact", has_text="Kettle Pro").first
    kettle.get_by_role("button", name="Delete fact").click()
    expect(page.locator(".flash")).to_contain_text("Fact deleted")
    expect(page.locator(".fact")).to_have_count(before - 1)


def test_link_export_and_forget_with_confirmation(
    page: Page, console: LiveConsole, tmp_path: Path
) -> None:
    """A rep links a Slack account, downloads the export, then forgets the customer, confirming."""
    sign_in(page, "rita", "/customers/2")
    page.get_by_text("Link another account").click()
    page.get_by_label("Platform", exact=True).select_option("slack")
    page.get_by_label("Workspace").fill("T0001")
    page.get_by_label("User ID on that platform").fill("U0RAVI")
    page.get_by_role("button", name="Link account").click()
    expect(page.locator(".plain")).to_contain_text("U0RAVI")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export JSON").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    exported = json.loads(saved.read_text())
    assert exported["customer"]["display_name"] == "Ravi Patel"
    assert any(i["user_id"] == "U0RAVI" for i in exported["identities"])
    page.get_by_role("link", name="Forget this customer").click()
    expect(page.get_by_role("heading", name="Forget Ravi Patel?")).to_be_visible()
    page.get_by_label("I understand this cannot be undone").check()
    page.get_by_role("button", name="Forget Ravi Patel").click()
    expect(page.locator(".flash")).to_contain_text("Forgot Ravi Patel")
    expect(page.locator("table")).not_to_contain_text("Ravi Patel")
    assert console.call(lambda rt: rt.store.customer(2)) is None


def test_an_admin_previews_a_new_voice_saves_it_and_rolls_back(
    page: Page, console: LiveConsole
) -> None:
    """An admin edits the persona, sees Dana's draft change before saving, saves, rolls back."""
    sign_in(page, "ada", "/templates")
    expect(page.locator("tbody tr")).to_have_count(4)
    expect(page.locator("tbody")).to_contain_text("max_sentences")
    page.get_by_role("link", name="system").click()
    source = page.get_by_label("Template source")
    source.fill(source.input_value() + '\n- Sign off with "— The Kettle crew"')
    page.get_by_label("Customer and message").select_option(label=_dana_option(page))
    page.get_by_role("button", name="Preview with a full draft").click()
    expect(page.locator("#preview-draft")).to_contain_text("Hi Dana")
    expect(page.locator("#preview-draft")).to_contain_text("— The Kettle crew")
    expect(page.locator("#running-draft")).not_to_contain_text("Kettle crew")
    expect(page.locator("pre.rendered").first).to_contain_text("Sign off with")
    assert console.call(lambda rt: PromptVersions(rt.store.sessions).history("system")) == []
    page.get_by_label("What changed, and why").fill("a signature sign-off")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.locator(".flash")).to_contain_text("Saved system as version 1")
    expect(page.locator(".version.running")).to_contain_text("a signature sign-off")
    draft_id = new_message(console, "Do you ship to Porto?", user="ravi", name="Ravi Patel")
    signed = draft_of(console, draft_id)
    assert signed.text.endswith("— The Kettle crew") and "system@v1" in signed.prompt_version
    page.get_by_role("button", name="Use the shipped file").click()
    expect(page.locator(".flash")).to_contain_text("system now runs the shipped file")
    expect(page.get_by_role("heading", name="system")).to_contain_text("running file")
    page.get_by_role("button", name="Roll back to v1").click()
    expect(page.locator(".flash")).to_contain_text("system now runs version 1")
    page.get_by_text("Changes in v1").click()
    expect(page.locator(".version .diff .add", has_text="Kettle crew")).to_be_visible()


def test_a_broken_template_is_refused_and_the_running_one_stays(
    page: Page, console: LiveConsole
) -> None:
    """Syntax errors, unknown variables, sandbox escapes: refused with line; drafts unchanged."""
    sign_in(page, "ada", "/templates/reply")
    source = page.get_by_label("Template source")
    save = page.get_by_role("button", name="Save as new version")
    for broken, reason, line in (
        ("Hello {{ customer.first_name }}\n{% if message.text %}", "end of template", 2),
        ("Hello\n\n{{ secrets }}", "unknown variable 'secrets'", 3),
        ("{{ customer.name.__class__.__mro__ }}", "not allowed", 1),
    ):
        source.fill(broken)
        save.click()
        refusal = page.get_by_role("alert")
        expect(refusal).to_contain_text(reason)
        expect(refusal).to_contain_text(f"line {line}")
        expect(refusal).to_contain_text("drafts keep using file")
    assert console.call(lambda rt: PromptVersions(rt.store.sessions).history("reply")) == []
    assert console.runtime is not None
    assert console.runtime.engine.renderer.source("reply").version == "file"


def test_a_rep_is_not_offered_the_templates(page: Page, console: LiveConsole) -> None:
    """Reps do not see the templates menu, and the page itself says it is for admins."""
    sign_in(page, "rita")
    expect(page.get_by_role("navigation")).not_to_contain_text("Prompt templates")
    page.goto("/templates/system")
    expect(page.get_by_role("alert")).to_contain_text("Only admins")


def test_activity_shows_response_times_rates_and_a_chart(page: Page, console: LiveConsole) -> None:
    """The team sees first-response time, decision rates, the waiting queue and a chart, per rep."""
    waiting = new_message(console, "Any news on my refund?", user="mei", name="Mei Chen")
    sign_in(page, "rita", "/activity?days=90")
    expect(page.locator(".tile").first).not_to_contain_text("–")  # seeded replies took 7 minutes
    expect(page.locator(".tile", has_text="approved as drafted")).to_contain_text("100%")
    expect(page.locator(".tile", has_text="drafts waiting")).to_contain_text("1")
    expect(page.locator("svg rect.bar.out").first).to_be_attached()
    expect(page.locator("#per-rep")).to_contain_text("Sam (seed)")
    expect(page.locator("#waiting")).to_contain_text("Mei Chen")
    page.get_by_label("Period").select_option("1")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url("/activity?days=1&platform=")
    assert draft_of(console, waiting).status == DraftStatus.PENDING


def _dana_option(page: Page) -> str:
    options = page.locator("#message_id option").all_inner_texts()
    return next(o for o in options if o.startswith("Dana Whitfield") and "lid" in o)
