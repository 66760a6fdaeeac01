"""`rapport customers export --out FILE` keeps a customer's data to its owner (Security).

The export is everything Rapport holds about a person, so the file is written
readable by its owner only, and never through a symbolic link someone else
planted where the file should go.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.config import Settings
from bot.runtime import build_runtime
from bot.seed import seed_demo
from handlers.cli import app

runner = CliRunner()


@pytest.fixture
def seeded(sqlite_url: str) -> str:
    """The demo's customers in a fresh SQLite database; customer 1 exists."""

    async def seed() -> None:
        runtime = build_runtime(Settings(database_url=sqlite_url))
        await seed_demo(runtime.engine)
        await runtime.close()

    asyncio.run(seed())
    return sqlite_url


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common umask 022, under which a plain write makes a file everyone can read."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def export(database_url: str, out: Path) -> tuple[int, str]:
    result = runner.invoke(
        app, ["customers", "export", "1", "--out", str(out), "--database-url", database_url]
    )
    return result.exit_code, result.output


@pytest.mark.usefixtures("usual_umask")
@pytest.mark.parametrize("existing", [False, True], ids=["new-file", "existing-0644-file"])
def test_the_export_file_is_readable_by_its_owner_only(
    seeded: str, tmp_path: Path, existing: bool
) -> None:
    """The written file has mode 0600, whether it is new or replaces a world-readable one."""
    out = tmp_path / "customer.json"
    if existing:
        out.write_text("old\n", encoding="utf-8")
        out.chmod(0o644)

    code, output = export(seeded, out)

    assert code == 0, output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["customer"]["id"] == 1


def test_an_export_is_never_written_through_a_symbolic_link(seeded: str, tmp_path: Path) -> None:
    """`--out` naming a symbolic link is refused with a message saying so, and the file the
    link points to is left as it was."""
    target = tmp_path / "someone-elses-file"
    target.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "customer.json"
    link.symlink_to(target)

    code, output = export(seeded, link)

    assert code != 0
    assert "symbolic link" in output and str(link) in output
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert link.is_symlink()
