"""`rapport knowledge`: add and sync a folder, list, search, remove; bad files named."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from handlers.cli import app

runner = CliRunner()


def _docs(root: Path) -> Path:
    docs = root / "docs"
    (docs / "guides").mkdir(parents=True)
    (docs / "shipping.md").write_text(
        "# Shipping\n\n## Delivery times\n\nOrders ship within two working days.\n", "utf-8"
    )
    (docs / "guides" / "pets.md").write_text(
        "# Your account\n\n## Adding a second pet\n\nOpen Account, choose Pets, then Add a pet.\n",
        "utf-8",
    )
    return docs


def test_add_then_search_shows_what_a_draft_would_be_given_with_its_link(tmp_path, sqlite_url):
    """After `add`, `search` returns the passage that answers, with its score, confidence,
    reason and public link."""
    docs = _docs(tmp_path)
    added = runner.invoke(
        app,
        [
            "knowledge",
            "add",
            str(docs),
            "--url-prefix",
            "https://help.example.com",
            "--database-url",
            sqlite_url,
        ],
    )
    assert added.exit_code == 0, added.stderr
    assert "docs: 2 added, 0 changed, 0 removed, 0 unchanged; 2 passages" in added.stdout
    found = runner.invoke(
        app,
        [
            "knowledge",
            "search",
            "how can I add a second pet?",
            "--json",
            "--database-url",
            sqlite_url,
        ],
    )
    assert found.exit_code == 0, found.stderr
    best = json.loads(found.stdout)[0]
    assert best["file"] == "guides/pets.md" and best["heading"] == "Adding a second pet"
    assert best["url"] == "https://help.example.com/guides/pets.html#adding-a-second-pet"
    assert best["confidence"] > 0.5 and "second" in best["reason"]


def test_adding_again_syncs_and_a_bad_file_is_named_without_losing_the_rest(tmp_path, sqlite_url):
    """Re-running `add` re-indexes a changed file, drops a deleted one, and names a binary
    file with its reason (exit 1) while the other files are indexed."""
    docs = _docs(tmp_path)
    runner.invoke(app, ["knowledge", "add", str(docs), "--database-url", sqlite_url])
    (docs / "shipping.md").write_text("# Shipping\n\n## Delivery times\n\nSame day.\n", "utf-8")
    (docs / "guides" / "pets.md").unlink()
    (docs / "logo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    again = runner.invoke(app, ["knowledge", "add", str(docs), "--database-url", sqlite_url])
    assert again.exit_code == 1
    assert "1 changed, 1 removed" in again.stdout
    assert "logo.md" in again.stderr
    listed = runner.invoke(app, ["knowledge", "list", "--json", "--database-url", sqlite_url])
    [source] = json.loads(listed.stdout)
    assert (source["name"], source["documents"], source["passages"]) == ("docs", 1, 1)


def test_remove_forgets_a_source_and_an_unknown_one_is_refused_by_name(tmp_path, sqlite_url):
    """`remove` takes the source's passages away; removing it again says what exists."""
    docs = _docs(tmp_path)
    runner.invoke(app, ["knowledge", "add", str(docs), "--database-url", sqlite_url])
    removed = runner.invoke(app, ["knowledge", "remove", "docs", "--database-url", sqlite_url])
    assert removed.exit_code == 0 and "2 passages" in removed.stdout
    missing = runner.invoke(app, ["knowledge", "remove", "docs", "--database-url", sqlite_url])
    assert missing.exit_code == 1 and "no knowledge source named 'docs'" in missing.stderr
