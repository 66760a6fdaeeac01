"""``rapport bench knowledge``: the scoring rules, the report, and what it never touches."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bench.knowledge import generate
from bench.knowledge.run import (
    THRESHOLDS,
    Gold,
    Ranked,
    first_right,
    hit_at,
    merge,
    passages_of,
    read_docs,
)
from handlers.cli.bench import bench_cli
from memory.domain.knowledge import Passage, PassageKind

LONG = "\n\n".join(
    f"Paragraph {i}: cancel free of charge up to two days before arrival, after that the "
    "first night is charged. Refunds reach your card within a week of cancelling. " * 2
    for i in range(8)
)
DOCS = {
    "hotels/lakeside-hotel.md": (
        "# Lakeside Hotel\n\nAnswers about the Lakeside Hotel.\n\n"
        "## Parking\n\nThe Lakeside car park behind the building costs 12 a day.\n\n"
        f"## Cancellation policy\n\n{LONG}\n\n"
        "## Members\n\n### Prices\n\nMembers pay 90 a night.\n\n"
        "## Visitors\n\n### Prices\n\nVisitors pay 120 a night.\n"
    ),
    "hotels/harbour-view-inn.md": (
        "# Harbour View Inn\n\nAnswers about the Harbour View Inn.\n\n"
        "## Parking\n\nThe Harbour View Inn has no parking; use the public car park.\n\n"
        "## Wi-Fi\n\nFree wireless internet in every room.\n"
    ),
}


def _turn(speaker: str, text: str) -> dict[str, str]:
    return {"speaker": speaker, "text": text}


ROWS: list[dict[str, object]] = [
    {
        "kind": "query",
        "id": "q1",
        "context": [_turn("customer", "hi, we're booked at the Lakeside Hotel")],
        "text": "do they have parking?",
        "gold": [{"file": "./hotels/lakeside-hotel.md", "heading": "  PARKING "}],
        "extra": "ignored",
    },
    {
        "kind": "query",
        "id": "q2",
        "context": [
            _turn("customer", "hello, reservation 123"),
            _turn("agent", "I see your stay at the Harbour View Inn."),
        ],
        "text": "is there wifi in the room?",
        "gold": [{"file": "hotels/harbour-view-inn.md", "heading": "Wi-Fi"}],
    },
    {"kind": "note", "id": "n1", "text": "another kind: ignored"},
    {
        "kind": "query",
        "id": "q3",
        "context": [],
        "text": "how much do visitors pay a night at the Lakeside Hotel?",
        "gold": [{"file": "hotels/lakeside-hotel.md", "heading": "prices"}],
    },
    {
        "kind": "query",
        "id": "q4",
        "context": [_turn("customer", "I'm at the Lakeside Hotel next week")],
        "text": "can I cancel free of charge and when does the refund reach my card?",
        "gold": [{"file": "hotels/lakeside-hotel.md", "heading": "Cancellation policy"}],
        "category": "also ignored",
    },
]


def _docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    for rel, text in DOCS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _dataset(tmp_path: Path, rows: list[dict[str, object]] = ROWS) -> Path:
    path = tmp_path / "dataset.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _tree(root: Path) -> dict[str, tuple[str, int]]:
    return {
        p.relative_to(root).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _passage(
    id_: int, file: str, heading: str, path: tuple[str, ...], anchor: str, piece: int = 0
) -> Passage:
    return Passage(
        id=id_,
        kind=PassageKind.DOC,
        source="t",
        file=file,
        heading=heading,
        heading_path=path,
        anchor=anchor,
        piece=piece,
        text="",
        url=None,
    )


# -- the hit@k rule ----------------------------------------------------------------


def test_headings_match_trimmed_and_case_folded_and_files_without_dot_slash() -> None:
    gold = [Gold.of("./hotels/a.md", "  Check-IN   time ")]
    assert Ranked("hotels/a.md", "check-in time", 1.0).matches(gold[0])
    assert not Ranked("hotels/b.md", "check-in time", 1.0).matches(gold[0])
    assert not Ranked("hotels/a.md", "Check-out time", 1.0).matches(gold[0])
    ranked = [
        Ranked("hotels/b.md", "Check-in time", 3.0),
        Ranked("hotels/a.md", "CHECK-IN TIME", 2.0),
    ]
    assert first_right(ranked, gold) == 2
    assert not hit_at(ranked, gold, 1)
    assert hit_at(ranked, gold, 2)


def test_pieces_of_one_section_take_one_slot_at_their_best_place() -> None:
    a0 = _passage(1, "a.md", "Cancel", ("A", "Cancel"), "cancel", 0)
    a1 = _passage(2, "a.md", "Cancel", ("A", "Cancel"), "cancel", 1)
    b = _passage(3, "a.md", "Parking", ("A", "Parking"), "parking")
    c = _passage(4, "b.md", "Cancel", ("B", "Cancel"), "cancel")
    ranked = merge([(a1, 9.0), (b, 8.0), (a0, 7.0), (c, 6.0)], depth=3)
    assert [(r.file, r.heading, r.score) for r in ranked] == [
        ("a.md", "Cancel", 9.0),
        ("a.md", "Parking", 8.0),
        ("b.md", "Cancel", 6.0),
    ]


def test_two_sections_with_the_same_heading_in_one_file_are_both_right() -> None:
    members = _passage(1, "a.md", "Prices", ("A", "Members", "Prices"), "prices")
    visitors = _passage(2, "a.md", "Prices", ("A", "Visitors", "Prices"), "prices-1")
    other = _passage(3, "a.md", "Parking", ("A", "Parking"), "parking")
    ranked = merge([(other, 3.0), (visitors, 2.0), (members, 1.0)], depth=5)
    assert len(ranked) == 3  # distinct sections, not merged by heading
    gold = [Gold.of("a.md", "prices")]
    assert first_right(ranked, gold) == 2
    assert first_right(merge([(members, 1.0)], 5), gold) == 1


def test_the_product_reader_splits_the_long_section_and_the_bench_counts_it_once(
    tmp_path: Path,
) -> None:
    documents, problems = read_docs(_docs(tmp_path))
    assert problems == []
    passages = passages_of(documents)
    pieces = [p for p in passages if p.heading == "Cancellation policy"]
    assert len(pieces) > 1  # so the merged-pieces rule is exercised end to end
    assert len({(p.file, p.heading_path, p.anchor) for p in passages}) == len(passages) - (
        len(pieces) - 1
    )


# -- the command ---------------------------------------------------------------------


KEYS = {"queries", "passages", "k", "recall@1", "recall@5", "mrr@5", "p50_ms", "p95_ms"}
KEYS |= {"index_ms_per_passage"}
SWEEP_KEYS = {"unanswerable", "threshold_sweep", "threshold_best"}
ROW_KEYS = {"threshold", "answered", "answered_right", "precision", "coverage"}
ROW_KEYS |= {"unanswerable_flagged", "no_source_precision"}
UNANSWERABLE: dict[str, object] = {
    "kind": "query",
    "id": "u1",
    "context": [_turn("customer", "hi, we're booked at the Lakeside Hotel")],
    # Every word of it is in the Lakeside parking section: confidently answered, yet
    # marked as a question the docs do not answer, so answering it is always wrong.
    "text": "is there a car park behind the building?",
    "gold": [],
    "answerable": False,
}


def _report(tmp_path: Path, rows: list[dict[str, object]]) -> dict[str, Any]:
    result = CliRunner().invoke(
        bench_cli,
        [
            "knowledge",
            "--docs",
            str(_docs(tmp_path)),
            "--dataset",
            str(_dataset(tmp_path, rows)),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_json_report_has_the_agreed_keys_and_ranges(tmp_path: Path) -> None:
    docs = _docs(tmp_path)
    result = CliRunner().invoke(
        bench_cli,
        [
            "knowledge",
            "--docs",
            str(docs),
            "--dataset",
            str(_dataset(tmp_path)),
            "--json",
            "--baseline",
            "bm25",
            "--k",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == KEYS | SWEEP_KEYS | {"baseline"}
    assert set(report["baseline"]) == KEYS
    for figures in (report, report["baseline"]):
        assert figures["queries"] == 4  # the note line is not a query
        assert figures["k"] == 3
        # 8 sections with text; the long one's pieces count once
        assert figures["passages"] == 8
        for name in ("recall@1", "recall@5", "mrr@5"):
            assert 0.0 <= figures[name] <= 1.0
        assert figures["recall@1"] <= figures["mrr@5"] <= figures["recall@5"]
        for name in ("p50_ms", "p95_ms", "index_ms_per_passage"):
            assert figures[name] >= 0.0
        assert figures["p50_ms"] <= figures["p95_ms"]
    assert report["recall@5"] == 1.0  # every gold section is in the tiny index


def test_per_query_lists_sections_best_first(tmp_path: Path) -> None:
    out = tmp_path / "ranked.jsonl"
    result = CliRunner().invoke(
        bench_cli,
        [
            "knowledge",
            "--docs",
            str(_docs(tmp_path)),
            "--dataset",
            str(_dataset(tmp_path)),
            "--per-query",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2", "q3", "q4"]
    for line in lines:
        assert set(line) == {"id", "retrieved"}
        retrieved = line["retrieved"]
        # up to --k (5 by default); fewer only when fewer sections share a word with it
        assert 1 <= len(retrieved) <= 5
        assert all(set(r) == {"file", "heading", "score"} for r in retrieved)
        scores = [r["score"] for r in retrieved]
        assert scores == sorted(scores, reverse=True)
    assert len(lines[0]["retrieved"]) == 5
    cancel = [r for r in lines[3]["retrieved"] if r["heading"] == "Cancellation policy"]
    assert len(cancel) == 1  # its pieces take one slot
    assert lines[0]["retrieved"][0] == {
        "file": "hotels/lakeside-hotel.md",
        "heading": "Parking",
        "score": lines[0]["retrieved"][0]["score"],
    }


def test_the_table_shows_the_baseline_ratio_and_goals(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        bench_cli,
        [
            "knowledge",
            "--docs",
            str(_docs(tmp_path)),
            "--dataset",
            str(_dataset(tmp_path)),
            "--baseline",
            "bm25",
        ],
    )
    assert result.exit_code == 0, result.output
    for text in ("recall@1", "recall@5", "mrr@5", "bm25", "recall@1 / baseline recall@1"):
        assert text in result.stdout
    assert "goals:" in result.stdout
    assert "recall@5 >= 0.85" in result.stdout
    assert "10,000 passages" in result.stdout


def test_a_gold_naming_no_section_is_a_miss_and_is_reported(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {
            "kind": "query",
            "id": "q1",
            "context": [],
            "text": "parking?",
            "gold": [{"file": "hotels/nowhere.md", "heading": "Parking"}],
        }
    ]
    result = CliRunner().invoke(
        bench_cli,
        [
            "knowledge",
            "--docs",
            str(_docs(tmp_path)),
            "--dataset",
            str(_dataset(tmp_path, rows)),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["recall@5"] == 0.0
    assert "1 gold entries name no section" in result.stderr


def test_the_docs_folder_is_never_written_to(tmp_path: Path) -> None:
    docs = _docs(tmp_path)
    before = _tree(docs)
    inside = docs / "ranked.jsonl"
    refused = CliRunner().invoke(
        bench_cli,
        [
            "knowledge",
            "--docs",
            str(docs),
            "--dataset",
            str(_dataset(tmp_path)),
            "--per-query",
            str(inside),
        ],
    )
    assert refused.exit_code == 2
    assert "inside --docs" in refused.output
    result = CliRunner().invoke(
        bench_cli,
        [
            "knowledge",
            "--docs",
            str(docs),
            "--dataset",
            str(_dataset(tmp_path)),
            "--baseline",
            "bm25",
            "--per-query",
            str(tmp_path / "ranked.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _tree(docs) == before


def test_unsupported_options_exit_2_with_a_clear_message(tmp_path: Path) -> None:
    base = ["knowledge", "--docs", str(_docs(tmp_path)), "--dataset", str(_dataset(tmp_path))]
    for extra, message in (
        (["--embeddings", "local"], "not supported yet for knowledge"),
        (["--embeddings", "openai"], "not supported yet for knowledge"),
        (["--embeddings", "maybe"], "unknown --embeddings"),
        (["--baseline", "tfidf"], "unknown baseline"),
    ):
        result = CliRunner().invoke(bench_cli, base + extra)
        assert result.exit_code == 2, extra
        assert message in result.output


def test_a_broken_dataset_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"kind": "note"}\n{"kind": "query", "id": "q1", "text": "x"}\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        bench_cli, ["knowledge", "--docs", str(_docs(tmp_path)), "--dataset", str(path)]
    )
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.output


# -- the committed data set ------------------------------------------------------------


def test_the_committed_data_set_is_what_the_generator_writes() -> None:
    docs, dataset = generate.files()
    assert generate.differences(generate.DATA, docs, dataset) == []
    queries = [json.loads(line) for line in dataset.splitlines()]
    assert len(queries) == 360
    assert all(q["kind"] == "query" for q in queries)
    answerable, unanswerable = queries[:300], queries[300:]
    assert all(q["gold"] and "answerable" not in q for q in answerable)
    assert all(q["gold"] == [] and q["answerable"] is False for q in unanswerable)
    assert {q["phrasing"] for q in unanswerable} == {"incidental", "unrelated"}


# -- the answer threshold ----------------------------------------------------------------


def test_the_sweep_reports_each_threshold_and_names_the_best(tmp_path: Path) -> None:
    """For each threshold from 0.25 to 0.8: how many a draft would answer, how often rightly,
    and how many unanswerable questions say a teammate will check; the best one is named."""
    report = _report(tmp_path, [*ROWS, UNANSWERABLE])
    assert report["queries"] == 4 and report["unanswerable"] == 1
    sweep = report["threshold_sweep"]
    assert isinstance(sweep, list)
    assert [row["threshold"] for row in sweep] == list(THRESHOLDS)
    assert THRESHOLDS[0] == 0.25 and THRESHOLDS[-1] == 0.8
    for row in sweep:
        assert set(row) == ROW_KEYS
        assert 0 <= row["answered_right"] <= row["answered"] <= 5
        for name in ("precision", "coverage", "unanswerable_flagged", "no_source_precision"):
            assert row[name] is None or 0.0 <= row[name] <= 1.0
    for before, after in itertools.pairwise(sweep):  # a higher bar answers less
        assert after["answered"] <= before["answered"]
        assert after["coverage"] <= before["coverage"]
        assert after["unanswerable_flagged"] >= before["unanswerable_flagged"]
    best = report["threshold_best"]
    assert isinstance(best, dict)
    assert best["threshold"] in THRESHOLDS and "precision" in best["criterion"]


def test_an_unanswerable_query_is_never_a_hit(tmp_path: Path) -> None:
    """A question marked as one the docs do not answer leaves recall as it was and, when a
    draft would answer it anyway, counts as a wrong answer, never a right one."""
    without = _report(tmp_path, ROWS)
    with_it = _report(tmp_path / "again", [*ROWS, UNANSWERABLE])
    for name in ("queries", "recall@1", "recall@5", "mrr@5"):
        assert with_it[name] == without[name]
    low_without, low_with = without["threshold_sweep"][0], with_it["threshold_sweep"][0]
    assert low_with["answered"] == low_without["answered"] + 1  # it is answered at 0.25…
    assert low_with["answered_right"] == low_without["answered_right"]  # …and never right
    assert low_with["coverage"] == low_without["coverage"]
    assert low_with["unanswerable_flagged"] == 0.0
    assert low_with["precision"] < low_without["precision"]


def test_the_table_shows_the_sweep_with_the_default_and_best_marked(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        bench_cli,
        [
            "knowledge",
            "--docs",
            str(_docs(tmp_path)),
            "--dataset",
            str(_dataset(tmp_path, [*ROWS, UNANSWERABLE])),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 queries (+1 no document answers)" in result.stdout
    assert "answer threshold" in result.stdout
    assert "<- " in result.stdout and "current default" in result.stdout
    assert "best threshold: " in result.stdout


def test_answerable_false_with_gold_is_a_dataset_error(tmp_path: Path) -> None:
    row = {**ROWS[0], "answerable": False}
    result = CliRunner().invoke(
        bench_cli,
        ["knowledge", "--docs", str(_docs(tmp_path)), "--dataset", str(_dataset(tmp_path, [row]))],
    )
    assert result.exit_code == 2
    assert "'answerable' is false but its 'gold' lists sections" in result.output
