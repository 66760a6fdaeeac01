"""The console's knowledge pages: what drafts answer from, and each document's passages.

Reps read them (a card's source links here when the docs have no public
site, as in the demo); ``rapport knowledge add`` fills them. Admins can also
sync a source again from the folder it was added from, and upload Markdown,
HTML or text files into a source of their own.

Uploaded files are kept on the server, in :data:`UPLOADS` (one folder per
source) beside the SQLite database file, or in the folder Rapport was started
from when the database is PostgreSQL: a source is a folder, so syncing an
upload source later reads that folder, like any other. Each file is read
with the product's reader before it is kept: a file the reader would refuse
(binary, not UTF-8, too large, of another type) is refused by name and never
written.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import make_url

from bot.knowledge.reader import EXTENSIONS, MAX_FILE_BYTES, parse_document, read_source
from handlers.web.auth import RepLogin
from handlers.web.context import ConsoleDep, flash
from handlers.web.csrf import require_csrf
from memory.domain.knowledge import Passage, ReadProblem, SyncReport
from memory.knowledge import ANSWERS
from memory.users import Login

router = APIRouter(prefix="/knowledge", dependencies=[Depends(require_csrf)])

UPLOADS = "knowledge-uploads"  # beside the SQLite file, else in the working folder
DEFAULT_UPLOAD_SOURCE = "uploads"
_SOURCE_NAME = re.compile(r"[\w][\w .-]{0,99}")


def require_admin(login: RepLogin) -> Login:
    """Syncing and uploading change what every draft answers from: admins only."""
    if not login.is_admin:
        raise HTTPException(
            403, "Only admins can sync or upload knowledge; reps can read it on this page."
        )
    return login


KnowledgeAdmin = Annotated[Login, Depends(require_admin)]


def uploads_dir(database_url: str) -> Path:
    """Where uploaded files are kept: beside the SQLite database, or the working folder."""
    try:
        url = make_url(database_url)
    except ValueError:  # an odd URL still needs somewhere to put uploads
        return Path.cwd() / UPLOADS
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:"):
        return Path(database).resolve().parent / UPLOADS
    return Path.cwd() / UPLOADS


@router.get("", response_class=HTMLResponse)
async def index(request: Request, console: ConsoleDep, login: RepLogin) -> Response:
    knowledge = console.runtime.store.knowledge
    sources = await knowledge.sources()
    files: dict[str, dict[str, int]] = defaultdict(dict)
    for passage in await knowledge.passages():
        counted = files[passage.source]
        counted[passage.file] = counted.get(passage.file, 0) + 1
    return console.page(
        request,
        "knowledge.html",
        {
            "sources": sources,
            "files": files,
            "document": None,
            "uploads": uploads_dir(console.runtime.settings.database_url),
            "upload_source": DEFAULT_UPLOAD_SOURCE,
            "max_mb": MAX_FILE_BYTES // (1024 * 1024),
            "accept": ",".join(sorted(EXTENSIONS)),
        },
    )


@router.post("/sync")
async def sync(
    request: Request,
    console: ConsoleDep,
    login: KnowledgeAdmin,
    source: Annotated[str, Form()],
) -> Response:
    """Read a source's folder again and index what changed (as ``rapport knowledge add``)."""
    known = {s.name: s for s in await console.runtime.store.knowledge.sources()}
    if source not in known:
        raise HTTPException(404, f"no knowledge source {source!r} to sync")
    root = known[source].root
    read = await asyncio.to_thread(read_source, Path(root))
    if not read.documents and read.problems:
        # Nothing readable (the folder is gone or closed to us): an empty sync would
        # remove the whole source, so nothing changes.
        flash(request, f"Did not sync {source}: nothing could be read from {root}.", "error")
        _flash_problems(request, read.problems)
        return RedirectResponse("/knowledge", status_code=303)
    report = await console.runtime.store.knowledge.sync(source, root, read.documents, read.problems)
    _flash_report(request, report)
    return RedirectResponse("/knowledge", status_code=303)


@router.post("/upload")
async def upload(
    request: Request,
    console: ConsoleDep,
    login: KnowledgeAdmin,
    files: Annotated[list[UploadFile], File()],
    source: Annotated[str, Form()] = DEFAULT_UPLOAD_SOURCE,
) -> Response:
    """Keep the uploaded files in the source's upload folder, then sync that folder."""
    source = source.strip() or DEFAULT_UPLOAD_SOURCE
    if source == ANSWERS or not _SOURCE_NAME.fullmatch(source) or ".." in source:
        flash(
            request,
            f"Not uploaded: {source!r} cannot name a source (letters, digits, spaces, "
            "'-', '_' and '.'; no '/').",
            "error",
        )
        return RedirectResponse("/knowledge", status_code=303)
    folder = uploads_dir(console.runtime.settings.database_url) / source
    known = {s.name: s for s in await console.runtime.store.knowledge.sources()}
    if source in known and Path(known[source].root) != folder:
        flash(
            request,
            f"Not uploaded: {source} is synced from {known[source].root}, and a sync of the "
            "upload folder would replace it. Upload into another source name.",
            "error",
        )
        return RedirectResponse("/knowledge", status_code=303)
    accepted: dict[str, bytes] = {}
    refused: list[ReadProblem] = []
    for file in files:
        checked = await _checked(file)
        if isinstance(checked, ReadProblem):
            refused.append(checked)
        else:
            accepted[checked[0]] = checked[1]
    for problem in refused:
        flash(request, f"Refused {problem.path}: {problem.reason}", "error")
    if not accepted:
        flash(request, f"Nothing was uploaded to {source}.", "error")
        return RedirectResponse("/knowledge", status_code=303)
    await asyncio.to_thread(_store, folder, accepted)
    read = await asyncio.to_thread(read_source, folder)
    report = await console.runtime.store.knowledge.sync(
        source, str(folder), read.documents, read.problems
    )
    _flash_report(request, report)
    return RedirectResponse("/knowledge", status_code=303)


async def _checked(file: UploadFile) -> tuple[str, bytes] | ReadProblem:
    """The file's safe name and bytes, or why it is refused (read as the reader would)."""
    name = file.filename or ""
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        return ReadProblem(
            name or "(no name)", "a file name with a path, or a hidden one, is not accepted"
        )
    if Path(name).suffix.lower() not in EXTENSIONS:
        return ReadProblem(name, "not a Markdown, HTML or text file (.md, .html or .txt)")
    if file.size is not None and file.size > MAX_FILE_BYTES:
        return ReadProblem(name, _too_large())
    data = await file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return ReadProblem(name, _too_large())
    parsed = parse_document(name, data)
    if isinstance(parsed, ReadProblem):
        return parsed
    return name, data


def _too_large() -> str:
    return f"too large (the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB): split it up"


def _store(folder: Path, files: dict[str, bytes]) -> None:
    """Write each file whole: a hidden temporary beside it, then renamed over it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        handle, temporary = tempfile.mkstemp(prefix=".upload-", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            Path(temporary).replace(folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _flash_report(request: Request, report: SyncReport) -> None:
    flash(
        request,
        f"Synced {report.source}: {len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged; "
        f"{report.passages} passages.",
        "error" if report.problems else "ok",
    )
    _flash_problems(request, report.problems)


def _flash_problems(request: Request, problems: list[ReadProblem]) -> None:
    for problem in problems:
        flash(request, f"Not read: {problem.path}: {problem.reason}", "error")


@router.get("/{source}/{path:path}", response_class=HTMLResponse)
async def document(
    request: Request, source: str, path: str, console: ConsoleDep, login: RepLogin
) -> Response:
    """One document's passages, each under its anchor (what a citation links to)."""
    passages = [
        p
        for p in await console.runtime.store.knowledge.passages(source=source)
        if p.file == path or _as_markdown(path) == p.file
    ]
    if not passages:
        raise HTTPException(404, f"no document {path!r} in knowledge source {source!r}")
    return console.page(
        request,
        "knowledge.html",
        {
            "sources": [],
            "files": {},
            "document": {
                "source": source,
                "path": passages[0].file,
                "sections": _sections(passages),
            },
        },
    )


def _as_markdown(path: str) -> str:
    return path[: -len(".html")] + ".md" if path.endswith(".html") else path


def _sections(passages: list[Passage]) -> list[dict[str, object]]:
    """Pieces of one section back together, in order."""
    merged: dict[tuple[tuple[str, ...], str], dict[str, object]] = {}
    for p in passages:
        key = (p.heading_path, p.anchor)
        if key not in merged:
            merged[key] = {"path": p.heading_path, "anchor": p.anchor, "text": p.text}
        else:
            merged[key]["text"] = f"{merged[key]['text']}\n{p.text}"
    return list(merged.values())
