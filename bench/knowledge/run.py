"""Knowledge retrieval quality and speed on a folder of Markdown (``rapport bench knowledge``).

The folder is read with the product's reader and indexed with the product's
:class:`~bot.knowledge.index.KnowledgeIndex`, exactly as a draft would search
it; each query is asked with its earlier turns as context. A plain BM25 over
heading and body, asked with the newest message alone, is the baseline.

Scoring (the issue's rules):

* A passage is named by its file (relative to the folder, POSIX, no ``./``)
  and its own heading (not its heading path), compared trimmed and case-folded.
* Pieces of one split section are one passage: a ranking is collapsed to one
  slot per section (file, heading path, anchor), at its best piece's place.
* A query is a hit at k when one of its first k sections matches a gold entry;
  two sections with the same heading in one file are both right.
* ``mrr@5``: the mean of 1/rank of the first right section in the first five
  (0 when none is).
* Recall and MRR are over the **answerable** queries only. A query with an
  empty ``gold`` (written with ``"answerable": false``) is one no document
  answers: it is never a hit, and is scored only by the threshold sweep.

The threshold sweep (``threshold_sweep``): for each confidence threshold t,
each query is decided as a draft would decide it (:meth:`KnowledgeBase.ground`:
of the first :data:`~bot.knowledge.answers.GIVEN` hits, those below
:data:`~bot.knowledge.answers.FLOOR` are not offered; the draft answers when
the first one offered has confidence >= t, else says a teammate will check).
Per t: ``precision``, of the queries answered, the share whose passage is
right (an unanswerable query answered is always wrong); ``coverage``, of the
answerable queries, the share answered with the right passage;
``unanswerable_flagged``, of the unanswerable queries, the share flagged "no
source"; ``no_source_precision``, of the queries flagged, the share no
document answers (``answered`` and ``answered_right`` are counts).
``threshold_best`` is the threshold with the highest coverage at precision
>= :data:`MIN_PRECISION` (ties: the higher threshold, which flags more
unanswerable questions at no cost); when none reaches it, the one with the
most right answers less wrong ones.

Nothing is ever written into the docs folder.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.recall.dataset import percentile
from bot.config import Settings
from bot.knowledge.answers import FLOOR, GIVEN
from bot.knowledge.index import KnowledgeIndex, terms
from bot.knowledge.reader import read_source
from memory.domain.knowledge import Document, Passage, PassageKind

KS = (1, 5)
DEFAULT_MIN_CONFIDENCE = float(Settings.model_fields["knowledge_min_confidence"].default)
K1 = 1.2
B = 0.75
SOURCE = "bench"
GOALS = {
    "ratio": 2.0,  # recall@1 at least this many times plain BM25 over the last message
    "recall@5": 0.85,
    "p95_ms": 10.0,  # per query, with 10,000 passages
    "passages_for_p95": 10_000,
    "index_ms_per_passage": 2.0,
}
# The confidence thresholds swept; below FLOOR nothing is offered, so lower ones act as FLOOR.
THRESHOLDS = tuple(round(0.25 + 0.05 * i, 2) for i in range(12))  # 0.25 … 0.80
MIN_PRECISION = 0.9  # threshold_best: the most coverage with at least this precision


class DatasetError(ValueError):
    """A data set line the benchmark cannot read, with where it is."""


# -- the data set ----------------------------------------------------------------


def normalize_file(file: str) -> str:
    """A path as the benchmark compares it: POSIX, relative, no leading ``./``."""
    file = file.strip().replace("\\", "/")
    while file.startswith("./"):
        file = file[2:]
    return file


def normalize_heading(heading: str) -> str:
    return " ".join(heading.split()).casefold()


@dataclass(frozen=True, slots=True)
class Gold:
    file: str
    heading: str  # normalized

    @classmethod
    def of(cls, file: str, heading: str) -> Gold:
        return cls(normalize_file(file), normalize_heading(heading))


@dataclass(frozen=True, slots=True)
class Query:
    id: str
    context: tuple[str, ...]  # the earlier turns' texts, oldest first
    text: str
    gold: tuple[Gold, ...]  # empty: no document answers it

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def load(path: Path) -> list[Query]:
    """The queries of a JSON-lines data set; other kinds and unknown keys are ignored."""
    queries: list[Query] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{where}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise DatasetError(f"{where}: each line must be a JSON object")
            if row.get("kind") != "query":
                continue
            query = _query(row, where)
            if query.id in seen:
                raise DatasetError(f"{where}: query id {query.id!r} appears twice")
            seen.add(query.id)
            queries.append(query)
    return queries


def _query(row: dict[str, Any], where: str) -> Query:
    qid, text = row.get("id"), row.get("text")
    if not isinstance(qid, str | int) or isinstance(qid, bool) or str(qid) == "":
        raise DatasetError(f"{where}: a query needs an 'id'")
    if not isinstance(text, str):
        raise DatasetError(f"{where}: query {qid!r} needs a 'text' string")
    context: list[str] = []
    for turn in row.get("context") or []:
        if isinstance(turn, str):
            context.append(turn)
        elif isinstance(turn, dict) and isinstance(turn.get("text"), str):
            context.append(turn["text"])
        else:
            raise DatasetError(f"{where}: each 'context' turn must be an object with a 'text'")
    gold: list[Gold] = []
    raw_gold = row.get("gold")
    if not isinstance(raw_gold, list):
        raise DatasetError(f"{where}: query {qid!r} needs a 'gold' list")
    for entry in raw_gold:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("file"), str)
            or not isinstance(entry.get("heading"), str)
        ):
            raise DatasetError(f"{where}: each 'gold' entry needs a 'file' and a 'heading'")
        gold.append(Gold.of(entry["file"], entry["heading"]))
    answerable = row.get("answerable", bool(gold))
    if answerable is not bool(gold):
        raise DatasetError(
            f"{where}: query {qid!r}: 'answerable' is {str(answerable).lower()} but its 'gold' "
            + ("lists sections" if gold else "is empty")
        )
    return Query(str(qid), tuple(context), text, tuple(gold))


# -- reading the docs ------------------------------------------------------------


def read_docs(root: Path) -> tuple[list[Document], list[str]]:
    """The folder's documents as the product reads them, and the files it could not read."""
    result = read_source(root)
    return result.documents, [f"{p.path}: {p.reason}" for p in result.problems]


def passages_of(documents: Iterable[Document]) -> list[Passage]:
    """Documents' sections as stored passages (the store keeps those with a heading or text)."""
    passages: list[Passage] = []
    for document in documents:
        for section in document.sections:
            if not (section.text.strip() or section.heading.strip()):
                continue
            passages.append(
                Passage(
                    id=len(passages) + 1,
                    kind=PassageKind.DOC,
                    source=SOURCE,
                    file=document.path,
                    heading=section.heading,
                    heading_path=section.heading_path,
                    anchor=section.anchor,
                    piece=section.piece,
                    text=section.text,
                    url=None,
                )
            )
    return passages


SectionKey = tuple[str, tuple[str, ...], str]


def section_key(passage: Passage) -> SectionKey:
    return (passage.file, passage.heading_path, passage.anchor)


def count_sections(passages: Iterable[Passage]) -> int:
    return len({section_key(p) for p in passages})


# -- ranking and scoring --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ranked:
    """One section in a ranking: its file, its own heading, its best piece's score."""

    file: str
    heading: str
    score: float

    def matches(self, gold: Gold) -> bool:
        return normalize_file(self.file) == gold.file and normalize_heading(self.heading) == (
            gold.heading
        )


def merge(scored: Iterable[tuple[Passage, float]], depth: int) -> list[Ranked]:
    """The first ``depth`` distinct sections, each at its best piece's place."""
    seen: set[SectionKey] = set()
    out: list[Ranked] = []
    for passage, score in scored:
        key = section_key(passage)
        if key in seen:
            continue
        seen.add(key)
        out.append(Ranked(passage.file, passage.heading, score))
        if len(out) == depth:
            break
    return out


def first_right(ranked: Sequence[Ranked], gold: Sequence[Gold]) -> int | None:
    """The 1-based rank of the first section matching a gold entry, or None."""
    for rank, item in enumerate(ranked, 1):
        if any(item.matches(g) for g in gold):
            return rank
    return None


def hit_at(ranked: Sequence[Ranked], gold: Sequence[Gold], k: int) -> bool:
    rank = first_right(ranked, gold)
    return rank is not None and rank <= k


# -- the systems ---------------------------------------------------------------


Searcher = Callable[[Query, int], list[Ranked]]


def rapport_searcher(index: KnowledgeIndex) -> Searcher:
    """The product's search, asked for more pieces until ``depth`` sections are found."""

    def search(query: Query, depth: int) -> list[Ranked]:
        want = depth * 2
        while True:
            hits = index.search(query.text, query.context, k=want)
            ranked = merge(((h.passage, h.score) for h in hits), depth)
            if len(ranked) >= depth or len(hits) < want:
                return ranked
            want *= 4

    return search


class BM25:
    """A plain Okapi BM25 over each passage's own heading and body, with ``terms()``."""

    def __init__(self, passages: Sequence[Passage], *, k1: float = K1, b: float = B) -> None:
        self.passages = list(passages)
        bags = [_counts(terms(f"{p.heading}\n{p.text}")) for p in self.passages]
        lengths = [sum(bag.values()) for bag in bags]
        count = len(bags)
        average = sum(lengths) / count if count else 0.0
        frequency: dict[str, int] = {}
        for bag in bags:
            for term in bag:
                frequency[term] = frequency.get(term, 0) + 1
        idf = {t: _idf(count, n) for t, n in frequency.items()}
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for index, bag in enumerate(bags):
            norm = k1 * (1 - b + b * lengths[index] / average) if average else k1
            for term, tf in bag.items():
                weight = idf[term] * tf * (k1 + 1) / (tf + norm)
                self.postings.setdefault(term, []).append((index, weight))

    def search(self, text: str, k: int) -> list[tuple[Passage, float]]:
        scores: dict[int, float] = {}
        for term in set(terms(text)):
            for index, weight in self.postings.get(term, ()):
                scores[index] = scores.get(index, 0.0) + weight
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [(self.passages[i], round(s, 4)) for i, s in best]


def _counts(words: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for word in words:
        out[word] = out.get(word, 0) + 1
    return out


def _idf(count: int, n: int) -> float:
    return math.log(1 + (count - n + 0.5) / (n + 0.5))


def bm25_searcher(index: BM25) -> Searcher:
    """The baseline: the newest message alone, no context."""

    def search(query: Query, depth: int) -> list[Ranked]:
        want = depth * 2
        while True:
            scored = index.search(query.text, want)
            ranked = merge(scored, depth)
            if len(ranked) >= depth or len(scored) < want:
                return ranked
            want *= 4

    return search


# -- running --------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    """What one system did on the data set."""

    name: str
    passages: int  # sections after merging
    index_seconds: float
    ranked: dict[str, list[Ranked]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    decided: dict[str, Decision] = field(default_factory=dict)  # rapport only

    def figures(self, queries: Sequence[Query], k: int) -> dict[str, Any]:
        ranks = [first_right(self.ranked.get(q.id, []), q.gold) for q in queries]
        total = max(1, len(queries))
        out: dict[str, Any] = {"queries": len(queries), "passages": self.passages, "k": k}
        for depth in KS:
            out[f"recall@{depth}"] = round(
                sum(1 for r in ranks if r is not None and r <= depth) / total, 4
            )
        out["mrr@5"] = round(sum(1 / r for r in ranks if r is not None and r <= 5) / total, 4)
        out["p50_ms"] = round(percentile(self.latencies_ms, 0.50), 3)
        out["p95_ms"] = round(percentile(self.latencies_ms, 0.95), 3)
        out["index_ms_per_passage"] = round(1000 * self.index_seconds / max(1, self.passages), 4)
        return out

    def recall_at(self, queries: Sequence[Query], k: int) -> float:
        hits = sum(1 for q in queries if hit_at(self.ranked.get(q.id, []), q.gold, k))
        return round(hits / max(1, len(queries)), 4)


@dataclass(frozen=True, slots=True)
class Decision:
    """What a draft would be given first for a query: its confidence, and whether it is right."""

    confidence: float | None  # None: no passage reaches FLOOR, so nothing is offered
    right: bool


def decide(index: KnowledgeIndex, query: Query) -> Decision:
    """As :meth:`KnowledgeBase.ground` does: the first of the top hits that reaches FLOOR."""
    for hit in index.search(query.text, query.context, k=GIVEN):
        confidence = index.confidence(hit, query.text)
        if confidence >= FLOOR:
            found = Ranked(hit.passage.file, hit.passage.heading, hit.score)
            return Decision(confidence, any(found.matches(g) for g in query.gold))
    return Decision(None, False)


def sweep(
    decided: dict[str, Decision], queries: Sequence[Query], thresholds: Sequence[float]
) -> list[dict[str, Any]]:
    """Per threshold: precision of "answered", coverage, and how "no source" fares."""
    answerable = [q for q in queries if q.answerable]
    unanswerable = [q for q in queries if not q.answerable]
    rows = []
    for t in thresholds:

        def answers(q: Query, t: float = t) -> bool:
            confidence = decided[q.id].confidence
            return confidence is not None and confidence >= t

        answered = [q for q in queries if answers(q)]
        right = [q for q in answered if q.answerable and decided[q.id].right]
        flagged = [q for q in queries if not answers(q)]
        rows.append(
            {
                "threshold": t,
                "answered": len(answered),
                "answered_right": len(right),
                "precision": _share(len(right), len(answered)),
                "coverage": _share(len(right), len(answerable)),
                "unanswerable_flagged": _share(
                    sum(1 for q in unanswerable if not answers(q)), len(unanswerable)
                ),
                "no_source_precision": _share(
                    sum(1 for q in flagged if not q.answerable), len(flagged)
                ),
            }
        )
    return rows


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def best_threshold(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The threshold to answer from, and the criterion that chose it.

    The highest coverage at precision >= MIN_PRECISION (ties: the higher
    threshold, which flags more unanswerable questions). When no threshold
    reaches that precision, the one with the most right answers less wrong
    ones (an answered query is either a look-up saved or one the rep must
    catch; ties: the higher threshold).
    """
    eligible = [r for r in rows if r["precision"] is not None and r["precision"] >= MIN_PRECISION]
    if eligible:
        best = max(eligible, key=lambda r: (r["coverage"] or 0.0, r["threshold"]))
        criterion = (
            f"highest coverage with precision >= {MIN_PRECISION:g}; ties: the higher threshold"
        )
        return {"criterion": criterion, **best}
    if not rows:
        return {"criterion": "no thresholds swept", "threshold": None}
    best = max(rows, key=lambda r: (_net(r), r["threshold"]))
    criterion = (
        f"no threshold reaches precision {MIN_PRECISION:g}; so the most right answers "
        "less wrong answers (ties: the higher threshold)"
    )
    return {"criterion": criterion, **best}


def _net(row: dict[str, Any]) -> int:
    """Right answers less wrong ones at this row's threshold."""
    right: int = row["answered_right"]
    return right - (int(row["answered"]) - right)


def ask(run: Run, search: Searcher, queries: Sequence[Query], depth: int) -> None:
    for query in queries:
        started = time.perf_counter()
        ranked = search(query, depth)
        run.latencies_ms.append(1000 * (time.perf_counter() - started))
        run.ranked[query.id] = ranked


def run_rapport(
    docs: Path, queries: Sequence[Query], depth: int
) -> tuple[Run, list[Passage], list[str]]:
    """Read and index the folder (timed together), then ask every query."""
    started = time.perf_counter()
    documents, problems = read_docs(docs)
    passages = passages_of(documents)
    index = KnowledgeIndex(passages)
    seconds = time.perf_counter() - started
    run = Run("rapport", count_sections(passages), seconds)
    ask(run, rapport_searcher(index), queries, depth)
    run.decided = {q.id: decide(index, q) for q in queries}  # after timing: latency unchanged
    return run, passages, problems


def run_bm25(docs: Path, queries: Sequence[Query], depth: int) -> Run:
    """The baseline reads the folder again, so its indexing time is its own."""
    started = time.perf_counter()
    passages = passages_of(read_docs(docs)[0])
    index = BM25(passages)
    seconds = time.perf_counter() - started
    run = Run("bm25", count_sections(passages), seconds)
    ask(run, bm25_searcher(index), queries, depth)
    return run


def unknown_gold(queries: Sequence[Query], passages: Sequence[Passage]) -> list[str]:
    """Gold entries that name no section of the docs (they can never be hit)."""
    known = {Gold.of(p.file, p.heading) for p in passages}
    return [f"{q.id}: {g.file} › {g.heading}" for q in queries for g in q.gold if g not in known]


@dataclass(slots=True)
class Result:
    report: dict[str, Any]  # what --json prints
    run: Run
    baseline: Run | None
    unknown_gold: list[str]  # gold entries naming no section
    problems: list[str]  # files the reader could not read

    def extra_rows(self, queries: Sequence[Query], k: int) -> dict[str, tuple[float, float | None]]:
        """recall at --k, for the table, when --k is neither 1 nor 5."""
        if k in KS:
            return {}
        answerable = [q for q in queries if q.answerable]
        base = self.baseline.recall_at(answerable, k) if self.baseline else None
        return {f"recall@{k}": (self.run.recall_at(answerable, k), base)}


def measure(docs: Path, queries: Sequence[Query], k: int, *, baseline: str | None = None) -> Result:
    """Run Rapport's retrieval (and the baseline) on the data set.

    Recall, MRR and ``queries`` are over the answerable queries; every query is
    asked (so latency covers all of them) and decided for the threshold sweep.
    """
    depth = max(k, *KS)
    answerable = [q for q in queries if q.answerable]
    run, passages, problems = run_rapport(docs, queries, depth)
    report = run.figures(answerable, k)
    report["unanswerable"] = len(queries) - len(answerable)
    report["threshold_sweep"] = sweep(run.decided, queries, THRESHOLDS)
    report["threshold_best"] = best_threshold(report["threshold_sweep"])
    base = None
    if baseline == "bm25":
        base = run_bm25(docs, answerable, depth)
        report["baseline"] = base.figures(answerable, k)
    return Result(report, run, base, unknown_gold(queries, passages), problems)


def write_rankings(path: Path, queries: Sequence[Query], run: Run, k: int) -> None:
    """Each query's sections, best first, one JSON line per query (``--per-query``)."""
    depth = max(k, *KS)
    with path.open("w", encoding="utf-8") as out:
        for query in queries:
            retrieved = [
                {"file": r.file, "heading": r.heading, "score": r.score}
                for r in run.ranked.get(query.id, [])[:depth]
            ]
            out.write(json.dumps({"id": query.id, "retrieved": retrieved}, ensure_ascii=False))
            out.write("\n")


# -- the report ----------------------------------------------------------------


def ratio(report: dict[str, Any], name: str = "recall@1") -> float | None:
    base = report.get("baseline")
    if not base or not base.get(name):
        return None
    return round(float(report[name]) / float(base[name]), 2)


def goals(report: dict[str, Any]) -> list[str]:
    """One line per goal: the figure and whether it is met."""

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines = []
    r = ratio(report)
    if "baseline" not in report:
        lines.append("recall@1 >= 2x plain BM25 (last message): run with --baseline bm25")
    elif r is None:
        lines.append(
            "recall@1 >= 2x plain BM25 (last message): baseline recall@1 is 0, "
            f"rapport {report['recall@1']}"
        )
    else:
        lines.append(
            f"recall@1 >= 2x plain BM25 (last message): {r}x  {verdict(r >= GOALS['ratio'])}"
        )
    lines.append(
        f"recall@5 >= {GOALS['recall@5']}: {report['recall@5']}  "
        f"{verdict(report['recall@5'] >= GOALS['recall@5'])}"
    )
    size = GOALS["passages_for_p95"]
    p95 = f"p95 < {GOALS['p95_ms']:g} ms per query at {size:,} passages: {report['p95_ms']} ms"
    ok = report["p95_ms"] < GOALS["p95_ms"]
    if report["passages"] < size:
        p95 += (
            f", measured at {report['passages']:,} passages (not the goal's size: run on the "
            "folder `python -m bench.knowledge.generate --scale 10000 --out DIR` writes)"
        )
    else:
        p95 += f"  {verdict(ok)}"
    lines.append(p95)
    lines.append(
        f"indexing < {GOALS['index_ms_per_passage']:g} ms per passage: "
        f"{report['index_ms_per_passage']} ms  "
        f"{verdict(report['index_ms_per_passage'] < GOALS['index_ms_per_passage'])}"
    )
    return lines


ROWS = ("recall@1", "recall@5", "mrr@5", "p50_ms", "p95_ms", "index_ms_per_passage")


def table(
    report: dict[str, Any],
    label: str,
    extra: dict[str, tuple[float, float | None]] | None = None,
) -> str:
    base = report.get("baseline")
    unanswerable = report.get("unanswerable")
    lines = [
        f"{label}: {report['passages']} passages (sections), {report['queries']} queries"
        + (f" (+{unanswerable} no document answers)" if unanswerable else "")
        + f", k={report['k']}",
        f"{'':24}{'rapport':>10}" + (f"{'bm25':>10}{'ratio':>8}" if base else ""),
    ]
    rows: list[tuple[str, Any, Any]] = [
        (name, report[name], base[name] if base else None) for name in ROWS
    ]
    for name, (value, other) in (extra or {}).items():  # recall at --k when not 1 or 5
        rows.insert(2, (name, value, other))
    for name, value, other in rows:
        line = f"{name:24}{value:>10}"
        if base:
            r = round(value / other, 2) if other else None
            line += f"{'' if other is None else other:>10}{'' if r is None else r:>8}"
        lines.append(line)
    if base:
        r = ratio(report)
        lines.append(f"recall@1 / baseline recall@1: {'n/a' if r is None else r}")
    lines.append("goals:")
    lines += [f"  {line}" for line in goals(report)]
    if report.get("threshold_sweep"):
        lines += threshold_lines(report)
    return "\n".join(lines)


def threshold_lines(report: dict[str, Any]) -> list[str]:
    """The sweep as a table, the default and the best threshold marked."""
    default = DEFAULT_MIN_CONFIDENCE
    best = report.get("threshold_best") or {}
    lines = [
        "answer threshold (a draft answers when its best passage's confidence >= t):",
        f"  {'t':>5}{'answered':>10}{'precision':>11}{'coverage':>10}"
        f"{'unans. flagged':>16}{'no-source prec.':>17}",
    ]

    def cell(value: float | None, width: int) -> str:
        return f"{'n/a' if value is None else f'{value:.3f}':>{width}}"

    for row in report["threshold_sweep"]:
        marks = []
        if row["threshold"] == best.get("threshold"):
            marks.append("best")
        if abs(row["threshold"] - default) < 1e-9:
            marks.append("current default")
        lines.append(
            f"  {row['threshold']:>5.2f}{row['answered']:>10}{cell(row['precision'], 11)}"
            f"{cell(row['coverage'], 10)}{cell(row['unanswerable_flagged'], 16)}"
            f"{cell(row['no_source_precision'], 17)}"
            + (f"  <- {', '.join(marks)}" if marks else "")
        )
    chosen = best.get("threshold")
    verdict = "none qualifies" if chosen is None else f"{chosen:.2f}"
    lines.append(f"  best threshold: {verdict} ({best.get('criterion', '')})")
    return lines
