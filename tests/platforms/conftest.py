"""One harness per platform, each driving the real adapter against its fake, as a person would.

Every harness is a whole Rapport put together by the composition root
(:class:`handlers.composition.Rapport`) and served by uvicorn on a free port,
with a :class:`tests.fakes.drafter.ScriptedDrafter` as the model. The contract
suite (``test_contract.py``) speaks only the :class:`Harness` interface, so a
new platform passes the same tests by adding a harness here.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher

from bot.config import Settings
from bot.runtime import build_runtime
from handlers.composition import Rapport
from handlers.discord.service import DiscordService
from handlers.platform import Platform
from handlers.slack.cards import ACTION_IDS
from handlers.slack.service import SlackService
from handlers.web.surface import WebPlatform
from memory.domain import Action, DraftStatus
from memory.users import Role, UserDirectory
from tests.discord.conftest import button as discord_button
from tests.discord.conftest import discord_settings
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import SignedSlack, button, edit_submission, message
from tests.slack.conftest import (
    CUSTOMER,
    REP,
    REP_GROUP,
    REVIEW,
    STRANGER,
    SUPPORT,
    slack_settings,
)
from tests.web.conftest import PASSWORD, csrf_of, free_port

PlatformFactory = Callable[[Settings, Any], Platform]


class Harness:
    """A Rapport process on one platform, and the people around it."""

    name: str

    def __init__(self, database_url: str, drafter: ScriptedDrafter) -> None:
        self.database_url = database_url
        self.drafter = drafter
        self.rapport: Rapport | None = None
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    # -- what each platform provides -----------------------------------------------

    def settings(self) -> Settings:
        return Settings(database_url=self.database_url)

    def platforms(self, settings: Settings, runtime: Any) -> list[Platform]:
        return []

    def web(self) -> WebPlatform:
        return WebPlatform(demo=False)

    async def customer_says(self, text: str) -> None:
        raise NotImplementedError

    async def buttons(self) -> list[str]:
        """The buttons a rep can press on the newest card, as the platform shows them."""
        raise NotImplementedError

    async def click(self, action: Action, *, rep: bool) -> None:
        """Press a button on the newest card, as a rep or as someone who is not one."""
        raise NotImplementedError

    async def edit(self, text: str) -> None:
        """A rep edits the newest draft to ``text`` and sends it."""
        raise NotImplementedError

    def replies(self) -> list[str]:
        """What reached customers, in order."""
        raise NotImplementedError

    def cards(self) -> int:
        """How many cards the platform shows reps."""
        raise NotImplementedError

    async def after_start(self) -> None:
        """Until the platform is connected and caught up."""

    # -- a process: start, settle, restart -------------------------------------------

    async def start(self) -> None:
        settings = self.settings()
        runtime = build_runtime(settings, drafter=self.drafter)
        self.rapport = Rapport(runtime, web=self.web(), platforms=self.platforms(settings, runtime))
        await self.before_serving()
        port = free_port()
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.rapport.web_app(**self.app_options()),
                host="127.0.0.1",
                port=port,
                log_config=None,
                lifespan="on",
                timeout_graceful_shutdown=1,
            )
        )
        self._task = asyncio.get_running_loop().create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)
            if self._task.done():
                self._task.result()
        self.url = f"http://127.0.0.1:{port}"
        await self.after_start()

    async def before_serving(self) -> None:
        """Anything the process needs in its database before it serves (logins)."""

    def app_options(self) -> dict[str, Any]:
        return {}

    async def settle(self) -> None:
        assert self.rapport is not None
        await self.rapport.wait_idle()

    async def stop(self) -> None:
        if self.rapport is None:
            return
        await self.settle()
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        await self._task
        await self.rapport.close()
        self.rapport = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def draft_id(self) -> int:
        assert self.rapport is not None
        drafts = await self.rapport.runtime.store.drafts.in_statuses(list(DraftStatus))
        return drafts[-1].id


class SlackHarness(Harness):
    name = "slack"

    def __init__(self, database_url: str, drafter: ScriptedDrafter, fake: FakeSlack) -> None:
        super().__init__(database_url, drafter)
        self.fake = fake
        self.slack: SignedSlack | None = None

    def platforms(self, settings: Settings, runtime: Any) -> list[Platform]:
        return [SlackService(slack_settings(self.fake), runtime)]

    async def after_start(self) -> None:
        self.slack = SignedSlack(f"{self.url}/slack/events")
        await self.settle()  # the start-up catch-up

    async def stop(self) -> None:
        if self.slack is not None:
            await self.slack.close()
            self.slack = None
        await super().stop()

    async def customer_says(self, text: str) -> None:
        assert self.slack is not None
        response = await self.slack.event(
            message(text, user=CUSTOMER, channel=SUPPORT, name="Dana Whitfield")
        )
        assert response.status_code == 200

    def _newest_card(self) -> list[dict[str, Any]]:
        """The blocks of the card drawn last, posted or updated."""
        drawn = [
            c
            for c in self.fake.calls
            if c.ok
            and (
                (c.method == "chat.postMessage" and c.args.get("channel") == REVIEW)
                or c.method == "chat.update"
            )
        ]
        return list(drawn[-1].args["blocks"])

    async def buttons(self) -> list[str]:
        return [
            element["text"]["text"]
            for block in self._newest_card()
            if block["type"] == "actions"
            for element in block["elements"]
        ]

    async def click(self, action: Action, *, rep: bool) -> None:
        assert self.slack is not None
        payload = button(
            ACTION_IDS[action], await self.draft_id(), user=REP if rep else STRANGER, channel=REVIEW
        )
        assert (await self.slack.interaction(payload)).status_code == 200

    async def edit(self, text: str) -> None:
        """Edit opens the modal; the rep submits their own words."""
        assert self.slack is not None
        draft_id = await self.draft_id()
        await self.slack.interaction(
            button(ACTION_IDS[Action.EDIT], draft_id, user=REP, channel=REVIEW)
        )
        await self.settle()
        assert self.fake.calls_to("views.open"), "Edit opened no modal"
        await self.slack.interaction(edit_submission(draft_id, text, user=REP))

    def replies(self) -> list[str]:
        return [m["text"] for m in self.fake.posted() if m["channel"] != REVIEW]

    def cards(self) -> int:
        return len(self.fake.posted(REVIEW))


class DiscordHarness(Harness):
    name = "discord"

    def __init__(self, database_url: str, drafter: ScriptedDrafter, fake: FakeDiscord) -> None:
        super().__init__(database_url, drafter)
        self.fake = fake
        self.customer = fake.member("Dana Whitfield")
        self.rep = fake.member("Ana Rep", rep=True)
        self.stranger = fake.member("Sam Stranger")

    def platforms(self, settings: Settings, runtime: Any) -> list[Platform]:
        self.service = DiscordService(
            discord_settings(self.fake), runtime, guild_ready_timeout=0.05
        )
        return [self.service]

    async def after_start(self) -> None:
        await self.service.wait_ready()

    async def customer_says(self, text: str) -> None:
        await self.fake.say(self.customer, text)
        await self.fake.wait_for(lambda: self.fake.cards())

    def _newest_card(self) -> Any:
        card = self.fake.cards()[-1]
        edits = self.fake.find(
            "PATCH", f"/channels/{self.fake.review_channel_id}/messages/{card.response['id']}"
        )
        return card, (edits[-1].body if edits else card.body)

    async def buttons(self) -> list[str]:
        await self.settle()
        _card, body = self._newest_card()
        return [
            item["label"]
            for row in body.get("components") or []
            for item in row["components"]
            if not item.get("disabled")
        ]

    async def click(self, action: Action, *, rep: bool) -> None:
        card, _body = self._newest_card()
        who = self.rep if rep else self.stranger
        await self.fake.click(who, card.response["id"], discord_button(card, action.value.title()))
        await asyncio.sleep(0.05)  # the gateway delivers the interaction asynchronously

    async def edit(self, text: str) -> None:
        """Edit opens a modal prefilled with the draft; the rep submits their own words."""
        card, _body = self._newest_card()
        clicked = await self.fake.click(self.rep, card.response["id"], discord_button(card, "Edit"))
        opened = (await self.fake.wait_for(lambda: self.fake.callbacks(clicked)))[0].body
        field = opened["data"]["components"][0]["components"][0]
        await self.fake.submit_modal(self.rep, opened["data"], **{field["custom_id"]: text})
        await self.fake.wait_for(lambda: self.fake.replies())

    def replies(self) -> list[str]:
        return [str(c.body["content"]) for c in self.fake.replies()]

    def cards(self) -> int:
        return len(self.fake.cards())


_LABELS = re.compile(r"<(?:button[^>]*|summary)>(Approve|Edit|Reject|Regenerate)</")


class WebHarness(Harness):
    """The console with the demo's chat, where customers write; reps sign in."""

    name = "web"
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    def web(self) -> WebPlatform:
        return WebPlatform(demo=True)

    def app_options(self) -> dict[str, Any]:
        assert self.rapport is not None
        return {
            "auto_login": False,
            "users": UserDirectory(self.rapport.runtime.store.sessions, self.hasher),
        }

    async def before_serving(self) -> None:
        assert self.rapport is not None
        users = UserDirectory(self.rapport.runtime.store.sessions, self.hasher)
        if await users.get("rita") is None:
            await users.add("rita", PASSWORD, Role.REP, actor="test")

    async def after_start(self) -> None:
        self.rep = httpx.AsyncClient(base_url=self.url, timeout=10)
        form = await self.rep.get("/login")
        await self.rep.post(
            "/login",
            data={"username": "rita", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        self.rep.headers["X-CSRF-Token"] = csrf_of((await self.rep.get("/customers")).text)
        self.stranger = httpx.AsyncClient(base_url=self.url, timeout=10)

    async def stop(self) -> None:
        if self.rapport is not None:
            await self.rep.aclose()
            await self.stranger.aclose()
        await super().stop()

    async def customer_says(self, text: str) -> None:
        response = await self.rep.post(
            "/chat",
            data={"text": text, "name": "Dana Whitfield"},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200, response.text

    async def buttons(self) -> list[str]:
        await self.settle()
        fragment = await self.rep.get(f"/fragments/drafts/{await self.draft_id()}")
        return _LABELS.findall(fragment.text)

    async def click(self, action: Action, *, rep: bool) -> None:
        client = self.rep if rep else self.stranger
        await client.post(
            f"/drafts/{await self.draft_id()}/{action.value}",
            headers={"Accept": "application/json"},
        )

    async def edit(self, text: str) -> None:
        await self.rep.post(
            f"/drafts/{await self.draft_id()}/edit",
            data={"text": text},
            headers={"Accept": "application/json"},
        )

    def replies(self) -> list[str]:
        return self._sent

    async def refresh(self) -> None:
        assert self.rapport is not None
        drafts = await self.rapport.runtime.store.drafts.in_statuses([DraftStatus.SENT])
        self._sent = [d.final_text or "" for d in drafts]

    def cards(self) -> int:
        return self._cards

    async def settle(self) -> None:
        await super().settle()
        await self.refresh()
        assert self.rapport is not None
        drafts = await self.rapport.runtime.store.drafts.in_statuses(list(DraftStatus))
        self._cards = len(drafts)


@pytest.fixture(params=["slack", "discord", "web"])
async def platform(
    request: pytest.FixtureRequest, database_url: str, drafter: ScriptedDrafter
) -> AsyncIterator[Harness]:
    """Each platform in turn, started through the composition root on a clean database."""
    harness: Harness
    if request.param == "slack":
        fake_slack = FakeSlack()
        await fake_slack.start()
        for user, name in ((CUSTOMER, "Dana Whitfield"), (REP, "Riley Rep"), (STRANGER, "Sam")):
            fake_slack.add_user(user, name)
        fake_slack.groups[REP_GROUP] = []  # RAPPORT_SLACK_REPS names a group too
        harness = SlackHarness(database_url, drafter, fake_slack)
        closer: Any = fake_slack.stop
    elif request.param == "discord":
        fake_discord = FakeDiscord()
        await fake_discord.start()
        harness = DiscordHarness(database_url, drafter, fake_discord)
        closer = fake_discord.close
    else:
        harness = WebHarness(database_url, drafter)
        closer = None
    await harness.start()
    yield harness
    await harness.stop()
    if closer is not None:
        await closer()
