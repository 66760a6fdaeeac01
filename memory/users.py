"""Console logins: who may review drafts (reps) and who may also shape the voice (admins).

Passwords are stored as Argon2id hashes (``argon2-cffi``). Hashing is slow and
memory-hungry on purpose, so it runs in a small pool of its own: a burst of
sign-ins waits its turn there instead of filling the default thread pool, which
the SQLite store uses to save customers' messages before platforms are
acknowledged. Failed sign-ins are throttled per login and per address
(:class:`SignInThrottle`), and each login has a session version that signing
out, a new password or removal makes every earlier session cookie fail.
"""

from __future__ import annotations

import asyncio
import math
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.schema import AuditEntry, User

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

#: Failed sign-ins allowed per login name, and per client address, within the window.
ATTEMPTS_PER_LOGIN = 5
ATTEMPTS_PER_ADDRESS = 20
ATTEMPT_WINDOW_SECONDS = 15 * 60

# Two hashes at a time (each uses several threads of its own, 64 MiB apiece):
# enough for a team signing in at nine, while the event loop and the store's
# threads keep most of the CPU. Shared by every directory: the CPU is shared too.
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rapport-argon2")
_T = TypeVar("_T")


class Role(StrEnum):
    REP = "rep"
    ADMIN = "admin"


class UserError(ValueError):
    """A login that cannot be created or changed, with the reason in plain words."""


@dataclass(frozen=True, slots=True)
class Login:
    """A signed-in person as the console sees them."""

    username: str
    role: Role
    session_version: int = 0  # what this login's session cookie must carry

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class SignInThrottled(Exception):
    """Too many failed sign-ins; says, in words, when the next one may be tried."""

    def __init__(self, scope: str, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(
            f"Too many failed sign-ins {scope}; try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}."
        )


class SignInThrottle:
    """Failed sign-ins over a sliding window, per login name and per client address.

    Every attempt counts as failed until it succeeds, so a burst of concurrent
    guesses is held to the same limit as guesses one after another. Counts live
    in this process: several workers each allow the limit (see the README).
    """

    def __init__(
        self,
        per_login: int = ATTEMPTS_PER_LOGIN,
        per_address: int = ATTEMPTS_PER_ADDRESS,
        window: float = ATTEMPT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self._limits = {"login": per_login, "address": per_address}
        self._clock = clock
        self._attempts: dict[tuple[str, str], deque[float]] = {}

    def begin(self, username: str, address: str | None) -> None:
        """Count an attempt, or raise :class:`SignInThrottled` if one is not allowed now."""
        now = self._clock()
        if len(self._attempts) > 10_000:  # a spray of names: forget the ones gone quiet
            self._attempts = {
                key: times
                for key, times in self._attempts.items()
                if times and times[-1] > now - self.window
            }
        keys = [("login", username)] + ([("address", address)] if address else [])
        for key in keys:
            attempts = self._attempts.setdefault(key, deque())
            while attempts and attempts[0] <= now - self.window:
                attempts.popleft()
            if len(attempts) >= self._limits[key[0]]:
                scope = "for this login" if key[0] == "login" else "from this address"
                raise SignInThrottled(scope, attempts[0] + self.window - now)
        for key in keys:
            self._attempts[key].append(now)

    def succeeded(self, username: str, address: str | None) -> None:
        """The right password: that login starts afresh, and the address's attempt is uncounted."""
        self._attempts.pop(("login", username), None)
        attempts = self._attempts.get(("address", address)) if address else None
        if attempts:
            attempts.pop()


class UserDirectory:
    """Logins in the database, and signing in to them.

    ``hasher`` defaults to argon2-cffi's recommended parameters; tests pass a
    cheaper (still real) one so that hashing does not dominate their run time.
    One directory serves one console, and holds its sign-in throttle.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hasher: PasswordHasher | None = None,
        throttle: SignInThrottle | None = None,
    ) -> None:
        self.sessions = sessions
        self.throttle = throttle or SignInThrottle()
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    async def add(self, username: str, password: str, role: Role, *, actor: str) -> Login:
        username = normalise_username(username)
        check_password(password)
        password_hash = await _hashing(self._hasher.hash, password)
        # A random first version: a name removed and added again must not accept
        # the cookies of the login that had it before.
        version = secrets.randbelow(1 << 30)
        try:
            async with self.sessions() as session, session.begin():
                session.add(
                    User(
                        username=username,
                        password_hash=password_hash,
                        role=role.value,
                        session_version=version,
                    )
                )
                session.add(AuditEntry(actor=actor, action="user.add", detail={"user": username}))
        except IntegrityError as exc:
            raise UserError(f"a login named {username!r} already exists") from exc
        return Login(username, role, version)

    async def set_password(self, username: str, password: str, *, actor: str) -> None:
        """A new password; every session signed in with the old one ends."""
        check_password(password)
        password_hash = await _hashing(self._hasher.hash, password)
        async with self.sessions() as session, session.begin():
            user = await self._user(session, username)
            user.password_hash = password_hash
            user.session_version += 1
            session.add(AuditEntry(actor=actor, action="user.password", detail={"user": username}))

    async def end_sessions(self, username: str) -> None:
        """Sign this login out everywhere: every session cookie issued so far stops working."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(User)
                .where(User.username == username)
                .values(session_version=User.session_version + 1)
            )

    async def remove(self, username: str, *, actor: str) -> None:
        async with self.sessions() as session, session.begin():
            await self._user(session, username)
            await session.execute(delete(User).where(User.username == username))
            session.add(AuditEntry(actor=actor, action="user.remove", detail={"user": username}))

    async def authenticate(
        self, username: str, password: str, *, source: str | None = None
    ) -> Login | None:
        """The login for these credentials, or None; never says which part was wrong.

        ``source`` is the client's address, throttled like the login name.
        Raises :class:`SignInThrottled`, before any password is checked, when
        either has failed too often lately.
        """
        name = username.strip().lower()
        self.throttle.begin(name, source)
        login = await self._verify(name, password)
        if login is not None:
            self.throttle.succeeded(name, source)
        return login

    async def login(self, username: str, session_version: int) -> Login | None:
        """The current role of a signed-in user, or None once their session has ended.

        Ended: the login was removed, or it signed out or changed its password
        after this session's cookie (carrying ``session_version``) was issued.
        """
        user = await self.get(username)
        if user is None or user.session_version != session_version:
            return None
        return Login(user.username, Role(user.role), user.session_version)

    async def get(self, username: str) -> User | None:
        async with self.sessions() as session:
            return (
                await session.execute(select(User).where(User.username == username))
            ).scalar_one_or_none()

    async def all(self) -> list[User]:
        async with self.sessions() as session:
            return list((await session.execute(select(User).order_by(User.username))).scalars())

    async def count_admins(self) -> int:
        async with self.sessions() as session:
            return int(
                (
                    await session.execute(
                        select(func.count(User.id)).where(User.role == Role.ADMIN.value)
                    )
                ).scalar_one()
            )

    async def _verify(self, name: str, password: str) -> Login | None:
        user = await self.get(name)
        if user is None and self._dummy_hash is None:
            # Verified against when the username is unknown, so a wrong name takes as
            # long as a wrong password and logins do not reveal which accounts exist.
            self._dummy_hash = await _hashing(self._hasher.hash, "rapport-no-such-user")
        stored = user.password_hash if user else self._dummy_hash
        assert stored is not None
        try:
            await _hashing(self._hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if self._hasher.check_needs_rehash(user.password_hash):
            await self._rehash(user.username, password)
        return Login(user.username, Role(user.role), user.session_version)

    async def _user(self, session: AsyncSession, username: str) -> User:
        user = (
            await session.execute(select(User).where(User.username == username))
        ).scalar_one_or_none()
        if user is None:
            raise UserError(f"no login named {username!r}")
        return user

    async def _rehash(self, username: str, password: str) -> None:
        password_hash = await _hashing(self._hasher.hash, password)
        async with self.sessions() as session, session.begin():
            user = await self._user(session, username)
            user.password_hash = password_hash


async def _hashing(work: Callable[..., _T], *args: str) -> _T:
    """Run an Argon2 call in the hashing pool (see ``_HASHING``)."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, work, *args)


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise UserError(
            f"{username!r} cannot be a login name: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters")


__all__ = ["Login", "Role", "SignInThrottle", "SignInThrottled", "UserDirectory", "UserError"]
