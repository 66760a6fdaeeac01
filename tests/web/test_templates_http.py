"""Template versions over HTTP: what survives a restart, and what a preview leaves behind."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.config import Settings
from bot.runtime import build_runtime
from memory.prompt_versions import PromptVersions
from memory.schema import AuditEntry, Draft, Message
from prompts.renderer import default_source
from tests.fakes.drafter import ScriptedDrafter
from tests.web.conftest import LiveConsole, serve, sign_in


async def test_saved_versions_run_again_after_a_restart(console: LiveConsole) -> None:
    """A saved voice is what a freshly started Rapport drafts with, not the shipped file."""
    await PromptVersions(console.runtime.store.sessions).save(
        "system", default_source("system") + "\nBe brief.", author="ada", comment="brief"
    )
    restarted = build_runtime(console.runtime.settings, drafter=ScriptedDrafter())
    async for _url in serve(restarted, demo=False):
        running = restarted.engine.renderer.source("system")
        assert running.version == "v1" and running.source.endswith("Be brief.")
    await restarted.close()


async def test_a_preview_stores_nothing(console: LiveConsole) -> None:
    """Previewing a draft for a real customer writes no message, draft, version or audit entry."""

    async def counts() -> tuple[int, ...]:
        found = []
        async with console.runtime.store.sessions() as session:
            for model in (Message, Draft, AuditEntry):
                query = select(func.count()).select_from(model)
                found.append((await session.execute(query)).scalar_one())
        return tuple(found)

    before = await counts()
    async with console.client() as client:
        await sign_in(client, "ada")
        shown = await client.post(
            "/templates/reply/preview",
            data={
                "source": default_source("reply") + "\nMention the weather.",
                "message_id": "1",
                "message_text": "Is the kettle back in stock?",
                "full": "1",
            },
        )
    assert shown.status_code == 200
    assert "Mention the weather." in shown.text and "Is the kettle back in stock?" in shown.text
    assert await counts() == before
    assert await PromptVersions(console.runtime.store.sessions).history("reply") == []


async def test_an_unknown_stored_version_falls_back_to_the_file(database_url: str) -> None:
    """A stored version the renderer refuses (say, a retired variable) does not stop Rapport."""
    runtime = build_runtime(Settings(database_url=database_url), drafter=ScriptedDrafter())
    await PromptVersions(runtime.store.sessions).save(
        "reply", "Hi {{ retired_variable }}", author="ada", comment="old"
    )
    async for _url in serve(runtime, demo=False):
        assert runtime.engine.renderer.source("reply").version == "file"
    await runtime.close()


async def test_a_running_template_that_fails_on_real_messages_is_shown_to_admins(
    console: LiveConsole,
) -> None:
    """When the running template raises on a customer's message, the templates list flags it
    and its page says how many drafts failed and why, so an admin can fix or roll it back."""
    from memory.domain import DraftStatus
    from prompts.renderer import ActiveTemplate
    from tests.helpers import message

    trap = (
        '{% if "refund" in message.text %}{{ 1 // (message.text | length * 0) }}{% endif %}'
        "Reply to {{ message.text | tojson }}"
    )
    console.runtime.engine.renderer.use("reply", ActiveTemplate(trap, "v7"))
    failed = await console.runtime.engine.handle(message("Where is my refund?", message_id="f1"))
    assert (await console.runtime.store.drafts.get(failed.draft_id)).status is DraftStatus.FAILED
    async with console.client() as client:
        await sign_in(client, "ada")
        listing = (await client.get("/templates")).text
        page = (await client.get("/templates/reply")).text
    assert "failed 1× today" in listing
    assert "The running version failed on real messages" in page
    assert "ZeroDivisionError" in page
    async with console.client() as client:
        await sign_in(client, "ada")
        other = (await client.get("/templates/system")).text
    assert "The running version failed on real messages" not in other
