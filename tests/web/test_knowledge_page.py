"""The console's Knowledge page: what drafts answer from, and where a citation links;
admins sync a source again or upload files into one from here."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.reader import read_source
from tests.knowledge.docs import PETS, SHIPPING
from tests.web.conftest import LiveConsole, sign_in

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


async def test_reps_see_the_sources_and_a_citation_lands_on_its_section(
    console: LiveConsole,
) -> None:
    """The Knowledge page lists each source's files; a document's page shows every section
    under its anchor, which is where a card's source link points."""
    await console.runtime.store.knowledge.sync("help", "/srv/help", [SHIPPING, PETS])
    async with console.client() as client:
        await sign_in(client, "rita")
        listing = await client.get("/knowledge")
        page = await client.get("/knowledge/help/account/pets.html")
        missing = await client.get("/knowledge/help/nothing.html")
    assert listing.status_code == 200
    assert "account/pets.md" in listing.text and "shipping.md" in listing.text
    assert page.status_code == 200
    assert 'id="adding-a-second-pet"' in page.text
    assert "Open Account, choose Pets, then Add a pet." in page.text
    assert missing.status_code == 404


async def test_an_admin_resyncs_a_changed_folder_and_sees_the_new_passage(
    console: LiveConsole, tmp_path: Path
) -> None:
    """After someone edits the docs folder, an admin presses "Sync help now": the page says
    what changed, and the new section is on the document's page."""
    folder = tmp_path / "help"
    folder.mkdir()
    faq = folder / "faq.md"
    faq.write_text("# FAQ\n\n## Parking\n\nPark behind the shop.\n", encoding="utf-8")
    read = read_source(folder)
    await console.runtime.store.knowledge.sync("help", str(folder), read.documents)
    faq.write_text(
        "# FAQ\n\n## Parking\n\nPark behind the shop.\n\n"
        "## Gift wrapping\n\nWe wrap any order in recycled paper for free.\n",
        encoding="utf-8",
    )
    async with console.client() as client:
        await sign_in(client, "ada")
        before = await client.get("/knowledge/help/faq.md")
        synced = await client.post("/knowledge/sync", data={"source": "help"})
        listing = await client.get("/knowledge")
        after = await client.get("/knowledge/help/faq.md")
    assert "We wrap any order" not in before.text
    assert synced.status_code == 303
    assert "Synced help: 0 added, 1 changed, 0 removed, 0 unchanged" in listing.text
    assert after.status_code == 200
    assert 'id="gift-wrapping"' in after.text
    assert "We wrap any order in recycled paper for free." in after.text


async def test_an_uploaded_markdown_file_is_searchable_and_shown(
    console: LiveConsole, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin uploads a Markdown file: it is kept in the uploads folder, listed under its
    source, its section is on its page, and a draft's search finds it."""
    monkeypatch.chdir(tmp_path)  # PostgreSQL: uploads go under the working folder
    text = b"# Returns\n\n## Returning a gift\n\nGifts can be returned within 60 days.\n"
    async with console.client() as client:
        await sign_in(client, "ada")
        uploaded = await client.post(
            "/knowledge/upload",
            data={"source": "uploads"},
            files=[("files", ("returns.md", text, "text/markdown"))],
        )
        listing = await client.get("/knowledge")
        page = await client.get("/knowledge/uploads/returns.md")
    assert uploaded.status_code == 303
    assert "Synced uploads: 1 added" in listing.text
    assert 'href="/knowledge/uploads/returns.md"' in listing.text
    assert "Gifts can be returned within 60 days." in page.text
    [source] = [s for s in await console.runtime.store.knowledge.sources() if s.name == "uploads"]
    assert (Path(source.root) / "returns.md").read_bytes() == text
    index = KnowledgeIndex(await console.runtime.store.knowledge.passages())
    [best] = index.search("how long do I have to return a gift?", k=1)
    assert best.passage.heading == "Returning a gift"


async def test_a_binary_upload_is_refused_by_name_and_nothing_is_indexed(
    console: LiveConsole, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A screenshot saved as .md and a PDF are each refused by name; no source appears and
    nothing is written."""
    monkeypatch.chdir(tmp_path)
    async with console.client() as client:
        await sign_in(client, "ada")
        uploaded = await client.post(
            "/knowledge/upload",
            data={"source": "uploads"},
            files=[
                ("files", ("screenshot.md", PNG, "text/markdown")),
                ("files", ("manual.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf")),
            ],
        )
        listing = await client.get("/knowledge")
    assert uploaded.status_code == 303
    assert "Refused screenshot.md" in listing.text
    assert "Refused manual.pdf" in listing.text
    assert "Nothing was uploaded to uploads." in listing.text
    assert await console.runtime.store.knowledge.sources() == []
    assert await console.runtime.store.knowledge.passages(source="uploads") == []
    written = {p.name for p in await asyncio.to_thread(lambda: list(tmp_path.rglob("*")))}
    assert "screenshot.md" not in written and "manual.pdf" not in written


async def test_a_rep_sees_no_forms_and_cannot_sync_or_upload(
    console: LiveConsole, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reps read the Knowledge page but get 403 when they try to sync or upload."""
    monkeypatch.chdir(tmp_path)
    await console.runtime.store.knowledge.sync("help", str(tmp_path), [SHIPPING])
    async with console.client() as client:
        await sign_in(client, "rita")
        listing = await client.get("/knowledge")
        synced = await client.post("/knowledge/sync", data={"source": "help"})
        uploaded = await client.post(
            "/knowledge/upload",
            files=[("files", ("faq.md", b"# FAQ\n\nHello.\n", "text/markdown"))],
        )
    assert listing.status_code == 200 and "shipping.md" in listing.text
    assert "/knowledge/sync" not in listing.text and "/knowledge/upload" not in listing.text
    assert synced.status_code == 403
    assert uploaded.status_code == 403
    [help_] = await console.runtime.store.knowledge.sources()
    assert help_.documents == 1
    assert not (tmp_path / "knowledge-uploads").exists()


async def test_an_admin_form_without_the_csrf_token_is_refused(console: LiveConsole) -> None:
    """A page on another site cannot make an admin's browser upload or sync."""
    async with console.client() as client:
        await sign_in(client, "ada")
        del client.headers["X-CSRF-Token"]
        uploaded = await client.post(
            "/knowledge/upload",
            files=[("files", ("faq.md", b"# FAQ\n\nHello.\n", "text/markdown"))],
        )
        synced = await client.post("/knowledge/sync", data={"source": "help"})
    assert uploaded.status_code == 403
    assert synced.status_code == 403
    assert await console.runtime.store.knowledge.sources() == []
