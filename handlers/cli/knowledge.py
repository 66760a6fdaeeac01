"""``rapport knowledge``: add (and sync), list, remove and search the team's docs."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from bot.config import Settings
from handlers.cli.common import DbOpt, migrate_or_exit, run_or_exit, settings_or_exit

if TYPE_CHECKING:
    from memory.knowledge import Knowledge

knowledge_cli = typer.Typer(
    help="Knowledge: the docs and past answers drafts answer from.", no_args_is_help=True
)

T = TypeVar("T")


def _with_knowledge(settings: Settings, work: Callable[[Knowledge], Awaitable[T]]) -> T:
    # The database layer loads when a command runs, so `rapport --help` stays fast.
    from memory.database import Database, create_engine, session_factory
    from memory.knowledge import Knowledge, UnknownSource

    async def go() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(Knowledge(Database(session_factory(engine))))
        finally:
            await engine.dispose()

    migrate_or_exit(settings)
    return run_or_exit(go(), UnknownSource)


@knowledge_cli.command("add")
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (Markdown, HTML, text).")],
    name: Annotated[
        str | None, typer.Option(help="The source's name (one path only); default: its name.")
    ] = None,
    url_prefix: Annotated[
        str | None,
        typer.Option(
            help="Where the docs are published, e.g. https://help.example.com: citations "
            "become links (a .md file is linked as .html, with its section's anchor)."
        ),
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """Index files or folders; run it again to sync (changed files re-indexed, deleted removed).

    A file that cannot be read is named with the reason and keeps what was indexed
    before; the rest completes. Exits 1 when any file had a problem.
    """
    from bot.knowledge.reader import read_source

    if name is not None and len(paths) != 1:
        typer.echo("rapport: --name names one source: give one path with it", err=True)
        raise typer.Exit(2)
    settings = settings_or_exit(database_url=database_url)

    async def work(knowledge: Knowledge) -> int:
        problems = 0
        for path in paths:
            read = read_source(path)
            source = name or (path.resolve().name or str(path))
            if not read.documents and read.problems:
                # Nothing readable (a missing path, a folder we may not list): an
                # empty sync would remove the whole source, so nothing changes.
                for problem in read.problems:
                    typer.echo(f"rapport: {problem.path}: {problem.reason}", err=True)
                problems += len(read.problems)
                continue
            report = await knowledge.sync(
                source,
                str(path.resolve()),
                read.documents,
                read.problems,
                url_prefix=url_prefix,
            )
            typer.echo(
                f"{source}: {len(report.added)} added, {len(report.changed)} changed, "
                f"{len(report.removed)} removed, {report.unchanged} unchanged; "
                f"{report.passages} passages"
            )
            for problem in report.problems:
                typer.echo(f"  ! {problem.path}: {problem.reason}", err=True)
            problems += len(report.problems)
        return problems

    if _with_knowledge(settings, work):
        raise typer.Exit(1)


@knowledge_cli.command("list")
def list_sources(
    as_json: Annotated[bool, typer.Option("--json")] = False, database_url: DbOpt = None
) -> None:
    """Every source: where it came from, its files and passages, when it was indexed."""
    settings = settings_or_exit(database_url=database_url)
    sources = _with_knowledge(settings, lambda k: k.sources())
    if as_json:
        rows = [
            {
                "name": s.name,
                "root": s.root,
                "url_prefix": s.url_prefix,
                "documents": s.documents,
                "passages": s.passages,
                "indexed_at": s.indexed_at.isoformat() if s.indexed_at else None,
            }
            for s in sources
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    if not sources:
        typer.echo("No knowledge yet: `rapport knowledge add PATH` indexes a folder of docs.")
    for s in sources:
        when = s.indexed_at.strftime("%Y-%m-%d %H:%M") if s.indexed_at else "-"
        link = f"  → {s.url_prefix}" if s.url_prefix else ""
        typer.echo(
            f"{s.name:<24} {s.documents:>4} files {s.passages:>6} passages  "
            f"indexed {when}  {s.root}{link}"
        )


@knowledge_cli.command("remove")
def remove(source: str, database_url: DbOpt = None) -> None:
    """Remove a source and its passages (the files themselves are not touched)."""
    settings = settings_or_exit(database_url=database_url)
    count = _with_knowledge(settings, lambda k: k.remove(source))
    typer.echo(f"Removed {source}: {count} passages.")


@knowledge_cli.command("search")
def search(
    query: str,
    context: Annotated[
        list[str] | None,
        typer.Option(help="An earlier turn of the conversation (repeat, oldest first)."),
    ] = None,
    k: Annotated[int, typer.Option(help="How many passages.")] = 5,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    database_url: DbOpt = None,
) -> None:
    """What a draft would be given for QUERY: passages with scores, confidence and why."""
    from bot.knowledge.answers import KnowledgeBase

    settings = settings_or_exit(database_url=database_url)

    async def work(knowledge: Knowledge) -> list[dict[str, Any]]:
        base = KnowledgeBase(knowledge, min_confidence=settings.knowledge_min_confidence)
        index = await base.index()
        return [
            {
                "file": hit.passage.file,
                "heading": hit.passage.heading,
                "heading_path": list(hit.passage.heading_path),
                "source": hit.passage.source,
                "url": hit.passage.url,
                "score": hit.score,
                "confidence": index.confidence(hit, query),
                "reason": hit.reason,
                "text": hit.passage.text,
            }
            for hit in index.search(query, context or [], k=k)
        ]

    hits = _with_knowledge(settings, work)
    if as_json:
        typer.echo(json.dumps(hits, indent=2))
        return
    if not hits:
        typer.echo("No passage matches: a draft would say a teammate will check.")
    threshold = settings.knowledge_min_confidence
    for rank, hit in enumerate(hits, 1):
        answers = "answers" if hit["confidence"] >= threshold else "below the threshold"
        typer.echo(
            f"{rank}. {hit['file']} › {' › '.join(hit['heading_path'])}  "
            f"score {hit['score']:.2f}, confidence {hit['confidence']:.2f} ({answers})"
        )
        typer.echo(f"   why: {hit['reason']}")
        if hit["url"]:
            typer.echo(f"   {hit['url']}")
        typer.echo(f"   {hit['text'][:200]}")
