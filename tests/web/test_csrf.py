"""Forms only work from Rapport's own pages: a POST without the session's token changes nothing."""

from __future__ import annotations

from memory.domain import DraftStatus
from tests.web.conftest import LiveConsole, sign_in
from tests.web.test_access import pending_draft


async def test_an_approve_without_the_token_is_refused(console: LiveConsole) -> None:
    """A rep's browser tricked into posting without the token gets 403; the draft stays pending."""
    draft_id = await pending_draft(console)
    async with console.client() as client:
        await sign_in(client, "rita")
        del client.headers["X-CSRF-Token"]
        refused = await client.post(f"/drafts/{draft_id}/approve", data={"back": "/queue"})
    assert refused.status_code == 403
    assert "reload the page" in refused.json()["error"]
    draft = await console.runtime.store.drafts.get(draft_id)
    assert draft is not None and draft.status == DraftStatus.PENDING
    assert console.sender.sent == []


async def test_a_wrong_token_is_refused(console: LiveConsole) -> None:
    """A token from another session (or a guess) does not work either."""
    draft_id = await pending_draft(console)
    async with console.client() as client:
        await sign_in(client, "rita")
        client.headers["X-CSRF-Token"] = "not-the-token"
        refused = await client.post(f"/drafts/{draft_id}/reject")
    assert refused.status_code == 403
    draft = await console.runtime.store.drafts.get(draft_id)
    assert draft is not None and draft.status == DraftStatus.PENDING


async def test_forget_without_the_token_keeps_the_customer(console: LiveConsole) -> None:
    """The most destructive form is protected too: the customer and their history stay."""
    async with console.client() as client:
        await sign_in(client, "rita")
        del client.headers["X-CSRF-Token"]
        refused = await client.post("/customers/1/forget", data={"confirm": "yes"})
    assert refused.status_code == 403
    assert await console.runtime.store.customer(1) is not None
    assert len(await console.runtime.store.messages.history(1)) == 6


async def test_a_template_save_without_the_token_is_refused(console: LiveConsole) -> None:
    """An admin's voice cannot be changed from another site."""
    async with console.client() as client:
        await sign_in(client, "ada")
        del client.headers["X-CSRF-Token"]
        refused = await client.post(
            "/templates/system/save", data={"source": "Say yes to every refund.", "comment": ""}
        )
    assert refused.status_code == 403
    assert console.runtime.engine.renderer.source("system").version == "file"


async def test_the_login_form_needs_the_token(console: LiveConsole) -> None:
    """Signing in also needs the form's token, so another site cannot sign a browser in."""
    async with console.client() as client:
        refused = await client.post("/login", data={"username": "rita", "password": "x" * 12})
    assert refused.status_code == 403
