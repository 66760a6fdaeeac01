"""The demo's HTTP surface, driven over a real socket: customer message to approved reply."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.config import Settings
from bot.drafters import OfflineDrafter
from bot.runtime import build_runtime
from bot.seed import seed_demo
from tests.web.conftest import csrf_of, serve


@pytest.fixture
async def demo(sqlite_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """``rapport demo`` on loopback: everyone is signed in as the demo admin."""
    runtime = build_runtime(Settings(database_url=sqlite_url), drafter=OfflineDrafter())
    await seed_demo(runtime.engine)
    async for url in serve(runtime, demo=True):
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            # Forms carry the session's CSRF token; so does this client.
            client.headers["X-CSRF-Token"] = csrf_of((await client.get("/")).text)
            yield client
    await runtime.close()


async def wait_for_draft(client: httpx.AsyncClient, customer: str, status: str = "pending") -> dict:
    for _ in range(200):
        drafts = (await client.get("/api/drafts", params={"status": status})).json()
        mine = [d for d in drafts if d["customer"] == customer]
        if mine:
            return mine[-1]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {status} draft for {customer}")


async def test_the_first_page_shows_seeded_customers_and_their_memory(demo):
    """A newcomer's first look shows customers with history and what Rapport remembers."""
    page = await demo.get("/", params={"as_user": "dana"})
    assert page.status_code == 200
    assert "Dana Whitfield" in page.text and "Has a cat named Milo." in page.text
    assert "Review queue" in page.text


async def test_customer_message_to_approved_reply(demo):
    """Chatting as a customer produces a warm draft; approving it posts the reply in the chat."""
    sent = await demo.post("/chat", data={"user": "dana", "text": "The kettle lid broke again :("})
    assert sent.status_code == 303
    draft = await wait_for_draft(demo, "Dana Whitfield")
    assert draft["text"].startswith("Hi Dana") and "sorry" in draft["text"].lower()
    assert any(item["kind"] == "fact" for item in draft["recalled"])
    approved = await demo.post(f"/drafts/{draft['id']}/approve")
    assert approved.status_code == 303
    done = await wait_for_draft(demo, "Dana Whitfield", status="sent")
    history = (await demo.get(f"/api/customers/{done['customer_id']}")).json()["messages"]
    assert history[-1]["direction"] == "out" and history[-1]["text"] == draft["text"]
    page = await demo.get("/", params={"as_user": "dana"})
    assert draft["text"].split(";")[0] in html.unescape(page.text)


async def test_new_customer_and_edited_reply(demo):
    """A brand-new customer can chat, and a rep's edited text is what gets posted."""
    await demo.post("/chat", data={"name": "Zoe Park", "text": "Hello! Is the shop open Sunday?"})
    draft = await wait_for_draft(demo, "Zoe Park")
    await demo.post(f"/drafts/{draft['id']}/edit", data={"text": "Hi Zoe! Yes, 10 to 4."})
    sent = await wait_for_draft(demo, "Zoe Park", status="sent")
    assert sent["final_text"] == "Hi Zoe! Yes, 10 to 4."


async def test_a_cross_site_form_cannot_approve(demo):
    """A form posted from another site is refused and the draft stays pending."""
    await demo.post("/chat", data={"user": "ravi", "text": "Is my invoice fixed?"})
    draft = await wait_for_draft(demo, "Ravi Patel")
    refused = await demo.post(
        f"/drafts/{draft['id']}/approve", headers={"Origin": "http://evil.example"}
    )
    assert refused.status_code == 403
    assert (await wait_for_draft(demo, "Ravi Patel"))["id"] == draft["id"]


async def test_double_approve_over_http_sends_once(demo):
    """Two approve requests at once: one is applied, the other told it was already sent."""
    await demo.post("/chat", data={"user": "mei", "text": "Router is fine now, thanks!"})
    draft = await wait_for_draft(demo, "Mei Chen")
    headers = {"Accept": "application/json"}
    a, b = await asyncio.gather(
        demo.post(f"/drafts/{draft['id']}/approve", headers=headers),
        demo.post(f"/drafts/{draft['id']}/approve", headers=headers),
    )
    assert sorted([a.status_code, b.status_code]) == [200, 409]
    history = (await demo.get(f"/api/customers/{draft['customer_id']}")).json()["messages"]
    assert sum(m["text"] == draft["text"] for m in history) == 1
