"""Customer search treats every character literally (Security: LIKE wildcards)."""

from __future__ import annotations

from bot.runtime import Runtime
from memory.customers import CustomerDirectory
from tests.helpers import message


async def test_percent_and_underscore_find_only_names_that_contain_them(
    runtime: Runtime,
) -> None:
    """A rep searching '%' or '_' sees the customers with that character, not everyone."""
    for user, name in (
        ("u-dana", "Dana Whitfield"),
        ("u-juice", "100% Juice"),
        ("u-snake", "sam_the_snake"),
    ):
        await runtime.engine.handle(message("Hello there", user=user, name=name))
    directory = CustomerDirectory(runtime.store.sessions)

    async def found(search: str) -> list[str]:
        return sorted(c.display_name for c in await directory.summaries(search))

    assert await found("%") == ["100% Juice"]
    assert await found("_") == ["sam_the_snake"]
    assert await found("0%") == ["100% Juice"]
    assert await found("d_na") == []  # "_" is not "any one character"
    assert await found("whit") == ["Dana Whitfield"]  # ordinary search still works
