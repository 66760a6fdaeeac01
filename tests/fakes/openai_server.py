"""A fake OpenAI-compatible server on 127.0.0.1: Chat Completions and Embeddings.

Script chat with ``enqueue``: a reply text, or a ``Scripted`` response
(status, headers, raw body, delay). It records every request body for
assertions. Embeddings come from :func:`meaning_vector`, a tiny fake "model"
in which words of one topic point the same way; ``embedding_script`` makes
the next embeddings requests fail or hang.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Scripted:
    status: int = 200
    body: str | dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def completion(text: str, model: str = "fake-model") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


# Words that mean the same thing here share an axis; every other word gets a
# faint axis of its own, so unrelated texts are far apart but not identical.
TOPICS = {
    "pets": {"cat", "cats", "kitten", "feline", "vet", "sneezing", "purring", "paw"},
    "travel": {"flight", "plane", "airport", "trip", "boarding", "holiday", "journey"},
    "billing": {"invoice", "charged", "refund", "billing", "payment", "twice", "card"},
}
DIMENSIONS = 32


def meaning_vector(text: str) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for word in "".join(c.lower() if c.isalnum() else " " for c in text).split():
        for axis, words in enumerate(TOPICS.values()):
            if word in words:
                vector[axis] += 1.0
                break
        else:
            vector[len(TOPICS) + sum(map(ord, word)) % (DIMENSIONS - len(TOPICS))] += 0.3
    return vector if any(vector) else [1.0] + [0.0] * (DIMENSIONS - 1)


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[str | Scripted] = deque()
        # When set, answers every request from its body instead of the script.
        self.responder: Callable[[dict[str, Any]], str | Scripted] | None = None
        self.requests: list[dict[str, Any]] = []
        self.embedding_requests: list[dict[str, Any]] = []
        # Answers for the next embeddings requests, in order; when empty they succeed.
        self.embedding_script: deque[Scripted] = deque()
        # A long benchmark run keeps nothing: recording is for tests.
        self.record = True
        self.default_delay = 0.0
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    def enqueue(self, *items: str | Scripted) -> None:
        self.script.extend(items)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body_in = await request.json()
        if self.record:
            self.requests.append(body_in)
        if self.responder is not None:
            item = self.responder(body_in)
        else:
            item = self.script.popleft() if self.script else "Hello from the fake model."
        if isinstance(item, str):
            item = Scripted(body=completion(item), delay=self.default_delay)
        if item.delay:
            await asyncio.sleep(item.delay)
        body = item.body if isinstance(item.body, str) else json.dumps(item.body or {})
        return web.Response(
            status=item.status, text=body, headers=item.headers, content_type="application/json"
        )

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        body_in = await request.json()
        self.embedding_requests.append(body_in)
        if self.embedding_script:
            item = self.embedding_script.popleft()
            if item.delay:
                await asyncio.sleep(item.delay)
            if item.status != 200 or item.body is not None:
                body = item.body if isinstance(item.body, str) else json.dumps(item.body or {})
                return web.Response(status=item.status, text=body, content_type="application/json")
        texts = body_in["input"]
        texts = [texts] if isinstance(texts, str) else texts
        return web.json_response(
            {
                "object": "list",
                "model": body_in.get("model", "fake-embedding"),
                "data": [
                    {"object": "embedding", "index": i, "embedding": meaning_vector(t)}
                    for i, t in enumerate(texts)
                ],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        )

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/embeddings", self._embeddings)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self.base_url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


def friendly_model(body: dict[str, Any]) -> str:
    """A plausible answer for any request: JSON for fact extraction, a warm reply otherwise."""
    if body.get("response_format", {}).get("type") == "json_object":
        return '{"facts": []}'
    return "Hi there! Thanks for the update, I'm on it and will get back to you today."


async def _serve(delay: float) -> None:
    fake = FakeOpenAI()
    fake.record = False
    fake.default_delay = delay
    fake.responder = friendly_model
    print(await fake.start(), flush=True)  # the parent process reads the URL from stdout
    await asyncio.Event().wait()


def main() -> None:
    """``python -m tests.fakes.openai_server [delay]``: serve until stdin closes (benchmarks).

    The parent holds our stdin open; when it exits, however it exits, so do we.
    """
    import os
    import sys
    import threading

    def exit_with_parent() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()
    asyncio.run(_serve(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0))


if __name__ == "__main__":
    main()
