"""``rapport demo`` as a real subprocess: for tests that kill, restart or run two of it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.faults.conftest import free_port
from tests.web.conftest import csrf_of


class DemoProcess:
    def __init__(self, database_url: str, cwd: Path) -> None:
        self.database_url, self.cwd = database_url, cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    async def start(self) -> None:
        rapport = Path(sys.executable).with_name("rapport")
        if not rapport.exists():
            pytest.skip("the rapport console script is not installed in this environment")
        port = free_port()
        self.proc = self._spawn(rapport, port)
        self.url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            for _ in range(300):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                assert self.proc.poll() is None, "rapport demo exited during start-up"
                await asyncio.sleep(0.05)
        raise AssertionError("rapport demo did not answer /healthz within 15 s")

    def _spawn(self, rapport: Path, port: int) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAPPORT_"))}
        env["RAPPORT_LOG_LEVEL"] = "warning"
        return subprocess.Popen(
            [str(rapport), "demo", "--database-url", self.database_url, "--port", str(port)],
            cwd=self.cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def client(self, request_timeout: float = 10) -> httpx.AsyncClient:
        """A signed-in (demo, loopback) client that sends the page's CSRF token and wants JSON."""
        client = httpx.AsyncClient(base_url=self.url, timeout=request_timeout)
        client.headers["X-CSRF-Token"] = csrf_of((await client.get("/")).text)
        client.headers["Accept"] = "application/json"
        return client

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
