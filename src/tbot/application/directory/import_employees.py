"""Imports a directory workbook: every row validated before anything is written, then one
transaction that creates, updates or leaves each employee, creating departments and
workstations on the way. A dry run reports the same counts and writes nothing.

The phases live next to this module: import_checks (every cell), import_run (the comparison
with what is stored and the set-wise writes), import_report (what goes in and comes out)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from datetime import UTC, tzinfo
from functools import partial

from tbot.application.directory.import_checks import (
    NETWORK_COLUMNS,
    CheckedRow,
    RowChecker,
    value,
)
from tbot.application.directory.import_report import (
    MATCH_KEYS,
    ImportBatch,
    ImportOptions,
    ImportRejected,
    ImportReport,
    ImportRow,
    RowError,
)
from tbot.application.directory.import_run import BATCH_ROWS, ImportRun
from tbot.application.identity.authorizer import Authorizer
from tbot.application.ports.clock import Clock
from tbot.application.ports.directory import PhoneNormalizer
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission

# Rows checked between two chances for the batch being written to go on (a few ms of work).
_CHECK_SLICE = 250

__all__ = [
    "MATCH_KEYS",
    "NETWORK_COLUMNS",
    "ImportBatch",
    "ImportEmployees",
    "ImportOptions",
    "ImportRejected",
    "ImportReport",
    "ImportRow",
    "RowError",
]


class ImportEmployees:
    def __init__(
        self,
        uow: UnitOfWork,
        authorizer: Authorizer,
        phones: PhoneNormalizer,
        clock: Clock,
        *,
        timezone: tzinfo = UTC,
    ) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._phones = phones
        self._clock = clock
        self._timezone = timezone

    async def __call__(
        self,
        rows: Sequence[ImportRow],
        options: ImportOptions,
        caller: Caller,
        progress: Callable[[int], None] | None = None,
        *,
        unreadable: Sequence[RowError] = (),
    ) -> ImportReport:
        """`progress(n)` gets the number of rows done (checked and written) after each batch.
        ImportRejected naming every bad cell, and nothing written, if any cell is bad."""
        return await self.stream(_batches(rows, unreadable), options, caller, progress)

    async def stream(
        self,
        batches: AsyncIterable[ImportBatch],
        options: ImportOptions,
        caller: Caller,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """The rows as a reader hands them over while it reads on: each batch is checked, then
        written while the next one is read and checked. An error raised by `batches` (a file
        the reader refuses halfway) stops the import; nothing is written."""
        self._authorizer.require(caller, Permission.DIRECTORY_WRITE)
        unknown = set(options.match_by) - set(MATCH_KEYS)
        if unknown:
            raise ValidationFailed({"match_by": f"unknown key(s): {', '.join(sorted(unknown))}"})
        checker = RowChecker(self._phones, options.match_by)
        async with self._uow:
            run = ImportRun(self._uow, caller, self._clock.now(), options, self._timezone)
            report, rows = await _check_and_write(
                batches, checker, run, progress, partial(self._may_import, caller)
            )
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="employee.import",
                    target_type="employee",
                    target_id="*",
                    after={
                        "rows": rows,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "dismissed": report.dismissed,
                        "departments_created": report.departments_created,
                        "workstations_created": report.workstations_created,
                        "dismiss_missing": options.dismiss_missing,
                    },
                )
            )
            if not options.dry_run:
                await self._uow.commit()
        return report

    def _may_import(self, caller: Caller, rows: Sequence[ImportRow]) -> None:
        if any(value(row, name) for row in rows for name in NETWORK_COLUMNS):
            # Workstations, IPs and MACs are network data, as in the editing use cases.
            self._authorizer.require(caller, Permission.DIRECTORY_NETWORK)


async def _batches(
    rows: Sequence[ImportRow], unreadable: Sequence[RowError]
) -> AsyncIterator[ImportBatch]:
    yield ImportBatch(rows[:BATCH_ROWS], unreadable)
    for start in range(BATCH_ROWS, len(rows), BATCH_ROWS):
        yield ImportBatch(rows[start : start + BATCH_ROWS])


async def _check_and_write(
    batches: AsyncIterable[ImportBatch],
    checker: RowChecker,
    run: ImportRun,
    progress: Callable[[int], None] | None,
    may_import: Callable[[Sequence[ImportRow]], None],
) -> tuple[ImportReport, int]:
    """Checks batch k+1 while PostgreSQL writes batch k: checking is Python's work, writing
    mostly the database's, in a process of its own (and reading, with a reader in a process
    of its own, goes on meanwhile). Once a bad cell is found nothing more is written, but every
    row is still checked, so that the rejection names every bad cell; what was written goes
    with the transaction. The report, and the number of rows."""
    writing: asyncio.Future[None] = asyncio.ensure_future(run.load())
    done = 0
    try:
        async for batch in batches:
            may_import(batch.rows)
            checker.unreadable(batch.unreadable)
            for start in range(0, len(batch.rows), BATCH_ROWS):
                rows = batch.rows[start : start + BATCH_ROWS]
                checked = await _check(checker, rows)
                await writing
                if progress is not None and done:
                    progress(done)
                if not checker.errors:
                    writing = asyncio.ensure_future(run.apply(checked))
                done += len(rows)
        await writing
    finally:
        await _settle(writing)
    if rejected := checker.rejection():
        raise rejected
    report = await run.finish()
    if progress is not None:
        progress(done)
    return report, done


async def _check(checker: RowChecker, batch: Sequence[ImportRow]) -> list[CheckedRow]:
    checked: list[CheckedRow] = []
    for start in range(0, len(batch), _CHECK_SLICE):
        checked += checker.check(batch[start : start + _CHECK_SLICE])
        await asyncio.sleep(0)  # lets the batch being written take its next step
    return checked


async def _settle(writing: asyncio.Future[None]) -> None:
    """A write still under way when checking fails is let finish, never cancelled halfway
    through a statement: the transaction must be rolled back on a quiet connection."""
    if not writing.done():
        await asyncio.wait([writing])
    if not writing.cancelled():
        writing.exception()  # retrieved: the error that stopped the import is the one raised
