"""Trying a prompt template before it goes live.

A candidate source is checked twice: the renderer's own validation (it parses,
it uses only declared variables) and trial renders on sample data in the
sandbox (which catch unsafe attribute access, misspelt fields and runaway
loops). The trial renders run in a worker thread under ``PREVIEW_SECONDS``, so
a runaway loop never holds up the event loop (and with it every page, Slack
and Discord). A preview then drafts for a real customer and message through
the engine's own request builder and the running drafter, with a renderer that
holds the candidate (under the same time limit), and stores nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.drafters.base import DraftError, DraftRequest
from bot.drafters.openai_chat import OpenAIDrafter
from bot.engine import ResponseEngine
from bot.llm_facts import LLMFactExtractor
from bot.prompting import Prompter
from bot.safety import clean_reply
from memory.domain import RecallItem, StoredCustomer, StoredMessage, conversation_key
from memory.domain.dates import zone
from prompts.renderer import (
    TEMPLATES,
    ActiveTemplate,
    PromptRenderer,
    TemplateRejected,
    template_line,
)

PREVIEW_LABEL = "preview"
DEFAULT_CHECKIN_REASON = "it has been a while since we last spoke"
PREVIEW_SECONDS = 2.0  # per render of a candidate; a real prompt renders in a millisecond


def candidate_renderer(running: PromptRenderer, name: str, source: str) -> PromptRenderer:
    """A renderer running what ``running`` runs, except ``name``, which runs ``source``."""
    renderer = PromptRenderer(
        {other: running.source(other) for other in TEMPLATES}, time_limit=PREVIEW_SECONDS
    )
    renderer.use(name, ActiveTemplate(source, PREVIEW_LABEL))
    return renderer


async def check(engine: ResponseEngine, name: str, source: str) -> None:
    """Raise :class:`TemplateRejected` (with the line where known) unless ``source`` is usable."""
    renderer = PromptRenderer(time_limit=PREVIEW_SECONDS)
    try:
        renderer.validate(name, source)
        for variables in sample_variables(engine, name):
            await _off_the_loop(renderer, name, variables, source)
    except TemplateRejected as exc:
        if exc.line is None:
            raise TemplateRejected(name, exc.reason, template_line(exc.__cause__)) from exc
        raise
    except Exception as exc:  # the sandbox's own limits (e.g. an enormous range)
        raise TemplateRejected(name, str(exc), template_line(exc)) from exc


async def _off_the_loop(
    renderer: PromptRenderer, name: str, variables: dict[str, Any], source: str
) -> None:
    """Render in a worker thread; the renderer stops itself at its time limit.

    The extra second answers the admin even if the render is stuck in one long
    call into C, which the renderer's clock cannot interrupt; that thread then
    finishes on its own.
    """
    render = asyncio.to_thread(renderer.render, name, variables, source=source)
    try:
        await asyncio.wait_for(render, PREVIEW_SECONDS + 1)
    except TimeoutError:
        raise TemplateRejected(
            name, f"the template took longer than {PREVIEW_SECONDS:g} s to render"
        ) from None


def sample_variables(engine: ResponseEngine, name: str) -> list[dict[str, Any]]:
    """Variables shaped exactly like the engine's: one rich set, one nearly empty."""
    if name == "system":
        return [engine.prompter.persona()]
    if name == "extract_facts":
        return [{"text": "My cat Milo is sick.", "sent_on": "2026-01-05", "timezone": "UTC"}]
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    recalled = [
        RecallItem("fact", "Has a cat named Milo.", "customer profile", 1.0, 1, at, "Sam"),
        RecallItem("recent", "The lid broke.", "recent in this conversation", 0.9, 2, at, "Sam"),
    ]
    sets = []
    for items in (recalled, []):
        variables = engine.prompter.template_variables("Sam Example", items)
        if name == "reply":
            variables["message"] = {"text": "Hello!", "platform": "web", "sent_at": at.isoformat()}
            variables["knowledge"] = (
                [
                    {
                        "key": "K1",
                        "title": "help/shipping.md › Delivery times",
                        "url": "https://example.com/help/shipping.html#delivery-times",
                        "text": "Orders ship within two working days.",
                    }
                ]
                if items
                else []
            )
            variables["examples"] = (
                [
                    {
                        "question": "How long does delivery take?",
                        "reply": "Hi there! Orders ship within two working days.",
                    }
                ]
                if items
                else []
            )
        else:
            variables["reason"] = DEFAULT_CHECKIN_REASON
        sets.append(variables)
    return sets


@dataclass
class Preview:
    """What a preview shows: the prompt as the model would see it, and the drafts."""

    prompt: list[dict[str, str]] = field(default_factory=list)
    draft: str | None = None  # with the candidate
    running_draft: str | None = None  # with the running version, for comparison
    facts: list[str] | None = None  # for the fact-extraction template
    notes: list[str] = field(default_factory=list)


async def preview(
    engine: ResponseEngine,
    name: str,
    source: str,
    customer: StoredCustomer,
    message: StoredMessage,
    *,
    reason: str,
    full: bool,
) -> Preview:
    """Render ``source`` for this customer and message; with ``full``, also draft.

    Raises :class:`TemplateRejected` for a template that may not run.
    """
    await check(engine, name, source)
    candidate = engine.prompter.with_renderer(candidate_renderer(engine.renderer, name, source))
    result = Preview()
    if name == "extract_facts":
        tz = zone(customer.timezone, engine.settings.timezone)
        variables = {
            "text": message.text[:4000],
            "sent_on": message.sent_at.astimezone(tz).date().isoformat(),
            "timezone": str(tz),
        }
        result.prompt = [
            {"role": "user", "content": candidate.renderer.render("extract_facts", variables)}
        ]
        if full:
            await _preview_facts(engine, candidate.renderer, message, tz, result)
        return result
    request = await _request(engine, candidate, name, customer, message, reason)
    result.prompt = request.prompt
    if not full:
        return result
    result.draft = await _draft(engine, request, result)
    running = await _request(engine, engine.prompter, name, customer, message, reason)
    result.running_draft = await _draft(engine, running, result)
    if result.draft == result.running_draft and not isinstance(engine.drafter, OpenAIDrafter):
        result.notes.append(
            f"The {engine.drafter.model} drafter writes without reading the prompt, so only "
            "the prompt above changes; set OPENAI_API_KEY to draft with a model."
        )
    return result


async def _request(
    engine: ResponseEngine,
    prompter: Prompter,
    name: str,
    customer: StoredCustomer,
    message: StoredMessage,
    reason: str,
) -> DraftRequest:
    """The engine's own request, so the preview is what production sends."""
    if name == "checkin":
        _recalled, request = await engine.writer.checkin_request(
            customer, reason or DEFAULT_CHECKIN_REASON, message.conversation_key, prompter
        )
        return request
    _recalled, request = await engine.writer.reply_request(customer, message, prompter)
    return request


async def _draft(engine: ResponseEngine, request: DraftRequest, result: Preview) -> str | None:
    try:
        return clean_reply(await engine.drafter.draft(request))
    except DraftError as exc:
        result.notes.append(f"The drafter failed: {exc}")
        return None


async def _preview_facts(
    engine: ResponseEngine,
    renderer: PromptRenderer,
    message: StoredMessage,
    tz: Any,
    result: Preview,
) -> None:
    if not isinstance(engine.drafter, OpenAIDrafter):
        result.notes.append(
            "Fact extraction with this template runs only with a model (set OPENAI_API_KEY); "
            "the offline rules do not use it."
        )
        return
    facts = await LLMFactExtractor(engine.drafter, renderer).extract(
        message.text, message.sent_at, tz
    )
    result.facts = [fact.statement for fact in facts]


def transient_message(
    customer: StoredCustomer, text: str, like: StoredMessage | None
) -> StoredMessage:
    """A message typed in the preview form: never stored, shaped like the customer's last one."""
    platform, workspace, channel, thread = (
        (like.platform, like.workspace, like.channel, like.thread)
        if like
        else ("web", "preview", "preview", None)
    )
    return StoredMessage(
        id=None,
        customer_id=customer.id,
        platform=platform,
        workspace=workspace,
        channel=channel,
        thread=thread,
        conversation_key=conversation_key(platform, workspace, channel, thread),
        direction="in",
        author_kind="customer",
        author_name=customer.display_name,
        text=text,
        sent_at=datetime.now(UTC),
    )


__all__ = ["Preview", "TemplateRejected", "check", "preview", "transient_message"]
