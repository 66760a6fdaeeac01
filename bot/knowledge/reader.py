"""Reading help docs from disk: Markdown, HTML and plain-text files become documents.

:func:`read_source` takes what was given to ``rapport knowledge add`` (a file or
a folder) and returns every readable document with its sections, plus a
:class:`~memory.domain.knowledge.ReadProblem` for each file that could not be
read. One bad file never stops the rest, and a file is either read whole or
not at all.

How a file is cut:

* **Sections follow headings.** Markdown ATX (``## Title``) and setext
  (``Title`` over ``====``) headings, HTML ``h1``..``h6``. A section's
  ``heading_path`` is the headings above it and its own, outermost first; its
  ``anchor`` is the heading's ``id`` (HTML, or Markdown ``{#id}``) or else the
  GitHub-style slug, with ``-1``, ``-2``… for repeats within a file.
* **Text before the first heading** (and a whole plain-text file) is a section
  with heading ``''``, no heading path and no anchor: a card then names just
  the file, rather than repeat the file's name as a made-up heading.
* **Sections without text are dropped**: a heading directly followed by a
  subheading lives on in the subsections' heading paths, and a heading with
  nothing under it has nothing to answer from. A file left with no text at all
  is a problem, so the person adding it hears about it.
* **Long sections are split** into pieces of at most :data:`MAX_PIECE_CHARS`
  at paragraph, then line, then sentence, then word boundaries; each piece
  keeps the section's heading, path and anchor, numbered by ``piece``.
* **The title** is the first level-1 heading, else the HTML ``<title>`` or the
  Markdown front matter's ``title:``, else the file name without extension.
* **Text is plain text**: Markdown links read as their labels, emphasis as its
  words, images vanish, list items and table rows stay lines, code is kept as
  written; HTML menus, headers, footers, scripts and styles are not text.

What is refused, each as a problem naming the file: more than
:data:`MAX_FILE_BYTES` (judged by its size, before reading), binary content,
text that is not UTF-8 (never guessed: the reason gives the first bad byte),
an empty file, and a file with no text under its headings.

Walking a folder: sorted, recursive; hidden files and folders (``.git``,
``.DS_Store``) are passed over, and so are files of other types (images, CSS;
listed in :attr:`ReadResult.skipped`). Symbolic links are followed only inside
the folder: a link out of it, a loop, or a broken link is a problem, and a link
to a file the walk reaches anyway is skipped, so nothing is indexed twice.
"""

from __future__ import annotations

import errno
import hashlib
import html
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from memory.domain.knowledge import Document, ReadProblem, Section

MAX_FILE_BYTES = 5 * 1024 * 1024  # larger files are refused, by their size, before reading
MAX_PIECE_CHARS = 1_200  # a section longer than this is split into pieces
SNIFF_BYTES = 8_192  # how much of a file is looked at to tell text from binary

MARKDOWN = frozenset({".md", ".markdown"})
HTML = frozenset({".html", ".htm"})
TEXT = frozenset({".txt"})
EXTENSIONS = MARKDOWN | HTML | TEXT

NOTHING_FOUND = "no Markdown, HTML or text files found in {root}"


@dataclass(slots=True)
class ReadResult:
    """What reading one source found: its documents, its problems, what it passed over."""

    root: Path  # the file or folder as given; document paths are relative to it
    documents: list[Document] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # other file types, duplicate links


# ---------------------------------------------------------------------------
# Walking the disk


def read_source(root: Path) -> ReadResult:
    """Read a file, or every Markdown, HTML and text file under a folder.

    Document and problem paths are relative to ``root`` in POSIX form (a single
    file: its name); a problem with ``root`` itself carries ``root`` as given.
    """
    result = ReadResult(root=root)
    try:
        info = root.stat()  # follows a link: the user named this path on purpose
    except OSError as error:
        result.problems.append(ReadProblem(str(root), _os_reason(error, root)))
        return result
    if stat.S_ISDIR(info.st_mode):
        real = root.resolve()
        _Walk(root, result).folder(root, "", real, frozenset({real}))
        if not result.documents and not result.problems:
            result.problems.append(ReadProblem(str(root), _nothing_found(root, result)))
    elif stat.S_ISREG(info.st_mode) and _kind(root.name) is None:
        result.problems.append(ReadProblem(root.name, _unsupported(root.name)))
    else:
        _add(result, read_file(root, root.name))
    return result


class _Walk:
    """One folder walk: where the root really is, and where the results go."""

    def __init__(self, root: Path, result: ReadResult) -> None:
        self.real_root = root.resolve()
        self.result = result

    def folder(self, path: Path, prefix: str, real: Path, ancestors: frozenset[Path]) -> None:
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            name = prefix.rstrip("/") or str(path)
            self.result.problems.append(ReadProblem(name, _os_reason(error, path, folder=True)))
            return
        for entry in entries:
            if not entry.name.startswith("."):
                self.entry(entry, prefix + entry.name, real / entry.name, ancestors)

    def entry(
        self, entry: os.DirEntry[str], rel: str, real: Path, ancestors: frozenset[Path]
    ) -> None:
        if entry.is_symlink():
            followed = self._follow(Path(entry.path), rel, ancestors)
            if followed is None:
                return
            real = followed
            is_dir = real.is_dir()
        else:
            is_dir = entry.is_dir(follow_symlinks=False)
        if is_dir:
            self.folder(Path(entry.path), rel + "/", real, ancestors | {real})
        elif _kind(rel) is None:
            self.result.skipped.append(rel)
        else:
            _add(self.result, read_file(Path(entry.path), rel))

    def _follow(self, link: Path, rel: str, ancestors: frozenset[Path]) -> Path | None:
        """Where a link leads, or None (with a problem or a skip) when it is not followed."""
        problems = self.result.problems
        try:
            real = Path(os.path.realpath(link, strict=True))
        except OSError as error:
            if error.errno == errno.ELOOP:
                problems.append(ReadProblem(rel, "a symbolic link loop: not followed"))
            else:
                problems.append(ReadProblem(rel, "a broken symbolic link (its target is missing)"))
            return None
        if real in ancestors:
            problems.append(ReadProblem(rel, "a symbolic link loop (to a folder above it)"))
            return None
        if not real.is_relative_to(self.real_root):
            reason = f"a symbolic link to {real}, outside {self.real_root}: not followed"
            problems.append(ReadProblem(rel, reason))
            return None
        inside = real.relative_to(self.real_root).parts
        if not any(part.startswith(".") for part in inside):
            # The walk reaches the target under its own name: reading it here too
            # would index the same text twice under two paths.
            self.result.skipped.append(rel)
            return None
        return real


def _add(result: ReadResult, read: Document | ReadProblem) -> None:
    if isinstance(read, Document):
        result.documents.append(read)
    else:
        result.problems.append(read)


def read_file(path: Path, rel: str) -> Document | ReadProblem:
    """Read one file from disk as document ``rel``; too large is refused before reading."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return ReadProblem(rel, "not a regular file (a device, socket or pipe)")
        if info.st_size > MAX_FILE_BYTES:
            return ReadProblem(rel, _too_large(info.st_size))
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # a file growing since stat() stops here too
    except OSError as error:
        return ReadProblem(rel, _os_reason(error, path))
    if len(data) > MAX_FILE_BYTES:
        return ReadProblem(rel, _too_large(len(data)))
    return parse_document(rel, data)


def _os_reason(error: OSError, path: Path, *, folder: bool = False) -> str:
    what = "folder" if folder else "file"
    if isinstance(error, FileNotFoundError):
        return "not found: check the path"
    if isinstance(error, PermissionError):
        action = "list" if folder else "read"
        return f"permission denied: cannot {action} this {what}; check its permissions"
    if error.errno == errno.ELOOP:
        return "a symbolic link loop: not followed"
    return f"could not be read: {error.strerror or error}"


def _too_large(size: int) -> str:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    return f"too large ({size / (1024 * 1024):.1f} MB; the limit is {limit} MB): split it up"


def _unsupported(name: str) -> str:
    suffix = PurePosixPath(name).suffix or "no extension"
    return f"not a Markdown, HTML or text file ({suffix})"


def _nothing_found(root: Path, result: ReadResult) -> str:
    found = NOTHING_FOUND.format(root=root)
    if result.skipped:
        found += f" (passed over {len(result.skipped)} other file(s))"
    return found


def _kind(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in MARKDOWN:
        return "markdown"
    if suffix in HTML:
        return "html"
    if suffix in TEXT:
        return "text"
    return None


# ---------------------------------------------------------------------------
# Bytes to a document

# Formats that are not text, by their first bytes: named, so the reason says what the file is.
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a media file (WebP, WAV or AVI)"),
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (a Word or Excel file is one)"),
    (b"\x1f\x8b", "a gzip archive"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"


def parse_document(path: str, data: bytes) -> Document | ReadProblem:
    """A document from a file's bytes, or why not. ``path``'s extension says how to read it."""
    kind = _kind(path)
    if kind is None:
        return ReadProblem(path, _unsupported(path))
    text = _decode(data)
    if isinstance(text, _Refusal):
        return ReadProblem(path, text.reason)
    if not text.strip():
        return ReadProblem(path, "empty: there is nothing in it to index")
    stem = PurePosixPath(path).stem
    if kind == "markdown":
        title, sections = parse_markdown(text, stem)
    elif kind == "html":
        title, sections = parse_html(text, stem)
    else:
        title, sections = stem, parse_text(text)
    if not sections:
        return ReadProblem(path, "no text found in it (only headings, markup or code comments)")
    digest = hashlib.sha256(data).hexdigest()
    return Document(path=path, content_hash=digest, title=title, sections=tuple(sections))


@dataclass(frozen=True, slots=True)
class _Refusal:
    reason: str


def _decode(data: bytes) -> str | _Refusal:
    """The file's text as UTF-8, or why it is not text. Encodings are never guessed."""
    head = data[:SNIFF_BYTES]
    if head.startswith(_UTF16_BOMS):
        return _Refusal("UTF-16 text: save it as UTF-8")
    bom = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    error: UnicodeDecodeError | None = None
    if b"\x00" not in head:
        try:
            text = data[bom:].decode("utf-8")
        except UnicodeDecodeError as failed:
            error = failed
        else:
            # Universal newlines, as a text-mode read gives: no '\r' reaches a passage.
            return text.replace("\r\n", "\n").replace("\r", "\n")
    # Not text. Say what it is when its first bytes tell (only now: a text file may
    # begin with "GIF8" too), else where it stops being UTF-8.
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return _Refusal(f"{what}, not text: export it as Markdown, HTML or plain text")
    if error is None:
        return _Refusal("a binary file (it contains NUL bytes), not text")
    offset = bom + error.start
    return _Refusal(
        f"not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset}): save it as UTF-8"
    )


# ---------------------------------------------------------------------------
# Sections, anchors and pieces, whatever the format


@dataclass(slots=True)
class _Raw:
    """A section as a parser found it: its heading (level 0: none), anchor if given, text."""

    level: int
    heading: str
    anchor: str | None
    text: str


class Slugger:
    """GitHub's heading anchors: ``Returns & refunds`` → ``returns--refunds``, repeats ``-1``…"""

    _DROP = re.compile(r"[^\w\- ]")

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, heading: str) -> str:
        base = self._DROP.sub("", heading.strip().lower()).replace(" ", "-")
        anchor = base
        while anchor in self._seen:  # as github-slugger: "a", "a-1", and a later "a-1" → "a-1-1"
            self._seen[base] += 1
            anchor = f"{base}-{self._seen[base]}"
        self._seen[anchor] = 0
        return anchor

    def reserve(self, anchor: str) -> str:
        """An anchor the author gave (an ``id``): kept as is, and not generated again."""
        self._seen.setdefault(anchor, 0)
        return anchor


def _sections(raws: Iterable[_Raw]) -> list[Section]:
    """Heading paths, anchors and pieces for a file's raw sections, empty ones dropped."""
    slugger = Slugger()
    path: list[tuple[int, str]] = []
    sections: list[Section] = []
    for raw in raws:
        if raw.level:
            while path and path[-1][0] >= raw.level:
                path.pop()
            path.append((raw.level, raw.heading))
            anchor = slugger.reserve(raw.anchor) if raw.anchor else slugger.slug(raw.heading)
        else:
            anchor = ""
        text = _tidy(raw.text)
        if not text:
            continue
        headings = tuple(heading for _, heading in path) if raw.level else ()
        for piece, chunk in enumerate(split_text(text)):
            sections.append(Section(raw.heading, headings, anchor, chunk, piece))
    return sections


def _title(raws: Iterable[_Raw], fallback: str) -> str:
    return next((r.heading for r in raws if r.level == 1 and r.heading), fallback)


_TRAILING_SPACE = re.compile(r"(?<![ \t])[ \t]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("", text)).strip("\n").rstrip()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_text(text: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at the most natural boundary.

    Paragraphs first, then lines (list items), then sentences, then words; a
    single word longer than ``limit`` (a long URL) is cut where it must be.
    """
    if len(text) <= limit:
        return [text]
    return list(_pack(text, limit, 0))


# Each level: how to cut, and what to put back between the parts when packing them.
_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\n\n+"), "\n\n"),
    (re.compile(r"\n"), "\n"),
    (_SENTENCE_END, " "),
    (re.compile(r"\s+"), " "),
)


def _pack(text: str, limit: int, level: int) -> Iterator[str]:
    if level == len(_LEVELS):
        for start in range(0, len(text), limit):
            yield text[start : start + limit]
        return
    cut, glue = _LEVELS[level]
    current = ""
    for part in cut.split(text):
        if not part.strip():
            continue
        if current and len(current) + len(glue) + len(part) <= limit:
            current += glue + part
            continue
        if current:
            yield current
        if len(part) <= limit:
            current = part
        else:
            current = ""
            yield from _pack(part, limit, level + 1)
    if current:
        yield current


# ---------------------------------------------------------------------------
# Plain text


def parse_text(text: str) -> list[Section]:
    """A plain-text file: one section without a heading, split like any long section."""
    return _sections([_Raw(0, "", None, text)])


# ---------------------------------------------------------------------------
# Markdown

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t])#+$")  # "## Title ##"
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HEADING_ID = re.compile(r"\{#([^\s}]+)[^}]*\}\s*$")  # "## Returns {#returns}"
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|(\d{1,9}[.)]))[ \t]+(.*)$")
_QUOTE = re.compile(r"^(?: {0,3}>[ \t]?)+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_FRONT_MATTER_TITLE = re.compile(r"^title:\s*(.+?)\s*$")
_YAML_KEY = re.compile(r"^[A-Za-z_][\w-]*:")

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_IMAGE = re.compile(r"!\[[^\[\]]*\](?:\([^()]*\)|\[[^\[\]]*\])")
_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_AUTOLINK = re.compile(r"<(?:mailto:)?([^<>\s]+(?:@|://)[^<>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
# Emphasis never spans its own marker character: each try stops at the next '*' or
# '_', so a line of unmatched markers costs linear time, not quadratic.
_STRONG = re.compile(r"\*\*(?=\S)([^*]+?)(?<=\S)\*\*|__(?=\S)([^_]+?)(?<=\S)__")
_EMPHASIS = re.compile(r"\*(?=\S)([^*]+?)(?<=\S)\*|(?<!\w)_(?=\S)([^_]+?)(?<=\S)_(?!\w)")
_STRIKE = re.compile(r"~~(?=\S)([^~]+?)(?<=\S)~~")
_SPACES = re.compile(r"(?<=\S)[ \t]{2,}")  # runs inside a line; indentation stays
_PRIVATE = 0xE000  # escaped characters are parked here while emphasis is stripped
_PARKED = re.compile(f"[{chr(_PRIVATE)}-{chr(_PRIVATE + 127)}]")
_UNPARK = {_PRIVATE + code: chr(code) for code in range(128)}


def parse_markdown(text: str, fallback_title: str) -> tuple[str, list[Section]]:
    """A Markdown file's title and sections."""
    lines = text.split("\n")
    start, front_title = _front_matter(lines)
    raws = _MarkdownBlocks().read(lines[start:])
    return _title(raws, front_title or fallback_title), _sections(raws)


def _front_matter(lines: list[str]) -> tuple[int, str | None]:
    """Where the body starts after a YAML front matter block (docs-site exports), and its title."""
    if len(lines) < 2 or lines[0].strip() != "---" or not _YAML_KEY.match(lines[1]):
        return 0, None  # a '---' not followed by "key:" is a thematic break
    title = None
    for number, line in enumerate(lines[1:100], start=1):
        if line.strip() in ("---", "..."):
            return number + 1, title
        found = _FRONT_MATTER_TITLE.match(line)
        if found and title is None:
            title = found.group(1).strip("\"'") or None
    return 0, None  # never closed: not front matter after all


class _MarkdownBlocks:
    """Markdown's block structure, line by line: headings, paragraphs, lists, code.

    Paragraph lines are joined into one line (soft wraps are not meaning); list
    items, table rows and code lines stay lines of their own.
    """

    def __init__(self) -> None:
        self.raws: list[_Raw] = [_Raw(0, "", None, "")]
        self.blocks: list[str] = []  # the current section's finished blocks, with separators
        self.paragraph: list[str] = []
        self.paragraph_is_item = False
        self.blank_before = True  # a blank line (or the section start) precedes the next block
        self.fence: str | None = None
        self.code: list[str] = []
        self.indented_code = False
        self.in_comment = False

    def read(self, lines: list[str]) -> list[_Raw]:
        for line in lines:
            self.line(line)
        self.end_code()  # a fence left open runs to the end of the file, as in CommonMark
        self.end_paragraph()
        self.end_section()
        return self.raws

    def line(self, line: str) -> None:
        if self.fence is not None:
            self.fenced(line)
        elif self.in_comment or line.lstrip().startswith("<!--"):
            self.comment(line)
        elif self.indented_code:
            self.indented(line)
        elif not line.strip():
            self.end_paragraph()
            self.blank_before = True
        else:
            self.content(line)

    def content(self, line: str) -> None:
        if fence := _FENCE.match(line):
            self.end_paragraph()
            self.fence = fence.group(1)
        elif heading := _ATX.match(line):
            self.heading(len(heading.group(1)), heading.group(2) or "")
        elif (setext := _SETEXT.match(line)) and self.paragraph and not self.paragraph_is_item:
            level = 1 if setext.group(1).startswith("=") else 2
            text, self.paragraph = " ".join(self.paragraph), []
            self.heading(level, text)
        elif _BREAK.match(line) or _LINK_DEFINITION.match(line):
            self.end_paragraph()
        elif line.startswith(("    ", "\t")) and not self.paragraph and not self._after_item():
            self.indented_code = True
            self.code = [line[4:] if line.startswith("    ") else line[1:]]
        else:
            self.text(_QUOTE.sub("", line))

    def text(self, line: str) -> None:
        item = _LIST_ITEM.match(line)
        if item:
            self.end_paragraph()
            indent, number, rest = item.groups()
            self.paragraph = [f"{indent}{number or '-'} {rest}"]
            self.paragraph_is_item = True
        elif line.lstrip().startswith("|"):
            self.end_paragraph()
            if not _TABLE_RULE.match(line):
                cells = line.strip().strip("|").split("|")
                self.add_block(" | ".join(cell.strip() for cell in cells), inline=True)
        else:
            self.paragraph.append(line.strip())

    def heading(self, level: int, text: str) -> None:
        self.end_paragraph()
        self.end_section()
        text = _CLOSING_HASHES.sub("", text.rstrip())
        anchor = None
        brace = text.rfind("{#")  # found by rfind, not a regex search: linear on any line
        if brace >= 0 and (given := _HEADING_ID.match(text, brace)):
            anchor, text = given.group(1), text[:brace]
        self.raws.append(_Raw(level, _inline(text).strip(), anchor, ""))
        self.blank_before = True

    def fenced(self, line: str) -> None:
        if self._closes_fence(line):
            self.fence = None
            self.end_code()
        else:
            self.code.append(line)

    def _closes_fence(self, line: str) -> bool:
        # The same character, at least as many, and nothing after (CommonMark).
        close = _FENCE.match(line)
        fence = self.fence or ""
        if not close or close.group(1)[0] != fence[0] or len(close.group(1)) < len(fence):
            return False
        return not line.strip()[len(close.group(1)) :].strip()

    def indented(self, line: str) -> None:
        if line.startswith(("    ", "\t")) or not line.strip():
            self.code.append(line[4:] if line.startswith("    ") else line[1:])
            return
        self.end_code()
        self.line(line)

    def comment(self, line: str) -> None:
        # An HTML comment (often a build tool's note) is not content; it may span lines.
        self.in_comment = "-->" not in line
        after = line.split("-->", 1)[1] if "-->" in line else ""
        if after.strip():
            self.line(after)

    def end_code(self) -> None:
        self.indented_code = False
        while self.code and not self.code[-1].strip():
            self.code.pop()
        if self.code:
            self.add_block("\n".join(self.code), inline=False)
        self.code = []

    def end_paragraph(self) -> None:
        if self.paragraph:
            text = _inline(" ".join(self.paragraph))
            self.paragraph = []
            if text.strip():
                self.add_block(text, inline=False)
        self.paragraph_is_item = False

    def add_block(self, text: str, *, inline: bool) -> None:
        if inline:
            text = _inline(text)
        if self.blocks:
            self.blocks.append("\n\n" if self.blank_before else "\n")
        self.blocks.append(text)
        self.blank_before = False

    def end_section(self) -> None:
        self.raws[-1].text = "".join(self.blocks)
        self.blocks = []

    def _after_item(self) -> bool:
        # Indented lines after a list item continue it; they are not a code block.
        last_line = self.blocks[-1].rsplit("\n", 1)[-1] if self.blocks else ""
        return _LIST_ITEM.match(last_line) is not None


def _inline(text: str) -> str:
    """Markdown inline syntax to its text: links to labels, emphasis to words, code as is."""
    out: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        out.append(_inline_plain(text[last : span.start()]))
        out.append(span.group(2).strip() or span.group(2))
        last = span.end()
    out.append(_inline_plain(text[last:]))
    return "".join(out)


def _inline_plain(text: str) -> str:
    # Each rewrite runs only when its marker character is present: most lines have few.
    if "\\" in text:
        text = _ESCAPE.sub(_park, text)
    if "[" in text:
        text = _LINK.sub(r"\1", _IMAGE.sub("", text))
        text = _REF_LINK.sub(r"\1", text)
    if "<" in text:
        text = _TAG.sub("", _AUTOLINK.sub(r"\1", _drop_comments(text)))
    if "*" in text or "_" in text:
        # Strong, emphasis, strong again: "**a *b* c**" and "*a **b** c*" both come out clean.
        text = _STRONG.sub(_emphasised, text)
        text = _STRONG.sub(_emphasised, _EMPHASIS.sub(_emphasised, text))
    if "~" in text:
        text = _STRIKE.sub(r"\1", text)
    if "&" in text:
        text = html.unescape(text)
    text = _SPACES.sub(" ", text)
    return text.translate(_UNPARK) if _PARKED.search(text) else text


def _park(escape: re.Match[str]) -> str:
    return chr(_PRIVATE + ord(escape.group(1)))


def _emphasised(emphasis: re.Match[str]) -> str:
    return emphasis.group(1) or emphasis.group(2)


def _drop_comments(text: str) -> str:
    """Text without its ``<!-- … -->`` comments (an unclosed one is left as written)."""
    parts: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        parts.append(text[position:start])
        position = end + 3
    return "".join(parts) + text[position:] if parts else text


# ---------------------------------------------------------------------------
# HTML

# Content that is not the page's text: code, site chrome, embedded media.
_SKIPPED = frozenset({"script", "style", "template", "noscript", "svg", "canvas", "iframe"})
_CHROME = frozenset({"nav", "footer", "header"})  # site chrome; a <header> in <article> is kept
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_PARAGRAPH = frozenset(
    {"p", "div", "section", "article", "main", "aside", "ul", "ol", "dl", "table", "pre"}
    | {"blockquote", "figure", "details", "form", "fieldset", "address", "body", "hr"}
    | _CHROME
)
_LINE = frozenset({"li", "tr", "dt", "dd", "br", "summary", "figcaption", "caption"})
_CELL = frozenset({"td", "th"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_MARKERS = " ¶§🔗\u200b"  # the "¶" link docs generators put after a heading ("#" is text: "C#")
_WHITESPACE = re.compile(r"\s+")
_MAX_TITLE = 200
_MAX_DEPTH = 512  # junk HTML that never closes a tag must not grow the stack without bound
_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)")
_LONE_ANGLE = re.compile(r"<(?![^<>]*>)")


def parse_html(text: str, fallback_title: str) -> tuple[str, list[Section]]:
    """An HTML file's title and sections; broken HTML still gives its text."""
    parser = _run_html(text, skip_chrome=True)
    if parser is None:
        return fallback_title, parse_text(_strip_tags(text))
    if not any(raw.text.strip() for raw in parser.raws):
        # An unclosed <nav> or <header> can swallow the whole page: read it again with it.
        parser = _run_html(text, skip_chrome=False) or parser
    raws = parser.raws
    return _title(raws, parser.page_title or fallback_title), _sections(raws)


def _run_html(text: str, *, skip_chrome: bool) -> _HtmlText | None:
    parser = _HtmlText(skip_chrome=skip_chrome)
    try:
        parser.feed(_defused(text))
        parser.close()
    except (AssertionError, ValueError, IndexError):
        return None
    parser.finish()
    return parser


def _defused(text: str) -> str:
    """The page with what the standard parser handles badly turned into plain text.

    Python's ``HTMLParser`` (before the 2025 security fixes) takes quadratic time
    on a '<' that never becomes a tag: 30 KB of "<a " takes seconds, 5 MB never
    ends. So comments go first, and any '<' not closed by a '>' before the next
    '<' becomes '&lt;': every tag the parser sees is then whole.
    """
    text = _LONE_ANGLE.sub("&lt;", _drop_comments(text))
    # "<![if …]>" (Word's HTML) trips the parser; as text it is harmless.
    return _MARKED_SECTION.sub("&lt;![", text)


def _strip_tags(text: str) -> str:
    return html.unescape(_WHITESPACE.sub(" ", _TAG.sub(" ", text))).strip()


class _HtmlText(HTMLParser):
    """Text under h1..h6, with paragraphs, list items and table rows as lines.

    Keeps its own stack of open elements so that an end tag closes whatever was
    left open inside it (as browsers do), and an end tag that matches nothing is
    ignored: unclosed tags and junk cannot hide the rest of the page.
    """

    def __init__(self, *, skip_chrome: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_chrome = skip_chrome
        self.stack: list[tuple[str, bool]] = []  # open elements, and whether each hides text
        self.open: dict[str, int] = {}  # how many of each are open: end tags match in O(1)
        self.hidden = 0  # open elements whose content is not text
        self.pre = 0
        self.raws: list[_Raw] = [_Raw(0, "", None, "")]
        self.lines: list[str] = []
        self.line: list[str] = []
        self.heading: _Heading | None = None
        self.page_title: str | None = None
        self.in_title = False

    # Element bookkeeping

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.void(tag)
            return
        if tag in _HEADINGS or tag in _PARAGRAPH or tag in _LINE or tag in _CELL:
            self.block_start(tag, dict(attrs))
        elif tag == "a" and self.heading is not None:
            self.heading.link(dict(attrs))
        elif tag == "title" and not self.hidden:  # an <svg>'s <title> does not name the page
            self.in_title = True
        if len(self.stack) < _MAX_DEPTH:
            self.push(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if not self.open.get(tag):
            if tag in _HEADINGS:
                self.end_heading()
            return  # an end tag that closes nothing: junk, ignored
        while self.stack:
            name = self.pop()
            self.block_end(name)
            if name == tag:
                break

    def push(self, tag: str) -> None:
        hides = self.hides(tag)
        self.hidden += hides
        self.pre += tag == "pre"
        self.stack.append((tag, hides))
        self.open[tag] = self.open.get(tag, 0) + 1

    def pop(self) -> str:
        tag, hides = self.stack.pop()
        self.open[tag] -= 1
        self.pre -= tag == "pre"
        self.hidden -= hides
        return tag

    def hides(self, tag: str) -> bool:
        if tag in _SKIPPED:
            return True
        if not self.skip_chrome or tag not in _CHROME:
            return False
        return tag != "header" or not (self.open.get("article") or self.open.get("main"))

    # Text

    def handle_data(self, data: str) -> None:
        if self.in_title:
            title = (self.page_title or "") + _WHITESPACE.sub(" ", data)
            self.page_title = title.strip()[:_MAX_TITLE] or None
        elif self.hidden:
            return
        elif self.heading is not None:
            self.heading.parts.append(data)
        elif self.pre:
            self.line.append(data)
        else:
            self.line.append(_WHITESPACE.sub(" ", data))

    def void(self, tag: str) -> None:
        if tag == "br":
            self.end_line()
        elif tag == "hr":
            self.end_line(paragraph=True)

    def block_start(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.in_title = False  # an unclosed <title> ends where the page's blocks begin
        self.end_heading()
        if self.hidden:
            return
        if tag in _HEADINGS:
            self.end_line(paragraph=True)
            self.heading = _Heading(_HEADINGS[tag], attrs.get("id") or None)
        elif tag in _CELL:
            if "".join(self.line).strip():
                self.line.append(" | ")
        elif tag == "li" or "".join(self.line) != "- ":
            self.end_line(paragraph=tag in _PARAGRAPH)
            if tag == "li":
                self.line.append("- ")
        # else: <li><p>…: the paragraph is the item's text and keeps its bullet

    def block_end(self, tag: str) -> None:
        if tag in _HEADINGS:
            self.end_heading()
        elif tag in _PARAGRAPH or tag in _LINE:
            self.end_line(paragraph=tag in _PARAGRAPH)

    def end_line(self, *, paragraph: bool = False) -> None:
        text = "".join(self.line)
        self.line = []
        text = text.strip("\n") if self.pre else text.strip()
        if text and text != "-":
            self.lines.append(text)
        if paragraph and self.lines and self.lines[-1]:
            self.lines.append("")  # a blank line: the paragraph ends here

    def end_heading(self) -> None:
        heading, self.heading = self.heading, None
        if heading is None:
            return
        text = _WHITESPACE.sub(" ", "".join(heading.parts)).strip().rstrip(_MARKERS).strip()
        if not text:
            return  # an empty heading: the text after it stays in the section before
        self.end_section()
        self.raws.append(_Raw(heading.level, text, heading.anchor, ""))

    def end_section(self) -> None:
        self.end_line()
        self.raws[-1].text = "\n".join(self.lines)
        self.lines = []

    def finish(self) -> None:
        """Close what the page left open: its last heading and its last section."""
        self.end_heading()
        self.end_section()


class _Heading:
    """A heading being read: its level, its text so far, and its anchor if the page gives one."""

    __slots__ = ("anchor", "level", "parts")

    def __init__(self, level: int, anchor: str | None) -> None:
        self.level = level
        self.anchor = anchor
        self.parts: list[str] = []

    def link(self, attrs: dict[str, str | None]) -> None:
        """An anchor inside the heading (``<a id>``, or a "¶" link to ``#id``) names it too."""
        if self.anchor:
            return
        href = attrs.get("href") or ""
        self.anchor = (
            attrs.get("id") or attrs.get("name") or (href[1:] if href[:1] == "#" else None)
        )
        self.anchor = self.anchor or None
