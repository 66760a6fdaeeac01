"""Versions of the prompt templates that admins edit in the console.

Every save is a new numbered version; exactly one version of a template is
active at a time, or none (then the file shipped in ``prompts/templates`` runs).
Rolling back is activating an older version: nothing is ever overwritten.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.schema import AuditEntry, PromptVersion
from prompts.renderer import (
    TEMPLATES,
    ActiveTemplate,
    PromptRenderer,
    TemplateRejected,
    default_source,
)


class VersionNotFound(LookupError):
    def __init__(self, name: str, version: int) -> None:
        super().__init__(f"template {name!r} has no version {version}")


def label(version: int | None) -> str:
    """How a version is named in drafts' ``prompt_version``: ``v3``, or ``file``."""
    return f"v{version}" if version is not None else "file"


class PromptVersions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def history(self, name: str) -> list[PromptVersion]:
        """Every saved version of ``name``, newest first."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(PromptVersion)
                .where(PromptVersion.name == name)
                .order_by(PromptVersion.version.desc())
            )
            return list(rows.scalars())

    async def get(self, name: str, version: int) -> PromptVersion:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(PromptVersion).where(
                        PromptVersion.name == name, PromptVersion.version == version
                    )
                )
            ).scalar_one_or_none()
        if row is None:
            raise VersionNotFound(name, version)
        return row

    async def active(self) -> dict[str, PromptVersion]:
        async with self.sessions() as session:
            rows = await session.execute(select(PromptVersion).where(PromptVersion.is_active))
            return {row.name: row for row in rows.scalars()}

    async def save(self, name: str, source: str, *, author: str, comment: str) -> PromptVersion:
        """Store ``source`` as the next version of ``name`` and make it the active one.

        The caller validates first; this only records. Two admins saving at the
        same moment both get a version: the loser of the race takes the next number.
        """
        for _attempt in range(3):
            try:
                async with self.sessions() as session, session.begin():
                    latest = (
                        await session.execute(
                            select(func.max(PromptVersion.version)).where(
                                PromptVersion.name == name
                            )
                        )
                    ).scalar_one()
                    await _deactivate(session, name)
                    row = PromptVersion(
                        name=name,
                        version=(latest or 0) + 1,
                        source=source,
                        author=author,
                        comment=comment.strip()[:500],
                        is_active=True,
                    )
                    session.add(row)
                    session.add(
                        AuditEntry(
                            actor=author,
                            action="template.save",
                            detail={"template": name, "version": row.version},
                        )
                    )
                return row
            except IntegrityError:
                continue
        raise RuntimeError(f"could not save a new version of {name!r}: too many concurrent saves")

    async def activate(self, name: str, version: int | None, *, actor: str) -> None:
        """Make ``version`` the running one; ``None`` goes back to the shipped file."""
        async with self.sessions() as session, session.begin():
            if version is not None:
                exists = (
                    await session.execute(
                        select(PromptVersion.id).where(
                            PromptVersion.name == name, PromptVersion.version == version
                        )
                    )
                ).scalar_one_or_none()
                if exists is None:
                    raise VersionNotFound(name, version)
            await _deactivate(session, name)
            if version is not None:
                await session.execute(
                    update(PromptVersion)
                    .where(PromptVersion.name == name, PromptVersion.version == version)
                    .values(is_active=True)
                )
            session.add(
                AuditEntry(
                    actor=actor,
                    action="template.activate",
                    detail={"template": name, "version": label(version)},
                )
            )

    async def load_into(self, renderer: PromptRenderer) -> list[TemplateRejected]:
        """Make the renderer run the active versions (the shipped file where none is active).

        A stored version the renderer refuses (say, a variable was retired since
        it was saved) is skipped, so the shipped file keeps running; the
        refusals are returned for the caller to log.
        """
        active = await self.active()
        refused: list[TemplateRejected] = []
        for name in TEMPLATES:
            row = active.get(name)
            try:
                if row is None:
                    renderer.use(name, ActiveTemplate(default_source(name), label(None)))
                else:
                    renderer.use(name, ActiveTemplate(row.source, label(row.version)))
            except TemplateRejected as exc:
                refused.append(exc)
        return refused


async def _deactivate(session: AsyncSession, name: str) -> None:
    await session.execute(
        update(PromptVersion)
        .where(PromptVersion.name == name, PromptVersion.is_active)
        .values(is_active=False)
    )


__all__ = ["PromptVersions", "VersionNotFound", "label"]
