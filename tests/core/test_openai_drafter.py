"""OpenAIDrafter against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import pytest

from bot.drafters import DraftError, DraftRequest, OpenAIDrafter
from tests.fakes.openai_server import FakeOpenAI, Scripted

REQUEST = DraftRequest(
    kind="reply",
    customer_name="Dana",
    first_name="Dana",
    message_text="hi",
    prompt=[{"role": "system", "content": "be kind"}, {"role": "user", "content": "hi"}],
)


def drafter(llm: FakeOpenAI, *, retries: int = 2, timeout: float = 5.0) -> OpenAIDrafter:
    return OpenAIDrafter(
        api_key="sk-test",
        base_url=llm.base_url,
        model="fake-model",
        timeout=timeout,
        max_retries=retries,
    )


async def test_returns_the_models_reply_and_sends_the_prompt(llm):
    """The drafted text is the model's answer, asked with our model name and prompt."""
    llm.enqueue("Hi Dana! How can I help?")
    assert await drafter(llm).draft(REQUEST) == "Hi Dana! How can I help?"
    assert llm.requests[0]["model"] == "fake-model"
    assert llm.requests[0]["messages"] == REQUEST.prompt


async def test_retries_a_server_error_then_succeeds(llm):
    """A passing HTTP 500 is retried and the customer still gets a draft."""
    llm.enqueue(Scripted(status=500, body={"error": {"message": "boom"}}), "Recovered")
    assert await drafter(llm).draft(REQUEST) == "Recovered"
    assert len(llm.requests) == 2


async def test_honours_retry_after_on_429(llm):
    """Rate limiting with Retry-After is waited out and retried."""
    llm.enqueue(
        Scripted(
            status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "0"}
        ),
        "After the wait",
    )
    assert await drafter(llm).draft(REQUEST) == "After the wait"


async def test_persistent_errors_become_a_readable_failure(llm):
    """When retries run out the rep sees the status code and how many attempts were made."""
    llm.enqueue(*[Scripted(status=503, body={"error": {"message": "down"}})] * 3)
    with pytest.raises(DraftError, match=r"HTTP 503 \(after 2 attempts\)"):
        await drafter(llm, retries=1).draft(REQUEST)


async def test_a_hanging_endpoint_times_out(llm):
    """An endpoint that never answers fails after the timeout instead of blocking the draft."""
    llm.enqueue(Scripted(body={}, delay=3.0))
    with pytest.raises(DraftError, match=r"did not answer within 0\.3s"):
        await drafter(llm, retries=0, timeout=0.3).draft(REQUEST)


async def test_garbage_answers_are_a_failure_not_a_crash(llm):
    """A non-JSON or empty answer is reported as a failed draft."""
    llm.enqueue(Scripted(body="<html>proxy error</html>"))
    with pytest.raises(DraftError):
        await drafter(llm, retries=0).draft(REQUEST)
    llm.enqueue(Scripted(body={"choices": []}))
    with pytest.raises(DraftError, match="empty reply"):
        await drafter(llm, retries=0).draft(REQUEST)
