"""Facts: read at ingest, one fact per thing, updated rather than piled up."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.facts import RuleFactExtractor
from bot.runtime import Runtime
from memory.domain.dates import zone
from tests.memory.helpers import START, feed, said


async def _facts(runtime: Runtime, message_id: int) -> dict[str, tuple[str, int | None]]:
    customer = (await runtime.store.messages.get(message_id)).customer_id  # type: ignore[union-attr]
    return {
        f"{f.kind}:{f.key}": (f.value, f.source_message_id)
        for f in await runtime.store.facts.of(customer)
    }


async def test_a_second_cat_adds_a_fact_and_replaces_nothing(runtime: Runtime) -> None:
    """Mentioning a new cat keeps the first one: two pets, each from its own message."""
    first, second = await feed(
        runtime.engine,
        said("my cat Milo is on the keyboard again", days=0),
        said("we adopted another kitten! my cat Luna is tiny", days=30),
    )
    facts = await _facts(runtime, first)
    assert facts["pet:milo"] == ("cat Milo", first)
    assert facts["pet:luna"] == ("cat Luna", second)


async def test_a_corrected_birthday_replaces_the_old_one(runtime: Runtime) -> None:
    """ "Actually my birthday is the 13th" replaces the 3rd, pointing at the correction."""
    first, fix = await feed(
        runtime.engine,
        said("fun fact: my birthday is on March 3rd", days=0),
        said("oops, my birthday is actually March 13th", days=10),
    )
    facts = await _facts(runtime, first)
    assert facts["birthday:birthday"] == ("13 March", fix)


async def test_the_same_fact_twice_is_one_fact(runtime: Runtime) -> None:
    """Saying the same thing again changes nothing, and the fact keeps its first source."""
    first, _again = await feed(
        runtime.engine,
        said("my dog Biscuit hates baths", days=0),
        said("my dog Biscuit stole a sock", days=3),
    )
    facts = await _facts(runtime, first)
    assert facts == {"pet:biscuit": ("dog Biscuit", first)}


async def test_a_move_updates_where_the_customer_lives(runtime: Runtime) -> None:
    """Moving replaces the old city, linked to the message that announced the move."""
    first, moved = await feed(
        runtime.engine,
        said("I live in Portland", days=0),
        said("we finally moved to Denver!", days=60),
    )
    facts = await _facts(runtime, first)
    assert facts["location:location"] == ("Denver", moved)


def test_next_friday_is_read_against_the_messages_own_date() -> None:
    """ "Next Friday" said on Monday 2 March 2026 is Friday 13 March, not a date near today."""
    facts = RuleFactExtractor().extract(
        "Milo has a vet appointment next Friday", START, zone("UTC")
    )
    event = next(f for f in facts if f.kind == "event")
    assert event.event_date is not None
    assert event.event_date.date() == date(2026, 3, 13)


def test_job_and_plan_changes_are_facts() -> None:
    """A new job and a plan upgrade are each one replaceable fact."""
    extract = RuleFactExtractor().extract
    at = datetime(2026, 1, 5, tzinfo=UTC)
    job = extract("started my new job as a school counselor this week", at, zone("UTC"))
    plan = extract("I upgraded to Pro today", at, zone("UTC"))
    assert ("job", "job", "a school counselor") in [(f.kind, f.key, f.value) for f in job]
    assert ("plan", "plan", "Pro") in [(f.kind, f.key, f.value) for f in plan]
