"""What an import takes (rows of cell text, options) and what it answers (counts, or every bad
cell by sheet, row and column)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tbot.domain.errors import ValidationFailed

MATCH_KEYS = ("personnel_number", "email", "name_department")


@dataclass(frozen=True, slots=True)
class ImportRow:
    sheet: str
    row: int
    values: Mapping[str, str]  # canonical field -> cell text
    headers: Mapping[str, str] = field(default_factory=dict)  # canonical field -> header


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """Rows as they arrive from a reader still reading: the rows, and the cells of those rows
    the reader could not read (reported with the rest; such a row is not checked further)."""

    rows: Sequence[ImportRow]
    unreadable: Sequence[RowError] = ()


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    dismiss_missing: bool = False
    match_by: tuple[str, ...] = MATCH_KEYS


@dataclass(frozen=True, slots=True)
class RowError:
    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.row} [{self.column}]: {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dismissed: int = 0
    departments_created: int = 0
    workstations_created: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)


class ImportRejected(ValidationFailed):
    """Bad rows: nothing was written. `report.errors` names each sheet, row and column."""

    def __init__(self, report: ImportReport) -> None:
        shown = {f"{e.sheet}!{e.row}:{e.column}": e.reason for e in report.errors[:50]}
        super().__init__(shown, f"{len(report.errors)} bad cell(s); nothing was imported")
        self.report = report
