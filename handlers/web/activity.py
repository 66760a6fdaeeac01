"""The Activity page: how quickly customers hear back and how reps decide.

The chart is inline SVG drawn on the server (no script, no CDN); its numbers
are also in a table beside it for screen readers and for people who prefer them.

"Learning from edits" shows, per reply-template version and per kind of
message, how often reps send a draft as it is, edit it or reject it, and the
latest edits as word diffs: which template version reps rewrite most, and how.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.drafters.offline.reading import read
from handlers.web.auth import RepLogin
from handlers.web.context import ConsoleDep, duration
from memory import stats

router = APIRouter()

PLATFORMS = ("slack", "discord", "web")
LATEST_EDITS = 10
DIFF_CONTEXT = 4  # unchanged words kept either side of a change in a word diff


@router.get("/activity", response_class=HTMLResponse)
async def activity_page(
    request: Request,
    console: ConsoleDep,
    login: RepLogin,
    days: int = 7,
    platform: str = "",
) -> Response:
    days = days if days in stats.PERIODS else 7
    platform = platform if platform in PLATFORMS else ""
    data = await stats.activity(
        console.runtime.store.sessions, days=days, platform=platform or None
    )
    learning = await stats.edit_learning(
        console.runtime.store.sessions,
        days=days,
        platform=platform or None,
        intent_of=intent_of,
        latest_edits=LATEST_EDITS,
    )
    context: dict[str, Any] = {
        "data": data,
        "days": days,
        "periods": stats.PERIODS,
        "platform": platform,
        "platforms": PLATFORMS,
        "chart": bar_chart(data.buckets),
        "duration": duration,
        "decisions": stats.DECISIONS,
        "learning": learning,
        "diffs": {e.draft_id: word_diff(e.drafted, e.sent) for e in learning.edits},
    }
    return console.page(request, "activity.html", context)


def intent_of(text: str) -> str:
    """What a customer message is, as the offline drafter reads it ("question",
    "problem:delay"…): the rows of the per-intent table."""
    return read(text).intent


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of words in a word diff: kept, added by the rep, removed by the rep, or elided."""

    kind: Literal["same", "ins", "del", "gap"]
    text: str


def word_diff(drafted: str, sent: str, *, context: int = DIFF_CONTEXT) -> list[Piece]:
    """The rep's edit as word runs; long unchanged stretches shrink to ``context`` words
    either side of a change, with a gap ("…") between."""
    old, new = drafted.split(), sent.split()
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    if all(op == "equal" for op, *_ in opcodes):
        return [Piece("same", " ".join(new))] if new else []
    pieces: list[Piece] = []
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            words = old[a1:a2]
            first, last = index == 0, index == len(opcodes) - 1
            keep_head = 0 if first else context
            keep_tail = 0 if last else context
            if len(words) > keep_head + keep_tail + 1:
                if keep_head:
                    pieces.append(Piece("same", " ".join(words[:keep_head])))
                pieces.append(Piece("gap", "…"))
                if keep_tail:
                    pieces.append(Piece("same", " ".join(words[-keep_tail:])))
            else:
                pieces.append(Piece("same", " ".join(words)))
            continue
        if op in ("delete", "replace"):
            pieces.append(Piece("del", " ".join(old[a1:a2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("ins", " ".join(new[b1:b2])))
    return pieces


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # "in" | "out": the CSS class
    title: str


def bar_chart(
    buckets: list[tuple[str, int, int]], *, width: int = 720, height: int = 220
) -> dict[str, Any]:
    """Paired bars (customer messages, replies sent) per bucket, with a labelled y axis."""
    left, bottom, top = 36, 28, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max((max(a, b) for _, a, b in buckets), default=0)
    scale_top = _nice_ceiling(peak)
    slot = plot_w / max(len(buckets), 1)
    bar_w = max(1.5, min(18.0, slot * 0.38))
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    every = max(1, math.ceil(len(buckets) / 12))  # at most a dozen labels on the x axis
    for index, (label, received, replied) in enumerate(buckets):
        x = left + index * slot + slot / 2
        for offset, value, kind, noun in (
            (-bar_w, received, "in", "customer messages"),
            (0.0, replied, "out", "replies sent"),
        ):
            h = plot_h * value / scale_top if scale_top else 0
            bars.append(
                Bar(x + offset, top + plot_h - h, bar_w, h, kind, f"{label}: {value} {noun}")
            )
        if index % every == 0:
            labels.append((x, label))
    ticks = [(top + plot_h - plot_h * i / 4, round(scale_top * i / 4)) for i in range(5)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "plot_w": plot_w,
        "plot_h": plot_h,
        "bars": bars,
        "labels": labels,
        "ticks": ticks if scale_top else [(top + plot_h, 0)],
        "empty": peak == 0,
    }


def _nice_ceiling(value: int) -> int:
    """4 → 4, 13 → 20, 130 → 200: an axis top that divides into four round steps."""
    if value <= 0:
        return 0
    quarter = value / 4
    magnitude = 10 ** math.floor(math.log10(quarter)) if quarter >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= quarter)
    return int(4 * step)
