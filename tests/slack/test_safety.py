"""Mass mentions never reach Slack, whoever wrote them: the customer, the model or a rep."""

from __future__ import annotations

import json
import re

from tests.fakes.slack_events import button, edit_submission, message
from tests.slack.conftest import CUSTOMER, REP, REVIEW, SUPPORT, SlackHarness

LIVE_MENTION = re.compile(r"<!(channel|here|everyone)|<!subteam\^|@(channel|here|everyone)\b", re.I)
NASTY = "Hey <!channel> <!here|here> <!everyone> <!subteam^S0SUPPORT|@support> @channel @here"


def _everything_posted(h: SlackHarness) -> list[str]:
    return [
        json.dumps(c.args)
        for c in h.fake.calls
        if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
    ]


async def test_mass_mentions_from_the_model_are_never_posted(http_slack: SlackHarness) -> None:
    """A draft full of @channel/@here/group pings reaches Slack with every ping made inert."""
    assert http_slack.slack is not None
    http_slack.runtime.engine.drafter.enqueue(NASTY)  # type: ignore[attr-defined]
    await http_slack.slack.event(message(NASTY, user=CUSTOMER, channel=SUPPORT))
    await http_slack.settle()
    draft_id = await http_slack.draft_id()
    await http_slack.slack.interaction(
        button("rapport_approve", draft_id, user=REP, channel=REVIEW)
    )
    await http_slack.settle()
    [reply] = http_slack.replies()
    assert reply["parse"] == "none"
    assert reply["link_names"] in (False, 0, "0", "false")
    assert "channel" in reply["text"]  # still readable
    posted = _everything_posted(http_slack)
    assert len(posted) >= 3  # card, its update, the reply
    for body in posted:
        assert not LIVE_MENTION.search(body), body


async def test_mass_mentions_typed_by_a_rep_in_an_edit_are_never_posted(
    http_slack: SlackHarness,
) -> None:
    """Even a rep's edited reply cannot ping the whole channel."""
    assert http_slack.slack is not None
    await http_slack.slack.event(message("help", user=CUSTOMER, channel=SUPPORT))
    await http_slack.settle()
    await http_slack.slack.interaction(
        edit_submission(await http_slack.draft_id(), NASTY, user=REP)
    )
    await http_slack.settle()
    [reply] = http_slack.replies()
    assert not LIVE_MENTION.search(reply["text"])
