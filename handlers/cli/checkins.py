"""``rapport checkins``: list check-ins, draft what is due, ask for one, opt out or in."""

from __future__ import annotations

import getpass
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from bot.checkins import CheckinSettings, CheckinSettingsError, cause_of
from bot.config import Settings
from handlers.cli.common import DbOpt, migrate_or_exit, run_or_exit, settings_or_exit
from memory.domain import Actor
from memory.domain.dates import zone

if TYPE_CHECKING:  # the engine and database load only when a command runs: `--help` stays fast
    from bot.checkin_service import CheckinService, RunReport
    from memory.checkins import CheckinView

T = TypeVar("T")

checkins_cli = typer.Typer(
    help="Check-ins: list them, draft what is due, ask for one, opt a customer out or in.",
    no_args_is_help=True,
)

CustomerArg = Annotated[int, typer.Argument(help="The customer id (see `rapport customers list`).")]


def _prepare(database_url: str | None) -> tuple[Settings, CheckinSettings]:
    settings = settings_or_exit(database_url=database_url)
    try:
        checkin_settings = CheckinSettings.from_settings(settings)
    except CheckinSettingsError as exc:
        typer.echo(f"rapport: invalid settings: {exc}", err=True)
        raise typer.Exit(2) from exc
    migrate_or_exit(settings)
    return settings, checkin_settings


def _with_service(
    database_url: str | None, work: Callable[[CheckinService, Settings], Awaitable[T]]
) -> T:
    """Run ``work`` against a service on the configured database, then close everything."""
    from bot.checkin_service import CheckinError, CheckinService  # see TYPE_CHECKING above
    from bot.runtime import build_runtime

    settings, checkin_settings = _prepare(database_url)

    async def go() -> T:
        runtime = build_runtime(settings)
        try:
            return await work(CheckinService(runtime.engine, checkin_settings), settings)
        finally:
            await runtime.close()

    return run_or_exit(go(), CheckinError)


def _me() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "operator"


@checkins_cli.command("list")
def list_checkins(
    customer: Annotated[int | None, typer.Option("--customer", help="Only this customer.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array, for scripts.")] = False,
    database_url: DbOpt = None,
) -> None:
    """Check-ins, soonest first, with why each exists and what became of it."""

    async def work(
        service: CheckinService, settings: Settings
    ) -> tuple[list[CheckinView], Any, str]:
        from bot.checkin_service import CheckinError  # deferred: see TYPE_CHECKING above

        who = await service.store.customer(customer) if customer is not None else None
        if customer is not None and who is None:
            raise CheckinError(f"no customer with id {customer}; see `rapport customers list`")
        return await service.repo.listing(customer), who, settings.timezone

    rows, who, workspace_tz = _with_service(database_url, work)
    if as_json:
        typer.echo(json.dumps([_as_json(r) for r in rows], indent=2, ensure_ascii=False))
        return
    if who is not None:
        consent = (
            f"opted out of check-ins on {who.opted_out_at:%Y-%m-%d}"
            if who.opted_out_at
            else "accepts check-ins"
        )
        typer.echo(f"{who.display_name} (customer {who.id}): {consent}")
    if not rows:
        typer.echo("no check-ins")
    for r in rows:
        local = r.due_at.astimezone(zone(r.customer_timezone, workspace_tz))
        note = f"  [{r.outcome}]" if r.outcome else ""
        typer.echo(
            f"#{r.id:<5} {local:%Y-%m-%d %H:%M %Z}  {r.status:<9}  {r.customer_name} "
            f"(customer {r.customer_id}, {_cause(r)}): {r.reason}{note}"
        )


def _cause(row: CheckinView) -> str:
    try:
        return cause_of(row.cause_key).value
    except ValueError:
        return row.cause_key


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _as_json(r: CheckinView) -> dict[str, Any]:
    return {
        "id": r.id,
        "customer": {
            "id": r.customer_id,
            "name": r.customer_name,
            "display_name": r.customer_name,
            "timezone": r.customer_timezone,
            "opted_out": r.opted_out_at is not None,
            "opted_out_at": _iso(r.opted_out_at),
        },
        "status": r.status,
        "cause": _cause(r),
        "cause_key": r.cause_key,
        "reason": r.reason,
        "due_at": _iso(r.due_at),
        "first_due_at": _iso(r.first_due_at),
        "drafted_at": _iso(r.drafted_at),
        "draft_id": r.draft_id,
        "source_message_id": r.source_message_id,
        "created_by": r.created_by,
        "created_at": _iso(r.created_at),
        "outcome": r.outcome,
    }


def parse_now(text: str) -> datetime:
    """``--now``: an ISO-8601 instant with an offset (or Z)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO-8601 time; use e.g. 2026-11-07T09:30:00+00:00"
        ) from None
    if value.tzinfo is None:
        raise typer.BadParameter(
            f"{text!r} has no UTC offset; add one, e.g. {value.isoformat()}+00:00"
        )
    return value


@checkins_cli.command("run-due")
def run_due(
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Draft what is due at this ISO-8601 instant (with offset). Default: now.",
        ),
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """Draft every check-in due now, once (what the scheduler does every minute)."""
    at = parse_now(now) if now else datetime.now(UTC)

    async def work(service: CheckinService, _settings: Settings) -> RunReport:
        report = await service.run_due(at)
        await service.engine.wait_idle()
        return report

    report = _with_service(database_url, work)
    typer.echo(
        f"at {at.isoformat()}: drafted {len(report.drafted)}, skipped {len(report.skipped)}, "
        f"cancelled {len(report.cancelled)}, deferred {len(report.deferred)}"
        + (f", recovered {report.recovered} stuck claims" if report.recovered else "")
        + (f", failed {len(report.failed)}" if report.failed else "")
    )
    for checkin_id, draft_id in report.drafted:
        typer.echo(f"  #{checkin_id}: drafted as draft {draft_id}, waiting for review")
    for checkin_id, why in report.skipped:
        typer.echo(f"  #{checkin_id}: skipped: {why}")
    for checkin_id, why in report.cancelled:
        typer.echo(f"  #{checkin_id}: cancelled: {why}")
    for checkin_id, until in report.deferred:
        typer.echo(f"  #{checkin_id}: deferred to {until.isoformat()}")
    if report.failed:
        raise typer.Exit(1)


@checkins_cli.command("add")
def add(
    customer_id: CustomerArg,
    on: Annotated[
        str,
        typer.Option(
            "--on", help="2026-12-01, 'tomorrow', 'next Monday', 'the 12th' (customer's zone)."
        ),
    ],
    note: Annotated[str | None, typer.Option("--note", help="What to ask about.")] = None,
    database_url: DbOpt = None,
) -> None:
    """Ask Rapport to draft a check-in with a customer on a day (a rep's reminder)."""
    actor = Actor("cli", _me(), _me())

    async def work(service: CheckinService, settings: Settings) -> str:
        row, created = await service.request(customer_id, on, note, actor)
        customer = await service.store.customer(customer_id)
        tz = service.timezone(customer)
        when = f"{row.due_at.astimezone(tz):%a %d %b %Y %H:%M} ({tz.key})"
        if created:
            return f"check-in #{row.id} with customer {customer_id} scheduled for {when}"
        return f"check-in #{row.id} for that day already exists ({row.status}, due {when})"

    typer.echo(_with_service(database_url, work))


@checkins_cli.command("opt-out")
def opt_out(customer_id: CustomerArg, database_url: DbOpt = None) -> None:
    """Stop check-ins for a customer (at their request) until they opt back in."""

    async def work(service: CheckinService, _settings: Settings) -> int:
        return await service.opt_out(customer_id, f"{_me()} (cli)")

    cancelled = _with_service(database_url, work)
    typer.echo(
        f"customer {customer_id} opted out of check-ins; {cancelled} scheduled check-ins cancelled"
    )


@checkins_cli.command("opt-in")
def opt_in(customer_id: CustomerArg, database_url: DbOpt = None) -> None:
    """Allow check-ins for a customer again (at their request)."""

    async def work(service: CheckinService, _settings: Settings) -> None:
        await service.opt_in(customer_id, f"{_me()} (cli)")

    _with_service(database_url, work)
    typer.echo(f"customer {customer_id} accepts check-ins again")
