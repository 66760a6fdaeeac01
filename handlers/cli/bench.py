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
    """Benchmarks of Rapport's own code paths (recall quality and speed)."""


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
