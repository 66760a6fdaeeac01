"""The Docker deployment files: checked as text and YAML, since no Docker engine runs here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.config import Settings
from handlers.discord.settings import DiscordSettings
from handlers.slack.settings import SlackSettings

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read compose.yaml")
    return yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))


def test_compose_runs_two_listeners_on_one_postgres_16(compose):
    """`docker compose up` starts two Rapport listeners sharing one PostgreSQL 16 database."""
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:16"
    workers = [s for name, s in services.items() if name.startswith("listener-")]
    assert len(workers) == 2
    assert all(w["command"] == ["rapport", "run", "--role", "listeners"] for w in workers)
    urls = {w["environment"]["DATABASE_URL"] for w in workers}
    assert len(urls) == 1 and "@postgres:5432/" in urls.pop()
    for worker in workers:
        assert worker["build"] == "." and worker["env_file"] == ".env"
        assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert worker["environment"]["RAPPORT_HOST"] == "0.0.0.0"


def test_compose_drafts_on_worker_processes_with_the_same_database(compose):
    """Drafting runs in `rapport worker` containers (two), on the listeners' database."""
    services = compose["services"]
    worker = services["worker"]
    assert worker["command"] == ["rapport", "worker"]
    assert worker["deploy"]["replicas"] == 2
    assert (
        worker["environment"]["DATABASE_URL"]
        == services["listener-1"]["environment"]["DATABASE_URL"]
    )


def test_compose_migrates_once_before_the_workers(compose):
    """Migrations run in one container after PostgreSQL is healthy, so workers never race."""
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["rapport", "db", "upgrade"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in compose["services"]["postgres"]


def test_compose_proxy_spreads_requests_over_both_listeners(compose):
    """The published port reaches both listeners, so Slack's HTTP events are load balanced."""
    proxy = compose["services"]["proxy"]
    command = " ".join(proxy["command"])
    assert "listener-1:8000" in command and "listener-2:8000" in command
    assert proxy["ports"]


def test_dockerfile_runs_rapport_as_a_non_root_user_with_a_health_check():
    """The image installs the package, drops root, serves `rapport run` and checks /healthz."""
    text = (ROOT / "Dockerfile").read_text("utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert "pip install ." in text
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*", text, re.M) and "/healthz" in text
    assert re.search(r'^CMD \["rapport", "run"\]', text, re.M)


def test_dockerfile_copies_every_package_setuptools_installs():
    """No package the project ships is left out of the image."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    text = (ROOT / "Dockerfile").read_text("utf-8")
    for package in packages:
        assert f"COPY {package} ./{package}" in text, package


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    """Neither the .env file with tokens nor a local venv or database is sent to the build."""
    ignored = (ROOT / ".dockerignore").read_text("utf-8").split()
    for entry in (".env", ".venv", "*.db", ".git"):
        assert entry in ignored


def test_env_copied_from_the_example_counts_empty_values_as_unset(tmp_path, monkeypatch):
    """A .env made from .env.example, with only Discord filled in, is read as Discord-only:
    the empty `SLACK_BOT_TOKEN=` line does not switch Slack on."""
    env = (ROOT / ".env.example").read_text("utf-8")
    env = env.replace("\nDISCORD_TOKEN=\n", "\nDISCORD_TOKEN=discord-test-token\n")
    (tmp_path / ".env").write_text(env, "utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert DiscordSettings().discord_token is not None
    assert SlackSettings().slack_bot_token is None
    assert settings.openai_api_key is None and settings.openai_base_url is None
    assert settings.database_url == "sqlite:///rapport.db"
