"""Console logins: who may review drafts (reps) and who may also shape the voice (admins).

Passwords are stored as Argon2id hashes (``argon2-cffi``); hashing is slow on
purpose, so it runs in a worker thread and never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.schema import AuditEntry, User

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


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

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class UserDirectory:
    """Logins in the database.

    ``hasher`` defaults to argon2-cffi's recommended parameters; tests pass a
    cheaper (still real) one so that hashing does not dominate their run time.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], hasher: PasswordHasher | None = None
    ) -> None:
        self.sessions = sessions
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    async def add(self, username: str, password: str, role: Role, *, actor: str) -> Login:
        username = normalise_username(username)
        check_password(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        try:
            async with self.sessions() as session, session.begin():
                session.add(User(username=username, password_hash=password_hash, role=role.value))
                session.add(AuditEntry(actor=actor, action="user.add", detail={"user": username}))
        except IntegrityError as exc:
            raise UserError(f"a login named {username!r} already exists") from exc
        return Login(username, role)

    async def set_password(self, username: str, password: str, *, actor: str) -> None:
        check_password(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self.sessions() as session, session.begin():
            user = await self._user(session, username)
            user.password_hash = password_hash
            session.add(AuditEntry(actor=actor, action="user.password", detail={"user": username}))

    async def remove(self, username: str, *, actor: str) -> None:
        async with self.sessions() as session, session.begin():
            await self._user(session, username)
            await session.execute(delete(User).where(User.username == username))
            session.add(AuditEntry(actor=actor, action="user.remove", detail={"user": username}))

    async def authenticate(self, username: str, password: str) -> Login | None:
        """The login for these credentials, or None; never says which part was wrong."""
        user = await self.get(username.strip().lower())
        if user is None and self._dummy_hash is None:
            # Verified against when the username is unknown, so a wrong name takes as
            # long as a wrong password and logins do not reveal which accounts exist.
            self._dummy_hash = await asyncio.to_thread(self._hasher.hash, "rapport-no-such-user")
        stored = user.password_hash if user else self._dummy_hash
        assert stored is not None
        try:
            await asyncio.to_thread(self._hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if self._hasher.check_needs_rehash(user.password_hash):
            await self._rehash(user.username, password)
        return Login(user.username, Role(user.role))

    async def login(self, username: str) -> Login | None:
        """The current role of a signed-in user (None once the login is removed)."""
        user = await self.get(username)
        return Login(user.username, Role(user.role)) if user else None

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

    async def _user(self, session: AsyncSession, username: str) -> User:
        user = (
            await session.execute(select(User).where(User.username == username))
        ).scalar_one_or_none()
        if user is None:
            raise UserError(f"no login named {username!r}")
        return user

    async def _rehash(self, username: str, password: str) -> None:
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self.sessions() as session, session.begin():
            user = await self._user(session, username)
            user.password_hash = password_hash


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


__all__ = ["Login", "Role", "UserDirectory", "UserError"]
