"""Wiring: from settings to a running engine, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.drafters import Drafter, OfflineDrafter, OpenAIDrafter
from bot.engine import EngineSettings, ResponseEngine
from bot.facts import RuleFactExtractor
from bot.llm_facts import LLMFactExtractor
from bot.review import ReviewHub
from memory.database import create_engine, session_factory
from memory.recall import Recaller, RecallSettings
from memory.store import MemoryStore
from prompts.renderer import PromptRenderer


@dataclass
class Runtime:
    settings: Settings
    db: AsyncEngine
    store: MemoryStore
    engine: ResponseEngine

    async def close(self) -> None:
        await self.engine.wait_idle()
        await self.db.dispose()


def make_drafter(settings: Settings) -> Drafter:
    """The LLM when a key is set, else the offline drafter."""
    if settings.uses_llm:
        assert settings.openai_api_key is not None
        return OpenAIDrafter(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            model=settings.model,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_retries,
        )
    return OfflineDrafter()


def build_runtime(settings: Settings, *, drafter: Drafter | None = None) -> Runtime:
    """Everything the message path needs; the database must already be migrated."""
    db = create_engine(settings.database_url)
    store = MemoryStore(session_factory(db))
    engine = ResponseEngine(
        store=store,
        recaller=Recaller(store, RecallSettings(budget_tokens=settings.recall_budget_tokens)),
        renderer=PromptRenderer(),
        drafter=drafter or make_drafter(settings),
        extractor=RuleFactExtractor(),
        review=ReviewHub(),
        settings=EngineSettings(
            company=settings.company,
            bot_name=settings.bot_name,
            timezone=settings.timezone,
            llm_concurrency=settings.llm_concurrency,
            recall_budget_tokens=settings.recall_budget_tokens,
        ),
    )
    if isinstance(engine.drafter, OpenAIDrafter):
        engine.llm_extractor = LLMFactExtractor(engine.drafter, engine.renderer)
    return Runtime(settings=settings, db=db, store=store, engine=engine)
