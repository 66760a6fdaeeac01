"""With OPENAI_API_KEY set, drafts and extra facts come from the configured endpoint."""

from __future__ import annotations

import json

from bot.config import Settings
from bot.runtime import build_runtime
from tests.helpers import message


def facts_answer(*facts: dict) -> str:
    return json.dumps({"facts": list(facts)})


async def test_llm_drafts_and_extracts_facts_it_can_point_to(sqlite_url, llm):
    """The model drafts the reply; its facts are kept only when the customer actually said them."""
    settings = Settings(
        database_url=sqlite_url,
        openai_api_key="sk-test",
        openai_base_url=llm.base_url,
        model="local-model",
        llm_retries=0,
    )
    rt = build_runtime(settings)
    # Drafting and extraction run concurrently; answer by request shape, not order.
    reply = "Hi Dana! Sorry about the lid. How is Biscuit?"
    extracted = facts_answer(
        {
            "kind": "pet",
            "key": "biscuit",
            "value": "dog Biscuit",
            "statement": "Has a dog named Biscuit.",
            "evidence": "Biscuit chewed the kettle lid, my dog",
            "date": None,
        },
        {
            "kind": "location",
            "key": "location",
            "value": "Paris",
            "statement": "Lives in Paris.",
            "evidence": "I live in Paris",
            "date": None,
        },
    )
    llm.responder = lambda body: extracted if "response_format" in body else reply
    try:
        result = await rt.engine.handle(
            message("Biscuit chewed the kettle lid, my dog is a menace")
        )
        draft = await rt.store.drafts.get(result.draft_id)
        assert draft.text == reply and draft.model == "local-model"
        statements = [f.statement for f in await rt.store.facts.of(result.customer_id)]
        assert "Has a dog named Biscuit." in statements
        assert "Lives in Paris." not in statements  # never said: not remembered
        sent = next(r for r in llm.requests if "response_format" not in r)
        assert sent["model"] == "local-model"
    finally:
        await rt.close()
