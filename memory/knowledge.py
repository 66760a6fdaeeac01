"""Knowledge in the database: sources, their documents by content hash, and passages.

A sync replaces what changed in one transaction: a file whose hash is the
same is left alone, a changed one has its passages replaced, a file gone from
the folder is removed with its passages. A file that could not be read this
time keeps what was indexed before (a half-written export must not empty the
help centre). Past answers are passages of kind ``answer`` tied to their draft.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.database import Database
from memory.domain.knowledge import (
    Document,
    Passage,
    PassageKind,
    ReadProblem,
    Source,
    SyncReport,
)
from memory.schema import KnowledgeDocument, KnowledgePassage, KnowledgeSource, utcnow

ANSWERS = "answered before"  # the source name past answers are shown under


class UnknownSource(LookupError):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        listed = ", ".join(known) or "none yet"
        super().__init__(f"no knowledge source named {name!r}; known: {listed}")


class Knowledge:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def sync(
        self,
        name: str,
        root: str,
        documents: Sequence[Document],
        problems: Sequence[ReadProblem] = (),
        *,
        url_prefix: str | None = None,
    ) -> SyncReport:
        """Make source ``name`` hold exactly ``documents`` (files with problems keep their old
        version); one transaction, so a failure leaves the previous index whole."""
        report = SyncReport(source=name, problems=list(problems))
        now = utcnow()
        async with self.db.sessions() as session, session.begin():
            source = (
                await session.execute(select(KnowledgeSource).where(KnowledgeSource.name == name))
            ).scalar_one_or_none()
            if source is None:
                source = KnowledgeSource(name=name, root=root, url_prefix=url_prefix)
                session.add(source)
                await session.flush()
            source.root, source.indexed_at = root, now
            if url_prefix is not None:
                source.url_prefix = url_prefix or None  # "" clears it
            stored = {
                doc.path: doc
                for doc in (
                    await session.execute(
                        select(KnowledgeDocument).where(KnowledgeDocument.source_id == source.id)
                    )
                ).scalars()
            }
            for document in documents:
                before = stored.get(document.path)
                if before is not None and before.content_hash == document.content_hash:
                    report.unchanged += 1
                    continue
                if before is None:
                    before = KnowledgeDocument(source_id=source.id, path=document.path)
                    session.add(before)
                    report.added.append(document.path)
                else:
                    await session.execute(
                        delete(KnowledgePassage).where(KnowledgePassage.document_id == before.id)
                    )
                    report.changed.append(document.path)
                before.content_hash, before.title, before.indexed_at = (
                    document.content_hash,
                    document.title,
                    now,
                )
                await session.flush()
                session.add_all(_passages(before.id, document))
            kept = {d.path for d in documents} | {p.path for p in problems}
            # A folder that could not be read keeps everything indexed under it.
            folders = tuple(p.path.rstrip("/") + "/" for p in problems)
            for path, document_row in stored.items():
                if path not in kept and not path.startswith(folders):
                    await session.delete(document_row)
                    report.removed.append(path)
            await session.flush()
            report.passages = await _count_passages(session, source.id)
        return report

    async def sources(self) -> list[Source]:
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(
                    KnowledgeSource,
                    func.count(func.distinct(KnowledgeDocument.id)),
                    func.count(KnowledgePassage.id),
                )
                .outerjoin(KnowledgeDocument, KnowledgeDocument.source_id == KnowledgeSource.id)
                .outerjoin(KnowledgePassage, KnowledgePassage.document_id == KnowledgeDocument.id)
                .group_by(KnowledgeSource.id)
                .order_by(KnowledgeSource.name)
            )
            return [
                Source(
                    name=source.name,
                    root=source.root,
                    url_prefix=source.url_prefix,
                    documents=int(documents),
                    passages=int(passages),
                    indexed_at=source.indexed_at,
                )
                for source, documents, passages in rows
            ]

    async def remove(self, name: str) -> int:
        """Remove a source and its passages; how many passages went. UnknownSource if none."""
        async with self.db.sessions() as session, session.begin():
            source = (
                await session.execute(select(KnowledgeSource).where(KnowledgeSource.name == name))
            ).scalar_one_or_none()
            if source is None:
                known = (await session.execute(select(KnowledgeSource.name))).scalars().all()
                raise UnknownSource(name, list(known))
            count = await _count_passages(session, source.id)
            # Passages first: SQLite only cascades with foreign keys on, which we set,
            # but an explicit delete keeps the count honest on every database.
            documents = select(KnowledgeDocument.id).where(KnowledgeDocument.source_id == source.id)
            await session.execute(
                delete(KnowledgePassage).where(KnowledgePassage.document_id.in_(documents))
            )
            await session.execute(
                delete(KnowledgeDocument).where(KnowledgeDocument.source_id == source.id)
            )
            await session.delete(source)
            return count

    async def passages(
        self, *, source: str | None = None, limit: int | None = None
    ) -> list[Passage]:
        """Every passage (docs and past answers), or one source's, in file order."""
        query = (
            select(KnowledgePassage, KnowledgeSource.name, KnowledgeSource.url_prefix)
            .outerjoin(KnowledgeDocument, KnowledgeDocument.id == KnowledgePassage.document_id)
            .outerjoin(KnowledgeSource, KnowledgeSource.id == KnowledgeDocument.source_id)
            .order_by(KnowledgePassage.id)
        )
        if source is not None:
            query = query.where(KnowledgeSource.name == source)
        if limit is not None:
            query = query.limit(limit)
        async with self.db.sessions() as session:
            rows = await session.execute(query)
            return [passage_of(row, name, prefix) for row, name, prefix in rows]

    async def signature(self) -> tuple[int, int]:
        """Changes whenever any passage is added or removed: (count, newest id)."""
        async with self.db.sessions() as session:
            count, newest = (
                await session.execute(
                    select(func.count(KnowledgePassage.id), func.max(KnowledgePassage.id))
                )
            ).one()
            return int(count), int(newest or 0)

    async def add_answer(self, draft_id: int, question: str, answer: str) -> int | None:
        """Keep a sent reply as an "answered before" passage; None if it is kept already."""
        async with self.db.sessions() as session, session.begin():
            exists = (
                await session.execute(
                    select(KnowledgePassage.id).where(KnowledgePassage.draft_id == draft_id)
                )
            ).scalar_one_or_none()
            if exists is not None:
                return None
            row = KnowledgePassage(
                kind=PassageKind.ANSWER.value,
                draft_id=draft_id,
                file=ANSWERS,
                heading=question[:300],
                heading_path=[question[:300]],
                anchor="",
                piece=0,
                text=answer,
            )
            session.add(row)
            await session.flush()
            return row.id


def _passages(document_id: int, document: Document) -> list[KnowledgePassage]:
    return [
        KnowledgePassage(
            kind=PassageKind.DOC.value,
            document_id=document_id,
            file=document.path,
            heading=section.heading,
            heading_path=list(section.heading_path),
            anchor=section.anchor[:300],
            piece=section.piece,
            text=section.text,
        )
        for section in document.sections
        if section.text.strip() or section.heading.strip()
    ]


async def _count_passages(session: AsyncSession, source_id: int) -> int:
    return int(
        (
            await session.execute(
                select(func.count(KnowledgePassage.id))
                .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgePassage.document_id)
                .where(KnowledgeDocument.source_id == source_id)
            )
        ).scalar_one()
    )


def passage_of(row: KnowledgePassage, source: str | None, url_prefix: str | None) -> Passage:
    kind = PassageKind(row.kind)
    return Passage(
        id=row.id,
        kind=kind,
        source=source or ANSWERS,
        file=row.file,
        heading=row.heading,
        heading_path=tuple(str(h) for h in (row.heading_path or [])),
        anchor=row.anchor,
        piece=row.piece,
        text=row.text,
        url=link(url_prefix, row.file, row.anchor) if kind is PassageKind.DOC else None,
        indexed_at=row.created_at,
    )


def link(url_prefix: str | None, path: str, anchor: str) -> str | None:
    """The public address of a passage: the source's prefix, the file, the anchor."""
    if not url_prefix:
        return None
    page = path
    for suffix in (".md", ".markdown"):
        if page.endswith(suffix):
            page = page[: -len(suffix)] + ".html"  # a docs site serves Markdown rendered
    url = url_prefix.rstrip("/") + "/" + page
    return f"{url}#{anchor}" if anchor else url


__all__ = ["ANSWERS", "Knowledge", "UnknownSource", "link", "passage_of"]
