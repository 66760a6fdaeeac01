"""``rapport bench``: benchmarks of Rapport's own code paths (the ``bench`` package)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from bench.recall.dataset import DatasetError, load
from bot.config import Settings
from bot.observability import configure_logging

bench_cli = typer.Typer(help="Benchmarks of Rapport's own code.", no_args_is_help=True)


@bench_cli.callback()
def _bench_group() -> None:
    """Benchmarks of Rapport's own code paths (recall and knowledge quality and speed)."""


DatasetArg = Annotated[
    Path,
    typer.Option(
        "--dataset", exists=True, dir_okay=False, help="JSON lines: messages and queries."
    ),
]


@bench_cli.command("recall")
def recall(
    dataset: DatasetArg,
    k: Annotated[int, typer.Option("--k", min=1, help="Also report recall at this depth.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    per_query: Annotated[
        Path | None, typer.Option("--per-query", help="Write each query's ranking here.")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Also run a baseline: bm25.")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Run on this database (it gets the data set's rows; use a throwaway one). "
            "Default: a fresh temporary SQLite file.",
        ),
    ] = None,
    scale: Annotated[
        int,
        typer.Option(
            "--scale",
            min=0,
            help="Also time recall for one customer with this many stored messages (bulk-loaded).",
        ),
    ] = 0,
    embeddings: Annotated[
        str,
        typer.Option(
            "--embeddings",
            help="Recall by meaning too: off, local (the embeddings extra) or openai "
            "(RAPPORT_EMBEDDING_MODEL at OPENAI_BASE_URL / RAPPORT_EMBEDDINGS_BASE_URL).",
        ),
    ] = "off",
) -> None:
    """Recall@k of Rapport's memory on a data set, with ingest and recall timings."""
    # The engine, the database and the drafters' clients load only when a
    # command runs, so `rapport --help` stays fast.
    from bench.recall.runner import depths, measure, table, write_rankings
    from bot.embedders import embedding_problem

    configure_logging("warning")  # to stderr: stdout is the report
    if baseline not in (None, "bm25"):
        typer.echo(f"rapport: unknown baseline {baseline!r}; the one available is bm25", err=True)
        raise typer.Exit(2)
    try:
        problem = embedding_problem(Settings.model_validate({"embeddings": embeddings}))
    except ValidationError:
        problem = f"unknown --embeddings {embeddings!r}; use off, local or openai"
    if problem is not None:
        typer.echo(f"rapport: {problem}", err=True)
        raise typer.Exit(2)
    try:
        data = load(dataset)
    except DatasetError as exc:
        typer.echo(f"rapport: {exc}", err=True)
        raise typer.Exit(2) from exc
    report, run = measure(
        data,
        str(dataset),
        k,
        baseline=baseline,
        database_url=database_url,
        scale=scale,
        embeddings=embeddings,
    )
    if per_query is not None:
        write_rankings(per_query, data, run, k)
    typer.echo(json.dumps(report, indent=2) if as_json else table(report, depths(k)))


@bench_cli.command("knowledge")
def knowledge(
    docs: Annotated[
        Path,
        typer.Option(
            "--docs",
            exists=True,
            file_okay=False,
            help="A folder of Markdown files (read only: nothing is written into it).",
        ),
    ],
    dataset: Annotated[
        Path,
        typer.Option(
            "--dataset",
            exists=True,
            dir_okay=False,
            help="JSON lines: queries with their earlier turns and gold sections.",
        ),
    ],
    k: Annotated[
        int, typer.Option("--k", min=1, help="Rank this deep (recall is reported at 1 and 5).")
    ] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    per_query: Annotated[
        Path | None, typer.Option("--per-query", help="Write each query's sections here.")
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", help="Also run a baseline: bm25 (the newest message alone)."),
    ] = None,
    embeddings: Annotated[
        str,
        typer.Option("--embeddings", help="off (local and openai are not supported here yet)."),
    ] = "off",
) -> None:
    """Knowledge retrieval on a folder of Markdown: recall@1/@5, MRR, latency, indexing."""
    from bench.knowledge.run import DatasetError as KnowledgeDatasetError
    from bench.knowledge.run import load as load_queries
    from bench.knowledge.run import measure as measure_knowledge
    from bench.knowledge.run import table as knowledge_table
    from bench.knowledge.run import write_rankings as write_knowledge_rankings

    configure_logging("warning")  # to stderr: stdout is the report
    if baseline not in (None, "bm25"):
        typer.echo(f"rapport: unknown baseline {baseline!r}; the one available is bm25", err=True)
        raise typer.Exit(2)
    if embeddings in ("local", "openai"):
        typer.echo(
            f"rapport: --embeddings {embeddings} is not supported yet for knowledge; "
            "use --embeddings off",
            err=True,
        )
        raise typer.Exit(2)
    if embeddings != "off":
        typer.echo(f"rapport: unknown --embeddings {embeddings!r}; use off", err=True)
        raise typer.Exit(2)
    if per_query is not None and per_query.resolve().is_relative_to(docs.resolve()):
        typer.echo(
            f"rapport: --per-query {per_query} is inside --docs; write it elsewhere", err=True
        )
        raise typer.Exit(2)
    try:
        queries = load_queries(dataset)
    except KnowledgeDatasetError as exc:
        typer.echo(f"rapport: {exc}", err=True)
        raise typer.Exit(2) from exc
    result = measure_knowledge(docs, queries, k, baseline=baseline)
    for problem in result.problems:
        typer.echo(f"rapport: not read: {problem}", err=True)
    if result.unknown_gold:
        shown = "; ".join(result.unknown_gold[:5])
        typer.echo(
            f"rapport: {len(result.unknown_gold)} gold entries name no section of {docs} "
            f"(they count as misses): {shown}",
            err=True,
        )
    if per_query is not None:
        write_knowledge_rankings(per_query, queries, result.run, k)
    if as_json:
        typer.echo(json.dumps(result.report, indent=2))
    else:
        typer.echo(knowledge_table(result.report, str(docs), result.extra_rows(queries, k)))
