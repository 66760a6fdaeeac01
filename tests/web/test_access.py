"""Who may see and do what in the console, over HTTP, outside demo mode."""

from __future__ import annotations

from memory.domain import DraftStatus
from prompts.renderer import default_source
from tests.helpers import message
from tests.web.conftest import PASSWORD, LiveConsole, eventually, sign_in

PAGES = [
    "/",
    "/queue",
    "/customers",
    "/customers/1",
    "/customers/1/forget",
    "/customers/1/export",
    "/templates",
    "/templates/reply",
    "/activity",
    "/fragments/queue",
]


async def pending_draft(console: LiveConsole, text: str = "My order is late again") -> int:
    result = await console.runtime.engine.receive(message(text, user="lee", name="Lee Park"))
    draft_id = result.draft_id  # type: ignore[union-attr]

    async def ready() -> bool:
        draft = await console.runtime.store.drafts.get(draft_id)
        return draft is not None and draft.status == DraftStatus.PENDING

    await eventually(ready)
    return draft_id


async def test_no_page_works_without_a_login(console: LiveConsole) -> None:
    """Outside the demo, every console page sends a stranger to the sign-in form."""
    async with console.client() as client:
        for path in PAGES:
            page = await client.get(path, headers={"Accept": "text/html"})
            assert page.status_code == 303, path
            assert page.headers["location"].startswith("/login?next="), path


async def test_the_api_answers_401_without_a_login(console: LiveConsole) -> None:
    """Scripts get a plain 401, not a login page, and see no customer data."""
    async with console.client() as client:
        for path in ("/api/drafts", "/api/changes", "/api/customers/1"):
            answer = await client.get(path)
            assert answer.status_code == 401
            assert "Dana" not in answer.text


async def test_a_decision_without_a_login_changes_nothing(console: LiveConsole) -> None:
    """A POST from someone not signed in is refused and the draft stays pending."""
    draft_id = await pending_draft(console)
    async with console.client() as client:
        await client.get("/login")  # a session and its token, but no login
        refused = await client.post(f"/drafts/{draft_id}/approve")
    assert refused.status_code in (401, 403)
    draft = await console.runtime.store.drafts.get(draft_id)
    assert draft is not None and draft.status == DraftStatus.PENDING
    assert console.sender.sent == []


async def test_a_wrong_password_does_not_sign_in(console: LiveConsole) -> None:
    """A wrong password shows the form again with a plain message, and no page opens."""
    async with console.client() as client:
        form = await client.get("/login")
        token = form.text.split('name="csrf-token" content="')[1].split('"')[0]
        answer = await client.post(
            "/login", data={"username": "rita", "password": "wrong", "csrf_token": token}
        )
        assert answer.status_code == 401
        assert "do not match" in answer.text
        assert (await client.get("/queue", headers={"Accept": "text/html"})).status_code == 303


async def test_a_rep_reviews_and_the_decision_names_them(console: LiveConsole) -> None:
    """A signed-in rep approves a draft; the reply is sent and the draft records who did it."""
    draft_id = await pending_draft(console)
    async with console.client() as client:
        await sign_in(client, "rita")
        assert (await client.get("/queue")).status_code == 200
        approved = await client.post(f"/drafts/{draft_id}/approve")
    assert approved.status_code == 303
    draft = await console.runtime.store.drafts.get(draft_id)
    assert draft is not None and draft.status == DraftStatus.SENT
    assert draft.decided_by == "rita (web)"
    assert [text for _, text in console.sender.sent] == [draft.final_text]


async def test_a_rep_cannot_see_or_edit_templates(console: LiveConsole) -> None:
    """Templates are for admins: a rep gets 403 and the running voice does not change."""
    async with console.client() as client:
        await sign_in(client, "rita")
        assert (await client.get("/templates")).status_code == 403
        assert (await client.get("/templates/system")).status_code == 403
        saved = await client.post(
            "/templates/system/save", data={"source": "Be rude.", "comment": "mine now"}
        )
        rollback = await client.post("/templates/system/activate", data={"version": "file"})
        queue = await client.get("/queue")
    assert saved.status_code == 403 and rollback.status_code == 403
    assert "Prompt templates" not in queue.text  # not even offered in the menu
    renderer = console.runtime.engine.renderer
    assert renderer.source("system").source == default_source("system")
    assert await _versions(console) == 0


async def test_an_admin_save_reaches_the_next_draft(console: LiveConsole) -> None:
    """An admin saves a template; the next draft uses it and records its version."""
    async with console.client() as client:
        await sign_in(client, "ada")
        source = default_source("reply") + "\nKeep it short."
        saved = await client.post(
            "/templates/reply/save", data={"source": source, "comment": "shorter"}
        )
    assert saved.status_code == 303
    draft_id = await pending_draft(console, "Is the shop open Sunday?")
    draft = await console.runtime.store.drafts.get(draft_id)
    assert draft is not None and "reply@v1" in (draft.prompt_version or "")


async def test_a_removed_login_stops_working_at_once(console: LiveConsole) -> None:
    """Removing a login ends its session on the next click, without waiting for the cookie."""
    from memory.users import UserDirectory

    async with console.client() as client:
        await sign_in(client, "rita")
        await UserDirectory(console.runtime.store.sessions).remove("rita", actor="test")
        page = await client.get("/queue", headers={"Accept": "text/html"})
    assert page.status_code == 303


async def test_operators_read_health_and_metrics_without_a_login(console: LiveConsole) -> None:
    """/healthz and /metrics need no login and carry counts only, never customer names."""
    await pending_draft(console)
    async with console.client() as client:
        health = await client.get("/healthz")
        metrics = await client.get("/metrics")
    assert health.json() == {"status": "ok"}
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'rapport_drafts{status="pending"} 1.0' in metrics.text
    assert 'rapport_messages_total{direction="in",platform="web"}' in metrics.text
    assert "rapport_drafts_waiting 1.0" in metrics.text
    assert "Dana" not in metrics.text and "Lee" not in metrics.text


async def test_signing_out_ends_the_session(console: LiveConsole) -> None:
    """After Log out, the pages ask for a login again."""
    async with console.client() as client:
        await sign_in(client, "ada", PASSWORD)
        assert (await client.post("/logout")).status_code == 303
        assert (await client.get("/activity", headers={"Accept": "text/html"})).status_code == 303


async def _versions(console: LiveConsole) -> int:
    from memory.prompt_versions import PromptVersions

    history = await PromptVersions(console.runtime.store.sessions).history("system")
    return len(history)
