"""Words as recall compares them."""

from __future__ import annotations

import sqlite3

from memory.text import stem, synonyms


def test_stems_match_the_full_text_index() -> None:
    """Python and SQLite's FTS5 agree on stems, so a candidate's words are counted right."""
    sample = [
        "caresses",
        "ponies",
        "cats",
        "agreed",
        "plastered",
        "motoring",
        "hopping",
        "falling",
        "happy",
        "relational",
        "conditional",
        "digitizer",
        "vietnamization",
        "predication",
        "hopefulness",
        "formaliti",
        "electrical",
        "adjustable",
        "replacement",
        "adoption",
        "effective",
        "generalization",
        "veterinarian",
        "appointments",
        "painting",
        "traveling",
        "generously",
    ]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(t, tokenize='porter')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, row)")
    for word in sample:
        db.execute("DELETE FROM f")
        db.execute("INSERT INTO f VALUES (?)", (word,))
        (indexed,) = db.execute("SELECT term FROM v").fetchone()
        assert stem(word) == indexed, word


def test_synonyms_are_everyday_words_for_the_same_thing() -> None:
    """ "Vet" also means "veterinarian"; a word is never its own synonym."""
    assert "veterinarian" in synonyms("vet")
    assert "kitten" in synonyms("cats")
    assert "vet" not in synonyms("vet")
