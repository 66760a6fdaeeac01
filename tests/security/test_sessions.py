"""Console sessions end when they should, and sign-in cannot be guessed at speed (Security).

A copied session cookie stops working once its owner signs out, their
password changes or their login is removed; repeated wrong passwords are
refused for a while, per login and per address, with a message saying when
to try again.
"""

from __future__ import annotations

import httpx

from memory.users import Role, UserDirectory
from tests.web.conftest import FAST_HASHER, PASSWORD, LiveConsole, csrf_of, sign_in

SESSION_COOKIE = "rapport_session"


def copy_of(console: LiveConsole, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Another browser holding the same session cookie (a copied or stolen cookie)."""
    thief = console.client()
    thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return thief


async def attempt(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = await client.get("/login")
    return await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )


async def test_a_copied_cookie_stops_working_when_its_owner_signs_out(
    console: LiveConsole,
) -> None:
    """After Log out, a copy of the session cookie no longer opens the review queue."""
    async with console.client() as rita:
        await sign_in(rita, "rita")
        async with copy_of(console, rita) as thief:
            assert (await thief.get("/queue")).status_code == 200
            assert (await rita.post("/logout")).status_code == 303
            assert (await thief.get("/queue")).status_code == 401


async def test_changing_a_password_ends_the_sessions_signed_in_with_the_old_one(
    console: LiveConsole,
) -> None:
    """`rapport users password rita` signs out every browser that knew the old password."""
    async with console.client() as rita:
        await sign_in(rita, "rita")
        users = UserDirectory(console.runtime.store.sessions, FAST_HASHER)
        await users.set_password("rita", "a brand new password", actor="cli")
        assert (await rita.get("/queue")).status_code == 401


async def test_a_removed_logins_cookie_stays_dead_when_the_name_is_added_again(
    console: LiveConsole,
) -> None:
    """Removing rita and adding a new 'rita' does not bring the old rita's sessions back."""
    async with console.client() as rita:
        await sign_in(rita, "rita")
        users = UserDirectory(console.runtime.store.sessions, FAST_HASHER)
        await users.remove("rita", actor="cli")
        await users.add("rita", "another person's password", Role.REP, actor="cli")
        assert (await rita.get("/queue")).status_code == 401


async def test_wrong_passwords_for_one_login_are_refused_for_a_while(
    console: LiveConsole,
) -> None:
    """After five wrong passwords even the right one is refused, with when to try again."""
    async with console.client() as guesser:
        for guess in range(5):
            assert (await attempt(guesser, "rita", f"guess number {guess}")).status_code == 401
        refused = await attempt(guesser, "rita", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins for this login" in refused.text
    assert "try again in 15 minutes" in refused.text
    assert int(refused.headers["retry-after"]) > 14 * 60
    async with console.client() as ada:
        await sign_in(ada, "ada")  # another login is not locked out by rita's guesser


async def test_wrong_passwords_from_one_address_are_refused_for_a_while(
    console: LiveConsole,
) -> None:
    """Twenty wrong passwords from one address, spread over many names, stop that address."""
    async with console.client() as sprayer:
        for guess in range(20):
            assert (await attempt(sprayer, f"name{guess}", "a common password")).status_code == 401
        refused = await attempt(sprayer, "ada", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins from this address" in refused.text
    assert "try again in 15 minutes" in refused.text
