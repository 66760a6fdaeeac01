"""Knowledge sources in the database: syncing by content hash, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from memory.domain.knowledge import ReadProblem
from memory.knowledge import UnknownSource
from tests.knowledge.docs import PETS, SHIPPING, doc


async def test_adding_again_reindexes_only_what_changed_and_drops_what_is_gone(runtime):
    """A second sync leaves unchanged files alone, re-indexes a changed one and removes a
    deleted one with its passages."""
    knowledge = runtime.store.knowledge
    first = await knowledge.sync("help", "/docs", [SHIPPING, PETS], url_prefix="https://x.test")
    assert sorted(first.added) == ["account/pets.md", "shipping.md"] and first.passages == 4
    shipping_v2 = doc(
        "shipping.md", "Shipping and delivery", {"Delivery times": "Orders ship the same day."}
    )
    second = await knowledge.sync("help", "/docs", [shipping_v2])
    assert second.changed == ["shipping.md"] and second.removed == ["account/pets.md"]
    assert second.passages == 1
    [passage] = await knowledge.passages()
    assert passage.text == "Orders ship the same day."
    assert passage.url == "https://x.test/shipping.html#delivery-times"
    third = await knowledge.sync("help", "/docs", [shipping_v2])
    assert third.unchanged == 1 and not (third.added or third.changed or third.removed)


async def test_a_file_that_cannot_be_read_keeps_what_was_indexed_before(runtime):
    """A file that turned unreadable (a half-written export) is reported and keeps its
    previous passages; the rest of the sync completes."""
    knowledge = runtime.store.knowledge
    await knowledge.sync("help", "/docs", [SHIPPING, PETS])
    report = await knowledge.sync(
        "help", "/docs", [SHIPPING], [ReadProblem("account/pets.md", "not UTF-8 text")]
    )
    assert report.removed == [] and report.passages == 4
    assert report.problems[0].path == "account/pets.md"


async def test_removing_a_source_removes_its_passages_and_names_the_known_ones(runtime):
    """`rapport knowledge remove` takes a source's passages away; an unknown name says which
    sources exist."""
    knowledge = runtime.store.knowledge
    await knowledge.sync("help", "/docs", [SHIPPING])
    await knowledge.sync("faq", "/faq", [PETS])
    assert await knowledge.remove("help") == 2
    assert {p.file for p in await knowledge.passages()} == {"account/pets.md"}
    with pytest.raises(UnknownSource, match="known: faq"):
        await knowledge.remove("help")
    [faq] = await knowledge.sources()
    assert (faq.name, faq.documents, faq.passages) == ("faq", 1, 2)


async def test_a_folder_that_cannot_be_read_keeps_the_documents_indexed_under_it(runtime):
    """When a subfolder turns unreadable, its files keep their passages: only files that are
    really gone are removed."""
    knowledge = runtime.store.knowledge
    await knowledge.sync("help", "/docs", [SHIPPING, PETS])
    report = await knowledge.sync(
        "help", "/docs", [SHIPPING], [ReadProblem("account", "permission denied")]
    )
    assert report.removed == [] and report.passages == 4
