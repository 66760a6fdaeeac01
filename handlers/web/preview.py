"""Trying a prompt template before it goes live.

A candidate source is checked twice: the renderer's own validation (it parses,
it uses only declared variables) and trial renders on sample data in the
sandbox (which catch unsafe attribute access, misspelt fields and runaway
loops). A preview then drafts for a real customer and message through the
engine's own request builder and the running drafter, with a renderer that
holds the candidate, and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from bot.drafters.base import DraftError, DraftRequest
from bot.drafters.openai_chat import OpenAIDrafter
from bot.engine import ResponseEngine
from bot.llm_facts import LLMFactExtractor
from bot.safety import clean_reply
from memory.domain import DraftKind, RecallItem, conversation_key
from memory.domain.dates import zone
from memory.schema import Customer, Draft, Message
from prompts.renderer import TEMPLATES, ActiveTemplate, PromptRenderer, TemplateRejected

PREVIEW_LABEL = "preview"
DEFAULT_CHECKIN_REASON = "it has been a while since we last spoke"


def candidate_renderer(running: PromptRenderer, name: str, source: str) -> PromptRenderer:
    """A renderer running what ``running`` runs, except ``name``, which runs ``source``."""
    renderer = PromptRenderer({other: running.source(other) for other in TEMPLATES})
    renderer.use(name, ActiveTemplate(source, PREVIEW_LABEL))
    return renderer


def check(engine: ResponseEngine, name: str, source: str) -> None:
    """Raise :class:`TemplateRejected` (with the line where known) unless ``source`` is usable."""
    renderer = PromptRenderer()
    try:
        renderer.validate(name, source)
        for variables in sample_variables(engine, name):
            renderer.render(name, variables, source=source)
    except TemplateRejected as exc:
        if exc.line is None:
            raise TemplateRejected(name, exc.reason, _template_line(exc.__cause__)) from exc
        raise
    except Exception as exc:  # the sandbox's own limits (e.g. an enormous range)
        raise TemplateRejected(name, str(exc), _template_line(exc)) from exc


def sample_variables(engine: ResponseEngine, name: str) -> list[dict[str, Any]]:
    """Variables shaped exactly like the engine's: one rich set, one nearly empty."""
    if name == "system":
        return [engine.persona()]
    if name == "extract_facts":
        return [{"text": "My cat Milo is sick.", "sent_on": "2026-01-05", "timezone": "UTC"}]
    customer = Customer(display_name="Sam Example")
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    recalled = [
        RecallItem("fact", "Has a cat named Milo.", "customer profile", 1.0, 1, at, "Sam"),
        RecallItem("recent", "The lid broke.", "recent in this conversation", 0.9, 2, at, "Sam"),
    ]
    sets = []
    for items in (recalled, []):
        variables = engine.template_variables(customer, items)
        if name == "reply":
            variables["message"] = {"text": "Hello!", "platform": "web", "sent_at": at.isoformat()}
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
    customer: Customer,
    message: Message,
    *,
    reason: str,
    full: bool,
) -> Preview:
    """Render ``source`` for this customer and message; with ``full``, also draft.

    Raises :class:`TemplateRejected` for a template that may not run.
    """
    check(engine, name, source)
    candidate = _engine_with(engine, candidate_renderer(engine.renderer, name, source))
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
    request = await _request(candidate, name, customer, message, reason)
    result.prompt = request.prompt
    if not full:
        return result
    result.draft = await _draft(engine, request, result)
    running = await _request(engine, name, customer, message, reason)
    result.running_draft = await _draft(engine, running, result)
    if result.draft == result.running_draft and not isinstance(engine.drafter, OpenAIDrafter):
        result.notes.append(
            f"The {engine.drafter.model} drafter writes without reading the prompt, so only "
            "the prompt above changes; set OPENAI_API_KEY to draft with a model."
        )
    return result


async def _request(
    engine: ResponseEngine, name: str, customer: Customer, message: Message, reason: str
) -> DraftRequest:
    if name == "checkin":
        checkin = Draft(
            customer_id=customer.id,
            kind=DraftKind.CHECKIN,
            reason=reason or DEFAULT_CHECKIN_REASON,
            target={
                "platform": message.platform,
                "workspace": message.workspace,
                "channel": message.channel,
                "thread": message.thread,
            },
        )
        # The engine's own check-in request, so the preview is what production sends.
        _recalled, request = await engine.checkin_request(customer, checkin)
        return request
    _recalled, request = await engine.recall_and_request(customer, message)
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
    message: Message,
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


def _engine_with(engine: ResponseEngine, renderer: PromptRenderer) -> ResponseEngine:
    """The same engine parts with another renderer; used only to build requests."""
    return ResponseEngine(
        store=engine.store,
        recaller=engine.recaller,
        renderer=renderer,
        drafter=engine.drafter,
        extractor=engine.extractor,
        settings=engine.settings,
    )


def transient_message(customer: Customer, text: str, like: Message | None) -> Message:
    """A message typed in the preview form: never stored, shaped like the customer's last one."""
    platform, workspace, channel, thread = (
        (like.platform, like.workspace, like.channel, like.thread)
        if like
        else ("web", "preview", "preview", None)
    )
    return Message(
        id=None,
        customer_id=customer.id,
        platform=platform,
        workspace=workspace,
        channel=channel,
        thread=thread,
        conversation_key=conversation_key(platform, workspace, channel, thread),
        direction="in",
        author_kind="customer",
        author_id="preview",
        author_name=customer.display_name,
        text=text,
        sent_at=datetime.now(UTC),
    )


def _template_line(exc: BaseException | None) -> int | None:
    """The template line in a render error's traceback (Jinja names those frames ``<template>``)."""
    tb: TracebackType | None = exc.__traceback__ if exc else None
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


__all__ = ["Preview", "TemplateRejected", "check", "preview", "transient_message"]
