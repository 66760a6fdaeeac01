"""The warmth rubric's score for the offline drafter, before (the old one) and after.

    .venv/bin/python -m tests.warmth.report [--drafts]

Prints checks passed / checks run per drafter, the failures of each, and with
``--drafts`` every draft. Runs on throwaway SQLite databases.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections import Counter
from pathlib import Path

import structlog

from bot.drafters import OfflineDrafter
from bot.drafters.base import Drafter
from memory.database import upgrade
from tests.warmth.baseline_offline import OfflineDrafter as BaselineDrafter
from tests.warmth.harness import draft_all, judge_all
from tests.warmth.rubric import Verdict
from tests.warmth.scenarios import SCENARIOS


async def measure(
    drafter: Drafter, template: Path, workdir: Path
) -> tuple[dict[str, str], dict[str, list[Verdict]]]:
    drafts = await draft_all(SCENARIOS, drafter, template, workdir)
    return drafts, judge_all(SCENARIOS, drafts)


def totals(verdicts: dict[str, list[Verdict]]) -> tuple[int, int]:
    flat = [v for vs in verdicts.values() for v in vs]
    return sum(v.passed for v in flat), len(flat)


def main() -> None:
    # The engine's per-message log lines would bury the score.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", action="store_true", help="print every draft")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        template = workdir / "template.db"
        upgrade(f"sqlite:///{template}")
        for label, drafter in (("before", BaselineDrafter()), ("after", OfflineDrafter())):
            drafts, verdicts = asyncio.run(measure(drafter, template, workdir))
            passed, run = totals(verdicts)
            print(f"{label}: {passed}/{run} rubric checks passed ({100 * passed / run:.1f}%)")
            failed = Counter(v.check for vs in verdicts.values() for v in vs if not v.passed)
            for check, n in sorted(failed.items()):
                print(f"  {check}: {n} failed")
            for name, vs in verdicts.items():
                for v in vs:
                    if not v.passed:
                        print(f"    [{name}] {v.check}: {v.reason}")
                if args.drafts:
                    print(f"  {name}: {drafts[name]}")


if __name__ == "__main__":
    main()
