"""The console's knowledge pages: what drafts answer from, and each document's passages.

Reps read them (a card's source links here when the docs have no public
site, as in the demo); ``rapport knowledge add`` fills them.
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from handlers.web.auth import RepLogin
from handlers.web.context import ConsoleDep
from memory.domain.knowledge import Passage

router = APIRouter(prefix="/knowledge")


@router.get("", response_class=HTMLResponse)
async def index(request: Request, console: ConsoleDep, login: RepLogin) -> Response:
    knowledge = console.runtime.store.knowledge
    sources = await knowledge.sources()
    files: dict[str, dict[str, int]] = defaultdict(dict)
    for passage in await knowledge.passages():
        counted = files[passage.source]
        counted[passage.file] = counted.get(passage.file, 0) + 1
    return console.page(
        request, "knowledge.html", {"sources": sources, "files": files, "document": None}
    )


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
