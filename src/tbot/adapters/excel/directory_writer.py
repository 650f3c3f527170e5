"""Writing the employee directory to an .xlsx workbook that `read_directory` reads back as is.

openpyxl's write-only mode streams rows to the file, so memory stays flat at 100k rows. Every
value is written as text (inline strings), so phones, extensions and personnel numbers keep their
digits, "+" and leading zeros.

Formula injection: a value starting with = + - or @ is written as a text cell with Excel's
apostrophe prefix (the `quotePrefix` cell style, which is what typing '=... in Excel stores).
Excel, LibreOffice and Google Sheets show it as text and keep it text when the cell is edited;
the value itself stays exact, so "+74951234567" reads back as "+74951234567", not "'+7...".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tbot.adapters.excel.columns import (
    COLUMN_BY_FIELD,
    DEFAULT_EXPORT_FIELDS,
    TEXT_FIELDS,
    HeaderLanguage,
)

SHEET_TITLE: dict[HeaderLanguage, str] = {"ru": "Сотрудники", "en": "Employees"}
_FORMULA_START = ("=", "+", "-", "@")
_TEXT_FORMAT = "@"

__all__ = ["DEFAULT_EXPORT_FIELDS", "SHEET_TITLE", "write_directory"]


def write_directory(
    rows: Iterable[Mapping[str, str | None]],
    path_or_buffer: Path | str | IO[bytes],
    *,
    fields: Sequence[str] = DEFAULT_EXPORT_FIELDS,
    headers: HeaderLanguage = "ru",
) -> None:
    """One sheet: a bold header row (Russian by default), then one row per mapping, in `fields`
    order. A missing key or None is an empty cell."""
    unknown = [name for name in fields if name not in COLUMN_BY_FIELD]
    if unknown:
        raise ValueError(f"unknown directory fields: {', '.join(unknown)}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE[headers])
    sheet.freeze_panes = "A2"
    for index, name in enumerate(fields, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_BY_FIELD[name].width
    bold = Font(bold=True)
    header_row = []
    for name in fields:
        cell = WriteOnlyCell(sheet, value=COLUMN_BY_FIELD[name].header(headers))
        cell.font = bold
        header_row.append(cell)
    sheet.append(header_row)
    cells = _CellMaker(sheet, fields)
    for row in rows:
        sheet.append(cells.row(row))
    workbook.save(path_or_buffer)


class _CellMaker:
    """Plain strings where openpyxl's default is right; a styled cell per column otherwise.
    openpyxl writes each appended row at once, so one cell object per column is reused for every
    row instead of building a styled cell per value."""

    def __init__(self, sheet: Any, fields: Sequence[str]) -> None:
        self._fields = tuple(fields)
        self._text = tuple(self._styled(sheet, name, quoted=False) for name in fields)
        self._quoted = tuple(self._styled(sheet, name, quoted=True) for name in fields)

    @staticmethod
    def _styled(sheet: Any, name: str, *, quoted: bool) -> Any:
        if not quoted and name not in TEXT_FIELDS:
            return None
        cell = WriteOnlyCell(sheet)
        if name in TEXT_FIELDS:
            cell.number_format = _TEXT_FORMAT
        if quoted:
            cell.quotePrefix = True
        return cell

    def row(self, values: Mapping[str, str | None]) -> list[Any]:
        out: list[Any] = []
        for index, name in enumerate(self._fields):
            value = values.get(name)
            if value is None or value == "":
                out.append(None)
                continue
            if not isinstance(value, str):
                value = str(value)
            if not value.isprintable():  # control characters are not allowed in XML
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith(_FORMULA_START):
                cell = self._quoted[index]
                cell.value = value
                cell.data_type = "s"  # openpyxl would take "=..." for a formula
                out.append(cell)
            elif self._text[index] is not None:
                cell = self._text[index]
                cell.value = value
                out.append(cell)
            else:
                out.append(value)
        return out
