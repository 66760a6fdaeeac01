"""``rapport bench recall`` on a tiny data set, end to end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from handlers.cli.bench import bench_cli

ROWS = [
    {
        "kind": "message",
        "conversation": "c1",
        "id": "m1",
        "speaker": "Dana",
        "time": "2024-03-02T14:05:00",
        "text": "my cat Milo has a checkup at the clinic on Friday",
    },
    {
        "kind": "message",
        "conversation": "c1",
        "id": "m2",
        "speaker": "Sam",
        "time": "2024-03-02T14:07:00",
        "text": "good luck to Milo!",
    },
    {
        "kind": "message",
        "conversation": "c1",
        "id": "m3",
        "speaker": "Dana",
        "time": "2024-03-09T10:00:00",
        "text": "Milo's checkup went fine, he is healthy",
        "extra": "ignored",
    },
    {
        "kind": "message",
        "conversation": "c2",
        "id": "m4",
        "speaker": "Lee",
        "time": "2024-03-03T09:00:00",
        "text": "my router drops every evening",
    },
    {
        "kind": "query",
        "conversation": "c1",
        "id": "q1",
        "text": "how did the vet visit go for my cat?",
        "evidence": ["m3", "m1"],
    },
    {
        "kind": "query",
        "conversation": "c2",
        "id": "q2",
        "text": "what was wrong with my wifi?",
        "evidence": ["m4", "m404"],
        "time": "2024-04-01T00:00:00Z",
    },
    {"kind": "note", "text": "unknown kinds are ignored"},
]


def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    return path


def test_bench_recall_reports_scores_timings_and_missing_evidence(tmp_path: Path) -> None:
    """The JSON report has the agreed figures, and evidence naming no message is counted."""
    out = tmp_path / "per-query.jsonl"
    result = CliRunner().invoke(
        bench_cli,
        [
            "recall",
            "--dataset",
            str(_dataset(tmp_path)),
            "--json",
            "--baseline",
            "bm25",
            "--per-query",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for key in (
        "queries",
        "recall@1",
        "recall@5",
        "recall@10",
        "ingest_ms_per_message",
        "recall_p50_ms",
        "recall_p95_ms",
        "peak_rss_mb",
    ):
        assert key in report and key in report["baseline"], key
    assert report["queries"] == 2
    assert report["recall@5"] == 1.0
    assert report["evidence_missing"] == 1
    assert report["missing_evidence_ids"] == ["q2: m404"]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2"]
    assert {"m1", "m3"} <= set(lines[0]["ranked"][:3])


def test_bench_recall_table_is_readable(tmp_path: Path) -> None:
    """Without --json the report is a table a person can read."""
    result = CliRunner().invoke(bench_cli, ["recall", "--dataset", str(_dataset(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "recall@5" in result.output
    assert "1 evidence ids name no message" in result.output


def test_a_broken_line_is_reported_with_its_number(tmp_path: Path) -> None:
    """A malformed data set fails with the file and line, not a traceback."""
    path = tmp_path / "bad.jsonl"
    path.write_text('{"kind": "message", "conversation": "c1", "id": "m1"}\n', encoding="utf-8")
    result = CliRunner().invoke(bench_cli, ["recall", "--dataset", str(path)])
    assert result.exit_code == 2
    assert "bad.jsonl:1" in result.output
