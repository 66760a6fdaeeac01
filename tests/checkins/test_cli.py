"""`rapport checkins …` from the command line, on both databases."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from typer.testing import CliRunner

from bot.checkin_service import CheckinService
from bot.config import Settings
from bot.runtime import build_runtime
from handlers.cli.checkins import checkins_cli
from tests.helpers import message

runner = CliRunner()


def seed(url: str, *texts: str) -> int:
    """Store messages through the engine with the check-in service watching; the customer id."""

    async def go() -> int:
        rt = build_runtime(Settings(database_url=url))
        rt.engine.observers.append(CheckinService(rt.engine))
        try:
            result = None
            for i, text in enumerate(texts):
                result = await rt.engine.handle(message(text, minutes=i))
            assert result is not None
            return result.customer_id
        finally:
            await rt.close()

    return asyncio.run(go())


def cli(url: str, *args: str):
    return runner.invoke(checkins_cli, [*args, "--database-url", url])


def test_list_json_shows_customer_due_time_status_and_reason(database_url):
    """`checkins list --json` gives each check-in's customer, due time with offset, status, why."""
    customer_id = seed(database_url, "Taking Milo to the vet on Friday.")
    result = cli(database_url, "list", "--json")
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.output)
    assert item["customer"] == {
        "id": customer_id,
        "name": "Dana Whitfield",
        "display_name": "Dana Whitfield",
        "timezone": None,
        "opted_out": False,
        "opted_out_at": None,
    }
    assert datetime.fromisoformat(item["due_at"]).utcoffset() is not None
    assert item["due_at"] == "2026-11-07T09:00:00+00:00"
    assert item["status"] == "scheduled" and "vet on Friday" in item["reason"]
    assert isinstance(item["id"], int)


def test_run_due_with_now_drafts_once(database_url):
    """`checkins run-due --now` drafts what is due at that instant; a second run drafts nothing."""
    seed(database_url, "Taking Milo to the vet on Friday.")
    first = cli(database_url, "run-due", "--now", "2026-11-07T09:05:00+00:00")
    assert first.exit_code == 0, first.output
    assert "drafted 1" in first.output and "waiting for review" in first.output
    again = cli(database_url, "run-due", "--now", "2026-11-07T09:06:00Z")
    assert "drafted 0" in again.output
    [item] = json.loads(cli(database_url, "list", "--json").output)
    assert item["status"] == "drafted"


def test_run_due_refuses_a_time_without_offset(database_url):
    """`--now` without a UTC offset is refused with an example of what to write."""
    result = cli(database_url, "run-due", "--now", "2026-11-07T09:05")
    assert result.exit_code == 2 and "+00:00" in result.output


def test_add_schedules_a_reps_checkin(database_url):
    """`checkins add ID --on DATE --note` schedules a rep's check-in for that morning."""
    customer_id = seed(database_url, "Hello")
    result = cli(database_url, "add", str(customer_id), "--on", "2030-01-15", "--note", "router")
    assert result.exit_code == 0, result.output
    assert "scheduled for Tue 15 Jan 2030 09:00" in result.output
    [item] = json.loads(cli(database_url, "list", "--json", "--customer", str(customer_id)).output)
    assert item["reason"].startswith("router (asked by")
    assert item["due_at"] == "2030-01-15T09:00:00+00:00"


def test_add_explains_an_unreadable_date(database_url):
    """A date Rapport cannot read is refused with examples that would work."""
    customer_id = seed(database_url, "Hello")
    result = cli(database_url, "add", str(customer_id), "--on", "someday")
    assert result.exit_code == 1 and "next Monday" in result.output


def test_opt_out_and_opt_in_are_stored_and_shown(database_url):
    """`opt-out` cancels pending check-ins and shows in the list; `opt-in` clears it."""
    customer_id = seed(database_url, "Taking Milo to the vet on Friday.")
    out = cli(database_url, "opt-out", str(customer_id))
    assert out.exit_code == 0 and "1 scheduled check-ins cancelled" in out.output
    shown = cli(database_url, "list", "--customer", str(customer_id))
    assert "opted out of check-ins on" in shown.output and "cancelled" in shown.output
    [item] = json.loads(cli(database_url, "list", "--json").output)
    assert item["customer"]["opted_out"] is True
    refused = cli(database_url, "add", str(customer_id), "--on", "2030-01-15")
    assert refused.exit_code == 1 and "opted out" in refused.output
    back = cli(database_url, "opt-in", str(customer_id))
    assert back.exit_code == 0
    assert "accepts check-ins" in cli(database_url, "list", "--customer", str(customer_id)).output


def test_unknown_customer_is_named(database_url):
    """Asking about a customer id that does not exist says so and where to find ids."""
    result = cli(database_url, "opt-out", "999")
    assert result.exit_code == 1 and "no customer with id 999" in result.output
