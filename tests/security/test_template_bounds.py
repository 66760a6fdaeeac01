"""An admin's template cannot stall the console (Security: unbounded template rendering).

Previews run off the event loop, under a time limit, and every render stops
once its output passes a size limit; the admin is told which limit it hit.
"""

from __future__ import annotations

import asyncio

import httpx

from tests.web.conftest import LiveConsole, sign_in

PRINTS_MILLIONS = (
    "{% for a in range(1000) %}{% for b in range(1000) %}{{ a }}-{{ b }} {% endfor %}{% endfor %}"
)
# Prints nothing, so only the clock can stop it (4e8 loop turns: about half a minute).
SPINS_SILENTLY = "{% for a in range(20000) %}{% for b in range(20000) %}{% endfor %}{% endfor %}"


async def preview(client: httpx.AsyncClient, source: str) -> httpx.Response:
    return await client.post(
        "/templates/reply/preview",
        data={"source": source, "message_id": "1"},
        headers={"Accept": "text/html"},
    )


async def test_a_template_that_prints_millions_of_characters_is_refused(
    console: LiveConsole,
) -> None:
    """Nested loops that print a million lines are refused with the size limit, not shown."""
    async with console.client() as ada:
        await sign_in(ada, "ada")
        refused = await preview(ada, PRINTS_MILLIONS)
    assert refused.status_code == 422
    assert "the template produced more than 100,000 characters" in refused.text
    assert "999-999" not in refused.text  # the runaway output is not sent to the browser


async def test_a_template_that_spins_is_stopped_and_the_console_keeps_answering(
    console: LiveConsole,
) -> None:
    """A silent runaway loop is stopped with the time limit; other pages answer meanwhile."""
    answered: list[str] = []
    async with console.client() as ada, console.client() as other:
        await sign_in(ada, "ada")

        async def spin() -> httpx.Response:
            refused = await preview(ada, SPINS_SILENTLY)
            answered.append("preview")
            return refused

        async def check_health() -> None:
            await asyncio.sleep(0.3)  # the preview is rendering by now
            assert (await other.get("/healthz")).status_code == 200
            answered.append("healthz")

        refused, _ = await asyncio.gather(spin(), check_health())
    assert refused.status_code == 422
    assert "the template took longer than 2 s" in refused.text
    assert answered == ["healthz", "preview"]
