"""Running a scenario on the real engine: dated history stored, then the new message drafted.

Each scenario gets its own database, so no customer's history leaks into
another's draft. Check-ins go through the engine's own check-in request
(recall around the reason, the check-in template), then the drafter.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.drafters.base import Drafter
from bot.runtime import build_runtime
from bot.safety import clean_reply
from memory.domain import AuthorRole, conversation_key
from memory.store import Ingested
from tests.helpers import message
from tests.knowledge.docs import PETS, SHIPPING
from tests.warmth.rubric import Verdict, judge
from tests.warmth.scenarios import NOW, Scenario

PREFIX = "https://help.example.com"


def user_of(scenario: Scenario) -> str:
    return "u-" + scenario.customer.split()[0].lower()


async def draft_for(scenario: Scenario, drafter: Drafter, database_url: str) -> str:
    """The draft ``drafter`` writes for ``scenario``'s new message (or check-in)."""
    runtime = build_runtime(Settings(database_url=database_url), drafter=drafter)
    try:
        if scenario.knowledge:
            await runtime.store.knowledge.sync("help", "/docs", [SHIPPING, PETS], url_prefix=PREFIX)
        customer_id: int | None = None
        for turn in sorted(scenario.history, key=lambda t: -t.days_ago):
            at = NOW - timedelta(days=turn.days_ago)
            if turn.by == "customer":
                msg = message(turn.text, user=user_of(scenario), name=scenario.customer, at=at)
            else:
                msg = message(
                    turn.text,
                    user=f"rep-{turn.by.split()[0].lower()}",
                    name=turn.by,
                    at=at,
                    role=AuthorRole.REP,
                )
            stored = await runtime.engine.ingest(msg)
            if isinstance(stored, Ingested) and turn.by == "customer":
                customer_id = stored.customer_id
        if scenario.checkin_reason is not None:
            assert customer_id is not None, "a check-in needs a customer with history"
            customer = await runtime.store.customer(customer_id)
            assert customer is not None
            _, request = await runtime.engine.writer.checkin_request(
                customer,
                scenario.checkin_reason,
                conversation_key("web", "demo", "community", "t1"),
            )
            return clean_reply(await drafter.draft(request))
        result = await runtime.engine.handle(
            message(scenario.message, user=user_of(scenario), name=scenario.customer, at=NOW)
        )
        assert isinstance(result, Ingested) and result.draft_id is not None
        draft = await runtime.store.drafts.get(result.draft_id)
        assert draft is not None and draft.text, f"no draft for {scenario.name!r}"
        return draft.text
    finally:
        await runtime.close()


async def draft_all(
    scenarios: Sequence[Scenario], drafter: Drafter, template: Path, workdir: Path
) -> dict[str, str]:
    """Every scenario's draft, each on a fresh copy of the migrated SQLite ``template``."""
    drafts: dict[str, str] = {}
    for i, scenario in enumerate(scenarios):
        path = workdir / f"warmth-{i}.db"
        shutil.copy(template, path)
        drafts[scenario.name] = await draft_for(scenario, drafter, f"sqlite:///{path}")
    return drafts


def normalised(scenarios: Sequence[Scenario], drafts: dict[str, str]) -> dict[str, str]:
    """Drafts with the customer's first name replaced, for comparing across customers."""
    first = {s.name: s.customer.split()[0] for s in scenarios}
    out = {n: re.sub(rf"\b{re.escape(first[n])}\b", "NAME", d) for n, d in drafts.items()}
    out.update({f"category:{s.name}": s.category for s in scenarios if s.complaint})
    return out


def judge_all(scenarios: Sequence[Scenario], drafts: dict[str, str]) -> dict[str, list[Verdict]]:
    others = normalised(scenarios, drafts)
    return {s.name: judge(s, drafts[s.name], others) for s in scenarios}
