"""The LLM drafter: any OpenAI-compatible Chat Completions endpoint.

OpenAI itself, or Ollama, vLLM, llama.cpp servers through ``OPENAI_BASE_URL``.
Retries with exponential backoff (honouring ``Retry-After``) are the openai
client's own; what is left when they run out becomes a :class:`DraftError`
whose text a rep can act on.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

import openai
from openai import AsyncOpenAI

from bot.drafters.base import DraftError, DraftRequest
from bot.redaction import without_credentials


class OpenAIDrafter:
    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        temperature: float = 0.6,
        max_tokens: int = 400,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.client = AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        # Named in failure reasons, which reach the review cards.
        where = urlsplit(without_credentials(str(self.client.base_url))).netloc
        self._where = where or "the model endpoint"

    async def draft(self, request: DraftRequest) -> str:
        return await self.complete(request.prompt)

    async def complete(self, messages: list[dict[str, str]], *, json_mode: bool = False) -> str:
        tries = f"after {self.max_retries + 1} attempts"
        try:
            response = await self.client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),  # plain role/content dicts, as the API takes them
                temperature=self.temperature,
                max_tokens=self.max_tokens,
                response_format={"type": "json_object"} if json_mode else openai.omit,
            )
        except openai.APITimeoutError as exc:
            raise DraftError(
                f"{self._where} did not answer within {self.timeout:g}s ({tries})"
            ) from exc
        except openai.APIStatusError as exc:
            raise DraftError(
                f"{self._where} answered HTTP {exc.status_code} ({tries}): {_short(exc.message)}"
            ) from exc
        except openai.APIConnectionError as exc:
            raise DraftError(f"could not reach {self._where} ({tries}): {exc}") from exc
        except (openai.APIError, ValueError) as exc:
            raise DraftError(
                f"{self._where} sent a reply that is not a chat completion: {exc}"
            ) from exc
        choices = getattr(response, "choices", None) or []
        content = choices[0].message.content if choices and choices[0].message else None
        if not isinstance(content, str) or not content.strip():
            raise DraftError(f"{self._where} returned an empty reply (model {self.model})")
        return content.strip()


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
