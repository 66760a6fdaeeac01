"""Screenshots of the console's main pages, for the README.

Run from the repository root:  .venv/bin/python docs/screenshots/take.py

Starts a console on a temporary SQLite database with the demo customers and a
stand-in model (the browser tests' own, so the template preview shows a real
change), signs in with Debian's Chromium and saves PNGs beside this file.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from memory.database import upgrade  # noqa: E402
from memory.domain import Action, Actor, Decision  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path, sign_in  # noqa: E402
from tests.browser.live import LiveConsole  # noqa: E402
from tests.browser.test_console import new_message  # noqa: E402

OUT = Path(__file__).resolve().parent


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
    print(f"wrote docs/screenshots/{name}.png")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/screens.db"
        upgrade(url)
        with LiveConsole(url) as console, sync_playwright() as playwright:
            path = chromium_path()
            assert path, "install Chromium first: apt-get install chromium"
            browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            page = browser.new_page(base_url=console.url, viewport={"width": 1360, "height": 900})
            page.goto("/login")
            shoot(page, "login")
            new_message(console, "Hi, the kettle lid broke again :(", "dana", "Dana Whitfield")
            new_message(console, "Did my refund go through?", "ravi", "Ravi Patel")
            done = new_message(console, "The router is fine now, thanks!", "mei", "Mei Chen")
            rep = Actor("web", "rita", "rita")
            console.call(lambda rt: rt.engine.decide(Decision(done, Action.APPROVE, rep)))
            sign_in(page, "ada", "/queue")
            shoot(page, "queue")
            page.goto("/customers")
            shoot(page, "customers")
            page.goto("/customers/1")
            shoot(page, "customer")
            page.goto("/templates/system")
            source = page.get_by_label("Template source")
            source.fill(source.input_value().rstrip() + '\n- Sign off with "— The Kettle crew"')
            option = next(
                o
                for o in page.locator("#message_id option").all_inner_texts()
                if o.startswith("Dana Whitfield") and "lid" in o
            )
            page.get_by_label("Customer and message").select_option(label=option)
            page.get_by_role("button", name="Preview with a full draft").click()
            page.locator("#preview-draft").wait_for()
            shoot(page, "template-preview")
            page.get_by_label("Template source").fill("Hello {{ customer.nickname }}\n{% if %}")
            page.get_by_role("button", name="Save as new version").click()
            shoot(page, "template-refused")
            page.goto("/activity?days=30")
            shoot(page, "activity")
            browser.close()


if __name__ == "__main__":
    main()
