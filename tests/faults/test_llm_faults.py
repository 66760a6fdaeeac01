"""A misbehaving LLM endpoint, through the whole engine: retries, then a failure a rep sees.

The LLM is a fake OpenAI-compatible server on 127.0.0.1; ``OpenAIDrafter`` is
configured through settings exactly as in production.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from memory.domain import DraftStatus
from memory.store import Ingested
from tests.fakes.openai_server import FakeOpenAI, Scripted, completion
from tests.fakes.senders import RecordingSurface
from tests.helpers import message


class ReplyScript:
    """Answers fact-extraction calls with no facts and reply calls from a script."""

    def __init__(self, *items: str | Scripted) -> None:
        self.items = list(items)
        self.replies: list[float] = []  # loop time of each reply request

    def __call__(self, body: dict[str, Any]) -> str | Scripted:
        if body.get("response_format", {}).get("type") == "json_object":
            return '{"facts": []}'
        self.replies.append(time.monotonic())
        return self.items.pop(0) if self.items else "Hi Dana, thanks for writing!"


@pytest.fixture
async def llm_runtime(
    sqlite_url: str, llm: FakeOpenAI
) -> AsyncIterator[tuple[Runtime, RecordingSurface]]:
    settings = Settings(
        database_url=sqlite_url,
        openai_api_key="sk-test",
        openai_base_url=llm.base_url,
        llm_timeout=0.5,
        llm_retries=2,
    )
    runtime = build_runtime(settings)
    surface = RecordingSurface()
    runtime.engine.review.add(surface)
    yield runtime, surface
    await runtime.close()


async def outcome(runtime: Runtime, text: str = "My order never arrived") -> Any:
    result = await runtime.engine.handle(message(text))
    assert isinstance(result, Ingested)
    stored = await runtime.store.messages.get(result.message_id)
    assert stored is not None and stored.text == text  # the message is never lost
    return await runtime.store.drafts.get(result.draft_id)


def error(status: int, **headers: str) -> Scripted:
    return Scripted(status=status, body={"error": {"message": "upstream trouble"}}, headers=headers)


async def test_persistent_500s_end_in_a_failed_draft_reps_can_see(llm, llm_runtime):
    """An endpoint answering HTTP 500 is retried, then reps see a failed draft saying why."""
    runtime, surface = llm_runtime
    script = ReplyScript(*[error(500)] * 3)
    llm.responder = script
    draft = await outcome(runtime)
    assert draft.status == DraftStatus.FAILED
    assert "HTTP 500" in draft.error and "after 3 attempts" in draft.error
    assert len(script.replies) == 3  # one try and two retries
    assert surface.cards[-1].status is DraftStatus.FAILED
    assert surface.cards[-1].error == draft.error


async def test_a_passing_500_is_retried_into_a_good_draft(llm, llm_runtime):
    """One HTTP 500 costs a retry, not the reply."""
    runtime, surface = llm_runtime
    llm.responder = ReplyScript(error(500), "Hi Dana, checking on your order now.")
    draft = await outcome(runtime)
    assert draft.status == DraftStatus.PENDING
    assert draft.text == "Hi Dana, checking on your order now."
    assert surface.cards[-1].status is DraftStatus.PENDING


async def test_rate_limit_waits_for_retry_after(llm, llm_runtime):
    """A 429 with Retry-After is waited out before the retry, and the draft succeeds."""
    runtime, _surface = llm_runtime
    script = ReplyScript(error(429, **{"Retry-After": "1"}), "Hi Dana, sorted!")
    llm.responder = script
    draft = await outcome(runtime)
    assert draft.status == DraftStatus.PENDING
    first, second = script.replies
    assert second - first >= 0.9  # the client honoured the server's wait


async def test_rate_limit_that_never_lifts_is_a_failed_draft(llm, llm_runtime):
    """When every attempt is rate limited, reps see a failed draft naming HTTP 429."""
    runtime, surface = llm_runtime
    llm.responder = ReplyScript(*[error(429, **{"Retry-After": "0"})] * 3)
    draft = await outcome(runtime)
    assert draft.status == DraftStatus.FAILED and "HTTP 429" in draft.error
    assert surface.cards[-1].status is DraftStatus.FAILED


async def test_hanging_endpoint_times_out_into_a_failed_draft(llm, llm_runtime):
    """An endpoint that never answers becomes a failed draft after the timeout, not a stuck one."""
    runtime, surface = llm_runtime
    llm.responder = ReplyScript(*[Scripted(body=completion("too late"), delay=1.5)] * 3)
    draft = await outcome(runtime)
    assert draft.status == DraftStatus.FAILED
    assert "did not answer within 0.5s" in draft.error
    assert surface.cards[-1].status is DraftStatus.FAILED


@pytest.mark.parametrize(
    "garbage",
    [
        Scripted(body="<html><body>502 Bad Gateway</body></html>"),
        Scripted(body={"unexpected": "shape"}),
        Scripted(body=completion("   ")),
        Scripted(body={"choices": []}),
    ],
    ids=["html", "wrong-json", "blank-reply", "no-choices"],
)
async def test_garbage_answers_become_a_failed_draft(llm, llm_runtime, garbage):
    """A proxy page, an odd JSON shape or an empty reply is a failed draft, never a crash."""
    runtime, surface = llm_runtime
    llm.responder = ReplyScript(*[garbage] * 3)
    draft = await outcome(runtime)
    assert draft.status == DraftStatus.FAILED and draft.error
    assert surface.cards[-1].status is DraftStatus.FAILED


async def test_failed_draft_can_be_regenerated_when_the_endpoint_recovers(llm, llm_runtime):
    """After an outage a rep clicks Regenerate and gets a real draft for the same message."""
    from memory.domain import Action, Actor, Decision

    runtime, _surface = llm_runtime
    llm.responder = ReplyScript(*[error(503)] * 3, "Hi Dana, we're back and on it.")
    draft = await outcome(runtime)
    assert draft.status == DraftStatus.FAILED
    decided = await runtime.engine.decide(
        Decision(draft.id, Action.REGENERATE, Actor("web", "r1", "Ann"))
    )
    assert decided.applied
    await runtime.engine.wait_idle()
    again = await runtime.store.drafts.get(draft.id)
    assert again.status == DraftStatus.PENDING and again.text == "Hi Dana, we're back and on it."
