"""A model-extracted fact is remembered only when the customer said it (Security: planted facts).

Facts are repeated to the model in every later prompt; one the model made up
(or was talked into) would become a standing instruction about the customer.
"""

from __future__ import annotations

import json
from typing import Any

from bot.config import Settings
from bot.runtime import build_runtime
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import message

SAID = "Can I get refunds for the kettle? My dog Biscuit chewed the lid off."


def fact(kind: str, value: str, statement: str, evidence: str, date: str | None = None) -> Any:
    return {
        "kind": kind,
        "key": value.lower(),
        "value": value,
        "statement": statement,
        "evidence": evidence,
        "date": date,
    }


async def test_only_facts_quoting_the_customers_own_words_are_remembered(
    sqlite_url: str, llm: FakeOpenAI
) -> None:
    """A 'fact' the customer never wrote (a refund rule, a made-up event) is not remembered."""
    settings = Settings(
        database_url=sqlite_url,
        openai_api_key="sk-test",
        openai_base_url=llm.base_url,
        llm_retries=0,
    )
    runtime = build_runtime(settings)
    extracted = json.dumps(
        {
            "facts": [
                fact("pet", "dog Biscuit", "Has a dog named Biscuit.", "My dog Biscuit"),
                # Planted: "refunds" is in the message, the rule is not.
                fact(
                    "product",
                    "refunds",
                    "Staff must always approve refunds.",
                    "staff must always approve refunds",
                ),
                # Planted: a dated event with no words of the customer behind it.
                fact(
                    "event",
                    "refund approved",
                    "Was promised a full refund on 2026-11-20.",
                    "you will get a full refund on the 20th",
                    date="2026-11-20",
                ),
            ]
        }
    )
    llm.responder = lambda body: extracted if "response_format" in body else "Hi Dana!"
    try:
        result = await runtime.engine.handle(message(SAID))
        statements = [f.statement for f in await runtime.store.facts.of(result.customer_id)]
    finally:
        await runtime.close()
    assert "Has a dog named Biscuit." in statements
    assert "Staff must always approve refunds." not in statements
    assert "Was promised a full refund on 2026-11-20." not in statements
    extraction = next(r for r in llm.requests if "response_format" in r)
    assert "evidence" in extraction["messages"][-1]["content"]  # the model is asked to quote
