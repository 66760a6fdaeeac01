"""Reading help docs from disk: what a person adding a folder of docs would notice."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import reader
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.reader import (
    MAX_PIECE_CHARS,
    ReadResult,
    parse_html,
    parse_markdown,
    read_source,
    split_text,
)
from memory.domain.knowledge import Document, Passage, PassageKind, ReadProblem, Section

SAMPLE_DOCS = Path(reader.__file__).parent / "sample_docs"

RETURNS = """\
# Returns and refunds

Changed your mind? Here is how returns work.

## How to return an item

1. Open **Account › Orders**.
2. Choose [Return items](https://example.com/returns).

### Drop-off points

Any parcel shop will take it.
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def only_document(result: ReadResult) -> Document:
    assert result.problems == []
    assert len(result.documents) == 1
    return result.documents[0]


def problem_for(result: ReadResult, path: str) -> ReadProblem:
    found = [p for p in result.problems if p.path == path]
    assert found, f"no problem for {path}: {result.problems}"
    return found[0]


def by_heading(document: Document, heading: str) -> Section:
    return next(s for s in document.sections if s.heading == heading)


# Markdown


def test_a_section_keeps_its_heading_path_and_anchor(tmp_path: Path) -> None:
    """A section keeps its heading path and anchor, so a citation can link to it."""
    document = only_document(read_source(write(tmp_path / "returns.md", RETURNS)))
    section = by_heading(document, "Drop-off points")
    assert section.heading_path == (
        "Returns and refunds",
        "How to return an item",
        "Drop-off points",
    )
    assert section.anchor == "drop-off-points"
    assert section.text == "Any parcel shop will take it."
    assert by_heading(document, "Returns and refunds").anchor == "returns-and-refunds"


def test_the_title_is_the_first_h1_else_the_file_name(tmp_path: Path) -> None:
    """A document is titled by its first H1, or by its file name when it has none."""
    write(tmp_path / "returns.md", RETURNS)
    write(tmp_path / "late-parcels.md", "## Tracking\n\nUse the tracking link.\n")
    titles = {d.path: d.title for d in read_source(tmp_path).documents}
    assert titles == {"late-parcels.md": "late-parcels", "returns.md": "Returns and refunds"}


def test_text_before_the_first_heading_is_a_section_without_heading(tmp_path: Path) -> None:
    """An intro before any heading is indexed too, cited by the file alone."""
    document = only_document(
        read_source(write(tmp_path / "faq.md", "Read this first.\n\n## Billing\n\nMonthly.\n"))
    )
    intro = document.sections[0]
    assert (intro.heading, intro.heading_path, intro.anchor) == ("", (), "")
    assert intro.text == "Read this first."


def test_repeated_headings_get_numbered_anchors(tmp_path: Path) -> None:
    """Two sections with the same heading link to different places (GitHub's -1, -2)."""
    text = "# Kettle\n\n## Steps\n\none\n\n## Steps\n\ntwo\n\n## Steps\n\nthree\n"
    document = only_document(read_source(write(tmp_path / "kettle.md", text)))
    assert [s.anchor for s in document.sections] == ["steps", "steps-1", "steps-2"]


def test_anchors_are_github_slugs_and_explicit_ids_win(tmp_path: Path) -> None:
    """Anchors match GitHub's (punctuation dropped), and a '{#id}' the author gave is used."""
    text = "## Returns & refunds: what's covered?\n\nAll.\n\n## Pause {#pausing}\n\nYes.\n"
    document = only_document(read_source(write(tmp_path / "a.md", text)))
    assert [s.anchor for s in document.sections] == ["returns--refunds-whats-covered", "pausing"]
    assert document.sections[1].heading == "Pause"


def test_hash_lines_inside_code_fences_are_not_headings(tmp_path: Path) -> None:
    """A '# comment' in a code block stays code, in its section, exactly as written."""
    text = (
        "# Setup\n\nRun:\n\n```bash\n# install it\npip install  x\n```\n\n~~~\n## not either\n~~~\n"
    )
    document = only_document(read_source(write(tmp_path / "setup.md", text)))
    assert [s.heading for s in document.sections] == ["Setup"]
    assert document.sections[0].text == "Run:\n\n# install it\npip install  x\n\n## not either"


def test_setext_headings_are_headings(tmp_path: Path) -> None:
    """Headings underlined with === and --- cut sections like '#' headings."""
    text = "Shipping\n========\n\nFast.\n\nCosts\n-----\n\nFree over €49.\n"
    document = only_document(read_source(write(tmp_path / "ship.md", text)))
    assert document.title == "Shipping"
    assert by_heading(document, "Costs").heading_path == ("Shipping", "Costs")


def test_markdown_syntax_becomes_readable_text(tmp_path: Path) -> None:
    """Links read as their labels, emphasis as words, images vanish, list items stay lines."""
    text = (
        "# Help\n\nSee the **[returns page](https://x.example/r)** for _details_.\n"
        "This line was\nwrapped. ![logo](logo.png)\n\n"
        "* first `snake_case *literal*`\n* second\n\n| Part | Price |\n|---|---:|\n| Lid | €12 |\n"
    )
    document = only_document(read_source(write(tmp_path / "help.md", text)))
    assert document.sections[0].text == (
        "See the returns page for details. This line was wrapped.\n\n"
        "- first snake_case *literal*\n- second\n\nPart | Price\nLid | €12"
    )


def test_the_last_line_of_a_file_without_a_final_newline_is_kept(tmp_path: Path) -> None:
    """A file that ends mid-line (no trailing newline) loses nothing."""
    document = only_document(read_source(write(tmp_path / "a.md", "# A\n\nFirst.\n\nLast line")))
    assert document.sections[0].text == "First.\n\nLast line"


def test_nested_list_items_keep_their_indentation(tmp_path: Path) -> None:
    """Sub-steps stay visibly under their step, one per line."""
    text = "# Reset\n\n1. Hold the button\n   - for 10 seconds\n2. Release it\n"
    document = only_document(read_source(write(tmp_path / "reset.md", text)))
    assert document.sections[0].text == "1. Hold the button\n   - for 10 seconds\n2. Release it"


def test_a_heading_directly_over_a_subheading_is_not_a_passage(tmp_path: Path) -> None:
    """A heading with no text of its own adds no empty passage; it stays in the path."""
    text = "# Router\n\n## Problems\n\n### Drops\n\nUpdate the firmware.\n"
    document = only_document(read_source(write(tmp_path / "router.md", text)))
    assert [s.heading_path for s in document.sections] == [("Router", "Problems", "Drops")]


def test_front_matter_is_not_text_and_gives_the_title(tmp_path: Path) -> None:
    """A docs-site export's YAML front matter is skipped; its title names the document."""
    text = '---\ntitle: "Billing FAQ"\nsidebar: 2\n---\n\n## Invoices\n\nUnder Account.\n'
    document = only_document(read_source(write(tmp_path / "billing.md", text)))
    assert document.title == "Billing FAQ"
    assert [s.text for s in document.sections] == ["Under Account."]


def test_a_leading_horizontal_rule_is_not_front_matter(tmp_path: Path) -> None:
    """A file that starts with '---' as a rule keeps its text; only "key:" blocks are skipped."""
    text = "---\n\nWelcome.\n\n---\n\nMore.\n"
    document = only_document(read_source(write(tmp_path / "a.md", text)))
    assert document.sections[0].text == "Welcome.\n\nMore."


def test_windows_line_endings_read_like_any_other(tmp_path: Path) -> None:
    """A file saved on Windows (CRLF) gives the same sections, with no stray '\\r'."""
    document = only_document(read_source(write(tmp_path / "r.md", RETURNS.replace("\n", "\r\n"))))
    assert "\r" not in "".join(s.text + s.heading for s in document.sections)
    assert by_heading(document, "Drop-off points").anchor == "drop-off-points"


# Long sections


def test_a_long_section_is_split_into_pieces_that_each_keep_the_heading(tmp_path: Path) -> None:
    """A long section becomes numbered pieces, each citing the same heading and anchor."""
    often = " ".join(["The kettle needs descaling often."] * 12)
    paragraphs = [f"Paragraph {n}. {often}" for n in range(8)]
    text = "# Kettle\n\n## Descaling\n\n" + "\n\n".join(paragraphs) + "\n"
    document = only_document(read_source(write(tmp_path / "kettle.md", text)))
    pieces = [s for s in document.sections if s.heading == "Descaling"]
    assert len(pieces) > 1
    assert [p.piece for p in pieces] == list(range(len(pieces)))
    assert {(p.heading_path, p.anchor) for p in pieces} == {(("Kettle", "Descaling"), "descaling")}
    assert all(len(p.text) <= MAX_PIECE_CHARS for p in pieces)
    assert all(p.text.startswith("Paragraph") for p in pieces)  # cut between paragraphs
    assert "\n\n".join(p.text for p in pieces) == "\n\n".join(paragraphs)


def test_a_paragraph_longer_than_a_piece_is_cut_between_sentences() -> None:
    """One huge paragraph is cut at sentence ends, never in the middle of a word."""
    sentences = [f"Sentence number {n} says something useful." for n in range(100)]
    pieces = split_text(" ".join(sentences))
    assert len(pieces) > 1
    assert all(len(p) <= MAX_PIECE_CHARS and p.endswith("useful.") for p in pieces)
    assert " ".join(pieces) == " ".join(sentences)


def test_a_word_longer_than_a_piece_is_cut_where_it_must() -> None:
    """A pasted URL or token longer than a piece still fits, cut into whole-size parts."""
    pieces = split_text("see " + "x" * 3000)
    assert [len(p) for p in pieces] == [3, MAX_PIECE_CHARS, MAX_PIECE_CHARS, 600]


# HTML


def test_html_sections_follow_headings_and_skip_page_chrome(tmp_path: Path) -> None:
    """An HTML page is cut under its h1..h6; menus, footers and scripts are not text."""
    page = """<html><head><title>Help</title><style>p { color: red }</style></head><body>
    <nav><a href="/">Home</a> <a href="/docs">Docs</a></nav>
    <main><h1>Shipping</h1><p>We ship <b>every</b> day.</p>
    <h2 id="costs-eu">Costs</h2><ul><li>Standard: €4.90</li><li>Express: €9.90</li></ul>
    <script>track("view")</script></main><footer>© 2026</footer></body></html>"""
    document = only_document(read_source(write(tmp_path / "shipping.html", page)))
    assert document.title == "Shipping"
    assert [(s.heading_path, s.anchor, s.text) for s in document.sections] == [
        (("Shipping",), "shipping", "We ship every day."),
        (("Shipping", "Costs"), "costs-eu", "- Standard: €4.90\n- Express: €9.90"),
    ]


def test_html_list_items_keep_their_bullets_when_wrapped_in_paragraphs() -> None:
    """Docs generators' loose lists (<li><p>…) still read as bulleted lines."""
    _, sections = parse_html("<h2>Steps</h2><ol><li><p>Unplug it</p></li><li>Wait</li></ol>", "s")
    assert sections[0].text == "- Unplug it\n\n- Wait"


def test_broken_html_still_yields_its_text_under_its_headings(tmp_path: Path) -> None:
    """Unclosed tags, stray end tags and junk still give the page's text, under its headings."""
    page = (
        "<h1>Returns<h2>Window</h2><p>30 days<div><p>Keep the box</span></i>\n"
        "<h2>Refunds<p>In 3 days"
    )
    document = only_document(read_source(write(tmp_path / "returns.htm", page)))
    assert [(s.heading_path, s.text) for s in document.sections] == [
        (("Returns", "Window"), "30 days\n\nKeep the box"),
        (("Returns", "Refunds"), "In 3 days"),
    ]


def test_html_the_standard_parser_chokes_on_still_gives_text() -> None:
    """Markup that trips Python's HTML parser (Word's '<![if …]>') is read, not a crash."""
    title, sections = parse_html("<h2>Care</h2><![if !vml]><p>Wipe it clean.<![endif]>", "care")
    assert title == "care"
    assert [s.heading for s in sections] == ["Care"]
    assert "Wipe it clean." in sections[0].text


def test_an_unclosed_nav_does_not_hide_the_page() -> None:
    """A page whose menu is never closed still gives its text rather than nothing."""
    title, sections = parse_html("<nav><a>Home</a><h1>Billing</h1><p>Invoices monthly.", "b")
    assert title == "Billing"
    assert by_heading(Document("b", "", title, tuple(sections)), "Billing").text == (
        "Invoices monthly."
    )


def test_a_heading_link_marker_is_not_part_of_the_heading() -> None:
    """Docs generators' '¶' links are dropped from headings, and their target is the anchor."""
    page = '<h2>Pausing<a class="headerlink" href="#pause-plan">¶</a></h2><p>Up to 3 months.</p>'
    _, sections = parse_html(page, "plans")
    assert (sections[0].heading, sections[0].anchor) == ("Pausing", "pause-plan")


# Plain text


def test_a_text_file_is_one_section_titled_by_its_name(tmp_path: Path) -> None:
    """A .txt file is read whole, titled by its file name, with no made-up heading."""
    document = only_document(read_source(write(tmp_path / "opening-hours.txt", "Mon-Fri 8-18.\n")))
    assert document.title == "opening-hours"
    assert document.sections == (Section("", (), "", "Mon-Fri 8-18.", 0),)


# Folders


def test_a_folder_is_read_recursively_in_order_with_relative_paths(tmp_path: Path) -> None:
    """Every doc under the folder is read, in sorted order, named by its path inside it."""
    write(tmp_path / "b.md", "# B\n\nb\n")
    write(tmp_path / "a.txt", "a\n")
    write(tmp_path / "guides" / "setup.html", "<h1>Setup</h1><p>s</p>")
    write(tmp_path / "guides" / "deep" / "faq.markdown", "# FAQ\n\nf\n")
    result = read_source(tmp_path)
    assert result.problems == []
    assert [d.path for d in result.documents] == [
        "a.txt",
        "b.md",
        "guides/deep/faq.markdown",
        "guides/setup.html",
    ]


def test_hidden_files_are_ignored_and_other_types_passed_over(tmp_path: Path) -> None:
    """'.git' and other hidden files are never read; images are listed as skipped, no error."""
    write(tmp_path / "faq.md", "# FAQ\n\nYes.\n")
    write(tmp_path / ".git" / "notes.md", "# secret\n\nno\n")
    write(tmp_path / ".draft.md", "# draft\n\nno\n")
    write(tmp_path / "img" / "logo.png", b"\x89PNG\r\n\x1a\n")
    result = read_source(tmp_path)
    assert [d.path for d in result.documents] == ["faq.md"]
    assert result.problems == []
    assert result.skipped == ["img/logo.png"]


def test_a_single_file_is_named_by_its_file_name(tmp_path: Path) -> None:
    """Adding one file names its document by the file's name, not its full path."""
    document = only_document(read_source(write(tmp_path / "docs" / "faq.md", "# FAQ\n\nYes.\n")))
    assert document.path == "faq.md"


def test_the_content_hash_is_the_sha256_of_the_file(tmp_path: Path) -> None:
    """An unchanged file has the same hash, so re-adding a folder skips it."""
    path = write(tmp_path / "faq.md", RETURNS)
    document = only_document(read_source(path))
    assert document.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


# Bad input


def test_a_50_mb_file_is_refused_by_name_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A huge file is refused by its size before it is opened; the other files are read."""
    write(tmp_path / "faq.md", "# FAQ\n\nYes.\n")
    with (tmp_path / "export.md").open("wb") as huge:
        huge.truncate(50 * 1024 * 1024)  # sparse: takes no disk and no time
    opened: list[str] = []
    real_open = Path.open

    def tracking_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", tracking_open)
    result = read_source(tmp_path)
    assert [d.path for d in result.documents] == ["faq.md"]
    assert "50.0 MB" in problem_for(result, "export.md").reason
    assert "5 MB" in problem_for(result, "export.md").reason
    assert "export.md" not in opened


def test_a_binary_file_named_md_is_refused_and_the_others_are_read(tmp_path: Path) -> None:
    """An image saved with a .md name is refused as what it is; the rest of the folder is read."""
    write(tmp_path / "a.md", "# A\n\na\n")
    write(tmp_path / "photo.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(tmp_path / "z.md", "# Z\n\nz\n")
    result = read_source(tmp_path)
    assert [d.path for d in result.documents] == ["a.md", "z.md"]
    assert problem_for(result, "photo.md").reason.startswith("a PNG image, not text")


def test_text_that_starts_like_an_image_header_is_still_text(tmp_path: Path) -> None:
    """Only files that are not text are named as images: 'GIF89a…' in a note is read."""
    document = only_document(read_source(write(tmp_path / "gif.txt", "GIF89a is a format.\n")))
    assert document.sections[0].text == "GIF89a is a format."


def test_a_file_with_nul_bytes_is_refused_as_binary(tmp_path: Path) -> None:
    """A file with NUL bytes in its first 8 KB is binary, whatever its name says."""
    result = read_source(write(tmp_path / "data.txt", b"text\x00\x01\x02more"))
    assert result.documents == []
    assert "binary" in problem_for(result, "data.txt").reason


def test_a_non_utf8_file_is_refused_with_the_byte_and_offset(tmp_path: Path) -> None:
    """A Latin-1 file is refused, saying where, rather than read with guessed characters."""
    result = read_source(write(tmp_path / "café.md", "# Café\n\nPrix: 5 €".encode("cp1252")))
    assert result.documents == []
    assert problem_for(result, "café.md").reason == (
        "not UTF-8 text (byte 0xe9 at offset 5): save it as UTF-8"
    )


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """A UTF-8 file saved with a BOM (Notepad does) reads as text, BOM not in the title."""
    document = only_document(
        read_source(write(tmp_path / "a.md", "\ufeff# Café\n\nOui.\n".encode()))
    )
    assert document.title == "Café"


def test_a_utf16_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """A UTF-16 file ("Unicode" in Windows) is named as such, not called binary."""
    result = read_source(write(tmp_path / "a.txt", "hello".encode("utf-16")))
    assert problem_for(result, "a.txt").reason == "UTF-16 text: save it as UTF-8"


def test_an_empty_file_is_a_problem(tmp_path: Path) -> None:
    """An empty (or blank) file is reported, so nobody wonders why it is never cited."""
    write(tmp_path / "empty.md", "")
    write(tmp_path / "blank.txt", "\n  \n")
    result = read_source(tmp_path)
    assert result.documents == []
    assert {p.path for p in result.problems} == {"empty.md", "blank.txt"}
    assert all(p.reason.startswith("empty") for p in result.problems)


def test_a_file_with_only_headings_is_a_problem(tmp_path: Path) -> None:
    """A file whose headings have no text under them has nothing to cite, and says so."""
    result = read_source(write(tmp_path / "todo.md", "# TODO\n\n## Later\n"))
    assert result.documents == []
    assert "no text" in problem_for(result, "todo.md").reason


def test_an_empty_folder_says_nothing_was_found(tmp_path: Path) -> None:
    """Adding an empty folder says nothing was found in it, rather than silently nothing."""
    folder = tmp_path / "docs"
    folder.mkdir()
    result = read_source(folder)
    assert result.problems == [
        ReadProblem(str(folder), f"no Markdown, HTML or text files found in {folder}")
    ]


def test_a_folder_of_images_says_nothing_was_found_and_how_many_were_skipped(
    tmp_path: Path,
) -> None:
    """A folder with only other file types says none were docs, and that it saw them."""
    write(tmp_path / "a.png", b"\x89PNG")
    write(tmp_path / "b.pdf", b"%PDF")
    result = read_source(tmp_path)
    assert "passed over 2 other file(s)" in problem_for(result, str(tmp_path)).reason


def test_a_path_that_does_not_exist_is_a_problem(tmp_path: Path) -> None:
    """A mistyped path is reported by the path as typed."""
    missing = tmp_path / "no-such-docs"
    result = read_source(missing)
    assert result.documents == []
    assert problem_for(result, str(missing)).reason.startswith("not found")


def test_a_named_file_of_another_type_is_a_problem(tmp_path: Path) -> None:
    """Naming a PDF directly says it is not a supported type, instead of skipping it."""
    result = read_source(write(tmp_path / "manual.pdf", b"%PDF-1.7"))
    assert problem_for(result, "manual.pdf").reason == "not a Markdown, HTML or text file (.pdf)"


def test_an_unreadable_file_is_reported_and_the_rest_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the bot may not read is reported as a permission problem; others still count."""
    write(tmp_path / "a.md", "# A\n\na\n")
    write(tmp_path / "secret.md", "# S\n\ns\n")
    real_open = Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "secret.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    result = read_source(tmp_path)
    assert [d.path for d in result.documents] == ["a.md"]
    assert problem_for(result, "secret.md").reason.startswith("permission denied")


def test_an_unlistable_folder_is_reported_and_the_rest_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subfolder the bot may not open is reported by name; the walk carries on."""
    write(tmp_path / "a.md", "# A\n\na\n")
    write(tmp_path / "private" / "b.md", "# B\n\nb\n")
    real_scandir = os.scandir

    def guarded_scandir(path: Path) -> Any:
        if Path(path).name == "private":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded_scandir)
    result = read_source(tmp_path)
    assert [d.path for d in result.documents] == ["a.md"]
    assert "cannot list this folder" in problem_for(result, "private").reason


# Symbolic links


def test_a_symlink_loop_is_reported_and_the_walk_finishes(tmp_path: Path) -> None:
    """Links that loop (to a folder above, or to each other) are reported, and the walk ends."""
    write(tmp_path / "a.md", "# A\n\na\n")
    write(tmp_path / "sub" / "b.md", "# B\n\nb\n")
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "ping.md").symlink_to(tmp_path / "pong.md")
    (tmp_path / "pong.md").symlink_to(tmp_path / "ping.md")
    result = read_source(tmp_path)
    assert [d.path for d in result.documents] == ["a.md", "sub/b.md"]
    assert {p.path for p in result.problems} == {"ping.md", "pong.md", "sub/up"}
    assert all("loop" in p.reason for p in result.problems)


def test_a_symlink_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    """A link to a file outside the added folder is reported and never read."""
    write(tmp_path / "outside" / "passwords.txt", "hunter2\n")
    docs = tmp_path / "docs"
    write(docs / "a.md", "# A\n\na\n")
    (docs / "leak.txt").symlink_to(tmp_path / "outside" / "passwords.txt")
    result = read_source(docs)
    assert [d.path for d in result.documents] == ["a.md"]
    assert "outside" in problem_for(result, "leak.txt").reason


def test_a_symlink_inside_the_folder_does_not_index_a_file_twice(tmp_path: Path) -> None:
    """A link to a doc the walk reads anyway is skipped, so no passage appears twice."""
    write(tmp_path / "v2" / "faq.md", "# FAQ\n\nYes.\n")
    (tmp_path / "latest").symlink_to(tmp_path / "v2", target_is_directory=True)
    result = read_source(tmp_path)
    assert [d.path for d in result.documents] == ["v2/faq.md"]
    assert result.problems == []
    assert result.skipped == ["latest"]


def test_a_broken_symlink_is_reported(tmp_path: Path) -> None:
    """A link whose target was deleted is reported, not silently ignored."""
    write(tmp_path / "a.md", "# A\n\na\n")
    (tmp_path / "gone.md").symlink_to(tmp_path / "deleted.md")
    result = read_source(tmp_path)
    assert "broken" in problem_for(result, "gone.md").reason


# Speed and the sample docs


def test_reading_is_far_below_the_indexing_budget_per_passage() -> None:
    """Reading a large doc takes a small share of the 2 ms per passage indexing may spend."""
    section = (
        "## Question {n}\n\nSome **bold** text with a [link](https://x.example/p) and `code`. "
        "Another sentence here!\nA wrapped line with _emphasis_.\n\n- one\n- two\n\n"
    )
    text = "# FAQ\n\n" + "".join(section.format(n=n) for n in range(2000))
    started = time.perf_counter()
    _, sections = parse_markdown(text, "faq")
    per_passage = (time.perf_counter() - started) / len(sections)
    assert len(sections) == 2000
    assert per_passage < 0.0005  # measured ~0.05 ms; a tenth of the 2 ms budget, ×10 slack


@pytest.mark.parametrize("unit", ["*a ", "[a ", "_a ", "~~a ", "![a ", "<!--a "])
def test_markdown_junk_is_read_in_linear_time(unit: str) -> None:
    """Long runs of unmatched Markdown markers cannot stall indexing (no quadratic regexes)."""
    started = time.perf_counter()
    parse_markdown("# Junk\n\nx " + unit * 50_000, "junk")
    assert time.perf_counter() - started < 1.0  # ~0.05 s; quadratic took minutes


@pytest.mark.parametrize("unit", ["<a ", "<!-- ", "</", "<a b='"])
def test_html_junk_is_read_in_linear_time(unit: str) -> None:
    """Unclosed tags by the thousand, slow in Python's own HTML parser, are read quickly."""
    started = time.perf_counter()
    parse_html("<h1>Junk</h1>" + unit * 50_000, "junk")
    assert time.perf_counter() - started < 1.0  # ~0.05 s; unguarded, 30 KB took 23 s


def test_the_sample_docs_read_cleanly() -> None:
    """The help centre shipped for the demo reads without problems, every file titled."""
    result = read_source(SAMPLE_DOCS)
    assert result.problems == []
    assert result.skipped == []
    assert len(result.documents) >= 5
    for document in result.documents:
        assert document.title != Path(document.path).stem, document.path
        assert sum(1 for s in document.sections if len(s.heading_path) == 2) >= 4


def test_the_sample_docs_answer_a_demo_customers_question() -> None:
    """Ravi's seeded 'charged twice' message finds the billing section that answers it."""
    from bot.seed import SEED

    ravi = next(turns for user, _, turns in SEED if user == "ravi")
    question = next(text for _, text, _ in ravi if "charged twice" in text)
    documents = read_source(SAMPLE_DOCS).documents
    sections = [(d.path, s) for d in documents for s in d.sections]
    passages = [as_passage(n, path, s) for n, (path, s) in enumerate(sections, start=1)]
    best = KnowledgeIndex(passages).search(question, k=1)[0].passage
    assert (best.file, best.anchor) == ("billing.md", "charged-twice-for-the-same-month")


def as_passage(id_: int, path: str, section: Section) -> Passage:
    return Passage(
        id=id_,
        kind=PassageKind.DOC,
        source="help",
        file=path,
        heading=section.heading,
        heading_path=section.heading_path,
        anchor=section.anchor,
        piece=section.piece,
        text=section.text,
        url=None,
    )
