"""Console logins from the command line, and where the console may listen."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.config import Settings
from bot.console import console_problems
from handlers.cli.users import users_cli

runner = CliRunner()


def test_users_add_creates_a_login_that_can_be_listed(sqlite_url: str) -> None:
    """`rapport users add` asks for the password twice and stores a login with its role."""
    added = runner.invoke(
        users_cli,
        ["add", "Ada", "--role", "admin", "--database-url", sqlite_url],
        input="a long enough password\na long enough password\n",
    )
    assert added.exit_code == 0, added.output
    assert "created admin login 'ada'" in added.output
    assert "a long enough password" not in added.output
    listed = runner.invoke(users_cli, ["list", "--database-url", sqlite_url])
    assert "ada" in listed.output and "admin" in listed.output


def test_users_add_refuses_a_short_password_and_a_duplicate(sqlite_url: str) -> None:
    """A short password or an existing name is refused with a reason, and nothing changes."""
    short = runner.invoke(
        users_cli,
        ["add", "rita", "--role", "rep", "--database-url", sqlite_url],
        input="short\nshort\n",
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    args = ["add", "rita", "--role", "rep", "--database-url", sqlite_url]
    assert runner.invoke(users_cli, args, input="x" * 12 + "\n" + "x" * 12 + "\n").exit_code == 0
    again = runner.invoke(users_cli, args, input="y" * 12 + "\n" + "y" * 12 + "\n")
    assert again.exit_code == 1 and "already exists" in again.output


def test_the_console_beyond_loopback_needs_a_secret_and_an_admin() -> None:
    """`rapport run` on 0.0.0.0 refuses to start without RAPPORT_SECRET_KEY or an admin login."""
    public = Settings(host="0.0.0.0", secret_key=None)
    problems = console_problems(public, admins=0)
    assert any("RAPPORT_SECRET_KEY" in p for p in problems)
    assert any("rapport users add NAME --role admin" in p for p in problems)
    ready = Settings(host="0.0.0.0", secret_key="k" * 32)
    assert console_problems(ready, admins=1) == []


def test_the_console_on_loopback_starts_without_either() -> None:
    """On 127.0.0.1 only this machine can reach it: no secret or admin needed to start."""
    assert console_problems(Settings(host="127.0.0.1"), admins=0) == []
