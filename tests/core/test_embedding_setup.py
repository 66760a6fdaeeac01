"""Switching recall by meaning on: the local model, and clear errors when it cannot work."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from bot.embedders import LocalEmbedder
from handlers.cli import app


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


@pytest.mark.skipif(not LocalEmbedder.available(), reason="needs the embeddings extra")
async def test_the_local_model_puts_a_paraphrase_nearest_without_a_network():
    """all-MiniLM-L6-v2 loads from the installed package and ranks by meaning, not by words."""
    embedder = LocalEmbedder(threads=1)
    question, paraphrase, unrelated = await embedder.embed(
        [
            "Is your kitten feeling better?",
            "The cat has been sneezing a lot this week",
            "The invoice was charged twice this week",
        ]
    )
    assert len(question) == 384
    assert cosine(question, paraphrase) > cosine(question, unrelated) + 0.1


def test_unknown_embeddings_setting_is_refused_with_the_choices(monkeypatch, tmp_path):
    """RAPPORT_EMBEDDINGS=yes stops the command and names the accepted values."""
    monkeypatch.setenv("RAPPORT_EMBEDDINGS", "yes")
    result = CliRunner().invoke(app, ["customers", "list"])
    assert result.exit_code == 2
    assert "'off', 'local' or 'openai'" in result.output


def test_openai_embeddings_without_a_key_are_refused_before_starting(monkeypatch):
    """RAPPORT_EMBEDDINGS=openai with no key names the two variables that would fix it."""
    monkeypatch.setenv("RAPPORT_EMBEDDINGS", "openai")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///never-created.db")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    assert "RAPPORT_EMBEDDINGS_API_KEY" in result.output
    assert "OPENAI_API_KEY" in result.output


async def test_rapport_run_starts_the_embedding_indexer_beside_the_platforms(sqlite_url):
    """With embeddings on, the services `rapport run` starts include the background indexer."""
    from bot.config import Settings
    from bot.indexer import EmbeddingIndexer
    from handlers.composition import Rapport

    settings = Settings.model_validate(
        {
            "database_url": sqlite_url,
            "embeddings": "openai",
            "embeddings_api_key": "sk-embeddings",
            "embeddings_base_url": "http://127.0.0.1:9/v1",
        }
    )
    rapport = Rapport.build(settings)
    runtime = rapport.runtime
    try:
        indexers = [s for s in rapport.services if isinstance(s, EmbeddingIndexer)]
        assert indexers == [runtime.indexer]
        assert runtime.indexer in runtime.engine.observers
    finally:
        await rapport.close()
