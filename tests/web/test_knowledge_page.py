"""The console's Knowledge page: what drafts answer from, and where a citation links."""

from __future__ import annotations

from tests.knowledge.docs import PETS, SHIPPING
from tests.web.conftest import LiveConsole, sign_in


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
