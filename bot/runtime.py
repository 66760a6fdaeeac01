"""Wiring: from settings to a running engine, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.drafters import Drafter, OfflineDrafter, OpenAIDrafter
from bot.engine import EngineSettings, ResponseEngine
from bot.facts import RuleFactExtractor
from bot.knowledge.answers import KnowledgeBase
from bot.knowledge.learning import AnswerLearner
from bot.llm_facts import LLMFactExtractor
from bot.review import ReviewHub
from bot.workers import WorkerSettings
from memory.database import create_engine, session_factory
from memory.recall import Recaller, RecallSettings
from memory.signals import DraftSignals
from memory.store import MemoryStore
from prompts.renderer import PromptRenderer

if TYPE_CHECKING:
    from bot.indexer import EmbeddingIndexer


@dataclass
class Runtime:
    settings: Settings
    db: AsyncEngine
    store: MemoryStore
    engine: ResponseEngine
    # PostgreSQL's NOTIFY when any process changes a draft (nothing on SQLite).
    signals: DraftSignals
    # Writes message vectors in the background when RAPPORT_EMBEDDINGS is on.
    indexer: EmbeddingIndexer | None = None

    def services(self) -> list[Any]:
        """Background work to start with the app, beside the adapters."""
        return [self.signals, *([self.indexer] if self.indexer is not None else [])]

    async def close(self) -> None:
        if self.indexer is not None:
            await self.indexer.stop()
        await self.engine.close()
        await self.signals.stop()
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


def build_runtime(
    settings: Settings, *, drafter: Drafter | None = None, drafts_here: bool = True
) -> Runtime:
    """Everything the message path needs; the database must already be migrated.

    ``drafts_here``: this process's event loop writes drafts (workers started on
    the first queued draft); False where only listeners run.

    Raises :class:`bot.embedders.EmbeddingSetupError` when embeddings are on
    but cannot work (a missing extra or key).
    """
    from bot.embedders import make_embedder

    embedder = make_embedder(settings)
    db = create_engine(settings.database_url)
    store = MemoryStore(session_factory(db))
    similar, indexer = None, None
    if embedder is not None:
        from bot.indexer import EmbeddingIndexer
        from memory.vectors import SimilarMessages, VectorIndex

        index = VectorIndex(store.sessions, embedder.model)
        similar = SimilarMessages(embedder, index, budget=settings.embedding_budget_ms / 1000)
        indexer = EmbeddingIndexer(embedder, index)
    renderer = PromptRenderer()
    drafter = drafter or make_drafter(settings)
    knowledge = KnowledgeBase(store.knowledge, min_confidence=settings.knowledge_min_confidence)
    engine = ResponseEngine(
        store=store,
        recaller=Recaller(
            store,
            RecallSettings(budget_tokens=settings.recall_budget_tokens),
            similar=similar,
        ),
        renderer=renderer,
        drafter=drafter,
        extractor=RuleFactExtractor(),
        review=ReviewHub(),
        settings=EngineSettings(
            company=settings.company,
            bot_name=settings.bot_name,
            timezone=settings.timezone,
            llm_concurrency=settings.llm_concurrency,
            recall_budget_tokens=settings.recall_budget_tokens,
            workers=WorkerSettings(
                slots=settings.worker_slots or 2 * settings.llm_concurrency,
                lease=timedelta(seconds=settings.draft_lease_seconds),
                poll=settings.worker_poll_seconds,
            ),
            drafts_here=drafts_here,
        ),
        # The model reads facts too, when there is one.
        llm_extractor=(
            LLMFactExtractor(drafter, renderer) if isinstance(drafter, OpenAIDrafter) else None
        ),
        knowledge=knowledge,
    )
    engine.observers.append(AnswerLearner(store, learned=knowledge.invalidate))
    if indexer is not None:
        engine.observers.append(indexer)
    signals = DraftSignals(settings.database_url)
    signals.subscribe(engine.signalled)
    return Runtime(
        settings=settings, db=db, store=store, engine=engine, signals=signals, indexer=indexer
    )
