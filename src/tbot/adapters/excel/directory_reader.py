"""Reading the employee directory from an .xlsx workbook into raw rows of canonical fields.

openpyxl streams each sheet (read-only mode: memory stays flat at 100k rows), but in that mode it
knows nothing of merged cells, and with `data_only` it cannot tell a formula that has no computed
value from an empty cell. Both facts are in the sheet's XML, so before streaming a sheet we scan
its raw bytes once (see `_scan_sheet`): that costs one decompression and a few `bytes.find`
calls, a small fraction of openpyxl's own parse, instead of a second full parse.

Nothing here checks what a value means (is the phone a phone?): that is the import use case's
job. The reader reports what only it can see: cells that hold no usable value.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.exceptions import InvalidFileException

from tbot.adapters.excel.columns import DATE_FIELDS, NAME_PARTS, field_for_header
from tbot.domain.errors import ValidationFailed

HEADER_SEARCH_ROWS = 10
PROGRESS_EVERY = 1_000
CHUNK_ROWS = 5_000  # rows handed on at a time by stream_directory
# An .xlsx is zipped XML, typically 5-20 times smaller than its content; far more is a zip bomb.
MAX_UNPACK_RATIO = 100

NOT_XLSX = "not an .xlsx workbook"
FORMULA_WITHOUT_VALUE = "formula without a computed value; open and save the file in Excel"


@dataclass(frozen=True, slots=True)
class RawRow:
    sheet: str
    row: int  # as Excel numbers it, 1-based
    # canonical field -> cleaned text; every recognised column of the sheet is present ("" when
    # the cell is empty), except a cell reported in `errors`. The name parts are added when only
    # full_name was given; department when it comes from a heading row or (legacy) the sheet name.
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class CellError:
    sheet: str
    row: int
    column_header: str  # the header as written in the file
    reason: str

    def __str__(self) -> str:
        return f"sheet {self.sheet!r}, row {self.row}, column {self.column_header!r}: {self.reason}"


@dataclass(frozen=True, slots=True)
class IgnoredColumn:
    sheet: str
    column: str  # letter, as Excel shows it
    header: str
    reason: str


@dataclass(frozen=True, slots=True)
class SkippedSheet:
    sheet: str
    reason: str


@dataclass(frozen=True, slots=True)
class WorkbookRows:
    rows: tuple[RawRow, ...]
    errors: tuple[CellError, ...] = ()
    ignored_columns: tuple[IgnoredColumn, ...] = ()
    skipped_sheets: tuple[SkippedSheet, ...] = ()


class WorkbookTooLarge(ValidationFailed):
    def __init__(self, size: int, max_bytes: int) -> None:
        limit = _size(max_bytes)
        super().__init__(
            {"file": f"the file is {_size(size)}; at most {limit} is accepted"},
            "workbook too large",
        )
        self.size = size
        self.max_bytes = max_bytes


def read_directory(
    path: Path,
    *,
    max_bytes: int,
    legacy: bool = False,
    progress: Callable[[int], None] | None = None,
) -> WorkbookRows:
    """Every sheet with a recognisable header, as raw rows; every unusable cell in `errors`.

    `legacy`: the old bot's workbook, where a sheet without a department column is named after
    its department. `progress(n)` gets the number of rows read so far every 1,000 rows and once
    at the end."""
    chunks = list(stream_directory(path, max_bytes=max_bytes, legacy=legacy, progress=progress))
    return WorkbookRows(
        tuple(row for chunk in chunks for row in chunk.rows),
        tuple(error for chunk in chunks for error in chunk.errors),
        chunks[-1].ignored_columns,
        chunks[-1].skipped_sheets,
    )


def stream_directory(
    path: Path,
    *,
    max_bytes: int,
    legacy: bool = False,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[WorkbookRows]:
    """`read_directory` a chunk of rows at a time, so that the rows can be used while the rest
    is read: each chunk holds its rows and the errors of those rows; the last one (perhaps
    without rows) also holds the ignored columns and skipped sheets."""
    check_size(path, max_bytes)
    collector = _Collector(progress)
    with _open_archive(path, max_bytes) as archive, path.open("rb") as handle:
        workbook = _load(handle)
        try:
            for sheet in workbook.worksheets:
                try:
                    # _worksheet_path: openpyxl's own name of the sheet's part in the archive.
                    scan = _scan_sheet(archive, sheet._worksheet_path)
                    sheet.reset_dimensions()  # a wrong <dimension> would silently cut rows off
                    rows = sheet.iter_rows(values_only=True)
                    for _ in _read_sheet(sheet.title, rows, scan, legacy, collector):
                        if len(collector.rows) >= chunk_rows:
                            yield collector.chunk()
                except (ParseError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
                    raise ValidationFailed(
                        {f"sheet {sheet.title!r}": f"the sheet is damaged ({exc})"}
                    ) from None
        finally:
            workbook.close()
    yield collector.result()


# --- opening -------------------------------------------------------------------------------


def check_size(path: Path, max_bytes: int) -> None:
    """WorkbookTooLarge (or ValidationFailed for a file that cannot be read) before any work."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationFailed({"file": f"cannot read {path.name}: {exc.strerror}"}) from None
    if size > max_bytes:
        raise WorkbookTooLarge(size, max_bytes)


def _open_archive(path: Path, max_bytes: int) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValidationFailed({"file": _not_xlsx_reason(path)}) from None
    except OSError as exc:
        raise ValidationFailed({"file": f"cannot read {path.name}: {exc.strerror}"}) from None
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > max(max_bytes, 1 << 20) * MAX_UNPACK_RATIO:
        archive.close()
        raise ValidationFailed({"file": f"{NOT_XLSX}: it unpacks to {_size(unpacked)}"})
    return archive


def _not_xlsx_reason(path: Path) -> str:
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: Excel 97-2003, or encrypted .xlsx
        return f"{NOT_XLSX} (an old .xls or a password-protected file: save it as .xlsx)"
    return NOT_XLSX


def _load(handle: IO[bytes]) -> Any:
    # A file object, not a name: openpyxl refuses names that do not end in .xlsx/.xlsm, and
    # uploads are stored under names of our own.
    try:
        return load_workbook(handle, read_only=True, data_only=True)
    except (KeyError, InvalidFileException, zipfile.BadZipFile):  # a zip, but no workbook in it
        raise ValidationFailed({"file": NOT_XLSX}) from None
    except (ParseError, ValueError, TypeError) as exc:  # a workbook openpyxl cannot make sense of
        raise ValidationFailed({"file": f"the workbook is damaged ({exc})"}) from None


# --- the raw scan: merges and formulas without a value ----------------------------------------


@dataclass(frozen=True, slots=True)
class _Merge:
    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass(slots=True)
class _SheetScan:
    merges: list[_Merge] = field(default_factory=list)
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)  # (row, col)


_CHUNK = 1 << 20
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_MERGE = re.compile(
    rb'<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"'
)
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>[^<]")
_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]+)"')


def _scan_sheet(archive: zipfile.ZipFile, member: str) -> _SheetScan:
    """Merged ranges and formula cells without a cached value, from the sheet's XML bytes.

    The XML is read in 1 MB chunks, each cut after its last `</c>` so that no cell is split (a
    literal "</" cannot occur in XML text). `<mergeCells>` follows `<sheetData>`, so it is in the
    last piece. Formula cells are located with `bytes.find`, which costs next to nothing in a
    sheet without formulas."""
    scan = _SheetScan()
    prefix: bytes | None = None
    tail = b""
    with archive.open(member.lstrip("/")) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            data = tail + chunk
            if prefix is None:
                root = _ROOT.search(data, 0, 4096)
                prefix = (root.group(1) + b":") if root and root.group(1) else b""
            if chunk:
                cut = data.rfind(b"</" + prefix + b"c>")
                if cut < 0:
                    tail = data
                    continue
                cut += len(prefix) + 4
                part, tail = data[:cut], data[cut:]
            else:
                part = data
            _scan_formulas(part, prefix, scan.formulas_without_value)
            if b"mergeCell" in part:
                scan.merges.extend(_merges(part))
            if not chunk:
                return scan


def _scan_formulas(part: bytes, prefix: bytes, found: set[tuple[int, int]]) -> None:
    formula, cell_open, cell_close = (
        b"<" + prefix + b"f",
        b"<" + prefix + b"c",
        b"</" + prefix + b"c>",
    )
    at = part.find(formula)
    while at >= 0:
        after = part[at + len(formula) : at + len(formula) + 1]
        if after not in (b">", b"/", b" ", b"\t", b"\r", b"\n"):  # <formula> of a cfRule
            at = part.find(formula, at + 1)
            continue
        start = part.rfind(cell_open, 0, at)
        end = part.find(cell_close, at)
        if start < 0 or end < 0:  # not inside a cell: nothing of ours
            at = part.find(formula, at + 1)
            continue
        if not _VALUE.search(part, start, end):
            ref = _REF.search(part, start, part.find(b">", start))
            if ref:
                found.add((int(ref.group(2)), column_index_from_string(ref.group(1).decode())))
        at = part.find(formula, end)


def _merges(part: bytes) -> Iterable[_Merge]:
    for match in _MERGE.finditer(part):
        first_col, first_row, last_col, last_row = match.groups()
        if last_col is None:  # a one-cell "range"
            continue
        yield _Merge(
            min_row=int(first_row),
            min_col=column_index_from_string(first_col.decode()),
            max_row=int(last_row),
            max_col=column_index_from_string(last_col.decode()),
        )


class _MergeFiller:
    """Gives every cell of a merged range the value of its top-left cell, as Excel shows it.
    Works row by row on the stream: a range becomes active at its first row."""

    def __init__(self, merges: Sequence[_Merge]) -> None:
        self._starting: dict[int, list[_Merge]] = {}
        for merge in merges:
            self._starting.setdefault(merge.min_row, []).append(merge)
        self._active: list[tuple[_Merge, object]] = []

    def fill(self, row: int, cells: tuple[object, ...], width: int) -> tuple[object, ...]:
        starting = self._starting.pop(row, None)
        if starting:
            self._active.extend((m, _at(cells, m.min_col - 1)) for m in starting)
        if not self._active:
            return cells
        self._active = [(m, value) for m, value in self._active if m.max_row >= row]
        out = list(cells)
        for merge, value in self._active:
            last = min(merge.max_col, width)
            if len(out) < last:
                out.extend([None] * (last - len(out)))
            for col in range(merge.min_col, last + 1):
                out[col - 1] = value
        return tuple(out)

    def spanning(self, row: int, first_col: int, last_col: int) -> object:
        """The value of a merged range that covers the whole row from first_col to last_col."""
        for merge, value in self._active:
            if merge.min_row <= row and merge.min_col <= first_col and merge.max_col >= last_col:
                return value
        return None


# --- rows ----------------------------------------------------------------------------------


class _Collector:
    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.rows: list[RawRow] = []
        self.errors: list[CellError] = []
        self.ignored: list[IgnoredColumn] = []
        self.skipped: list[SkippedSheet] = []
        self.sheets_read = 0
        self._seen = 0
        self._progress = progress

    def tick(self) -> None:
        self._seen += 1
        if self._progress is not None and self._seen % PROGRESS_EVERY == 0:
            self._progress(self._seen)

    def chunk(self) -> WorkbookRows:
        """The rows and errors collected since the last chunk."""
        chunk = WorkbookRows(tuple(self.rows), tuple(self.errors))
        self.rows.clear()
        self.errors.clear()
        return chunk

    def result(self) -> WorkbookRows:
        """The last chunk, with what was left aside in the whole workbook."""
        if self.sheets_read == 0:
            raise ValidationFailed(
                {f"sheet {s.sheet!r}": s.reason for s in self.skipped}
                or {"file": "the workbook has no sheets"},
                "no employee table found",
            )
        if self._progress is not None and self._seen % PROGRESS_EVERY != 0:
            self._progress(self._seen)
        return WorkbookRows(
            tuple(self.rows), tuple(self.errors), tuple(self.ignored), tuple(self.skipped)
        )


@dataclass(frozen=True, slots=True)
class _Header:
    fields: dict[int, str]  # 0-based column index -> canonical field
    headers: dict[int, str]  # 0-based column index -> header text as written
    ignored: list[IgnoredColumn]
    first_col: int  # 1-based, the first and last known columns
    width: int
    has_department: bool


_NO_HEADER = (
    f"no header row in the first {HEADER_SEARCH_ROWS} rows: need at least two known column "
    "names (e.g. ФИО, Должность, Телефон)"
)


def _read_sheet(
    title: str,
    rows: Iterable[tuple[object, ...]],
    scan: _SheetScan,
    legacy: bool,
    collector: _Collector,
) -> Iterator[None]:
    """Collects the sheet's rows, yielding after each one it keeps."""
    merges = _MergeFiller(scan.merges)
    header: _Header | None = None
    seen_anything = False
    heading = ""  # the text of the last heading row above, a department name
    for number, raw in enumerate(rows, start=1):
        if header is None:
            cells = merges.fill(number, raw, len(raw))
            seen_anything = seen_anything or any(c is not None for c in cells)
            header = _header(title, cells)
            if header is None and number >= HEADER_SEARCH_ROWS:
                break
            continue
        collector.tick()
        cells = merges.fill(number, raw, header.width)
        banner = merges.spanning(number, header.first_col, header.width)
        if banner is not None and not _blank(banner):
            heading = " ".join(str(banner).split())  # a department heading, not an employee
            continue
        if _blank_row(number, raw, header, scan) or _repeats_header(raw, header):
            continue
        values = _row_values(title, number, cells, header, scan, collector.errors)
        if not header.has_department and (heading or legacy):
            values["department"] = heading or title.strip()
        collector.rows.append(RawRow(title, number, values))
        yield
    if header is None:
        reason = _NO_HEADER if seen_anything else "the sheet is empty"
        collector.skipped.append(SkippedSheet(title, reason))
        return
    collector.sheets_read += 1
    collector.ignored.extend(header.ignored)


def _header(title: str, cells: tuple[object, ...]) -> _Header | None:
    fields: dict[int, str] = {}
    headers: dict[int, str] = {}
    ignored: list[IgnoredColumn] = []
    taken: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        text = " ".join(str(cell).split())
        name = field_for_header(text)
        letter = get_column_letter(index + 1)
        if name is None:
            ignored.append(IgnoredColumn(title, letter, text, "unknown header"))
        elif name in taken:
            first = get_column_letter(taken[name] + 1)
            ignored.append(IgnoredColumn(title, letter, text, f"same field as column {first}"))
        else:
            taken[name] = index
            fields[index] = name
            headers[index] = text
    if len(fields) < 2:
        return None
    return _Header(
        fields,
        headers,
        ignored,
        first_col=min(fields) + 1,
        width=max(fields) + 1,
        has_department="department" in taken,
    )


def _row_values(
    title: str,
    number: int,
    cells: tuple[object, ...],
    header: _Header,
    scan: _SheetScan,
    errors: list[CellError],
) -> dict[str, str]:
    values: dict[str, str] = {}
    for index, name in header.fields.items():
        cell = _at(cells, index)
        if cell is None and (number, index + 1) in scan.formulas_without_value:
            errors.append(CellError(title, number, header.headers[index], FORMULA_WITHOUT_VALUE))
            continue
        try:
            values[name] = _clean(cell, name)
        except _BadCell as bad:
            errors.append(CellError(title, number, header.headers[index], bad.reason))
    full_name = values.get("full_name", "")
    if full_name and not any(values.get(part) for part in NAME_PARTS):
        values.update(zip(NAME_PARTS, split_full_name(full_name), strict=True))
    return values


def _blank_row(number: int, raw: tuple[object, ...], header: _Header, scan: _SheetScan) -> bool:
    """No value of its own in any known column (a value filled in from a merge does not count)."""
    for index in header.fields:
        if not _blank(_at(raw, index)) or (number, index + 1) in scan.formulas_without_value:
            return False
    return True


def _repeats_header(raw: tuple[object, ...], header: _Header) -> bool:
    """The header again further down, as left by pasting a block copied with its header."""
    matches = 0
    for index, text in header.headers.items():
        cell = _at(raw, index)
        if isinstance(cell, str) and " ".join(cell.split()) == text:
            matches += 1
            if matches == 2:
                return True
    return False


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _at(cells: tuple[object, ...], index: int) -> object:
    return cells[index] if index < len(cells) else None


# --- cells ---------------------------------------------------------------------------------


class _BadCell(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
)  # fmt: skip
# Excel keeps 15 significant digits: a longer number typed into a cell has lost its tail.
_EXACT_DIGITS = 10**15
# Date serials 1950-01-01 .. 2099-12-31: a bare number in a date column outside them is no date.
_SERIALS = range(18_264, 73_051)
_EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system; dates have no zone
_TEXT_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")
_QUOTED = ("'=", "'+", "'-", "'@")


def _clean(value: object, name: str) -> str:
    """A cell's value as text: numbers without ".0", dates as ISO, spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        if text in _EXCEL_ERRORS:
            raise _BadCell(f"Excel error value {text}")
        if text.startswith(_QUOTED):  # an export that guarded a formula with a literal apostrophe
            text = text[1:]
        return _text_date(text) if name in DATE_FIELDS and text else text
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return _number(value, name)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _number(value: int | float, name: str) -> str:
    if isinstance(value, float):
        if abs(value) >= _EXACT_DIGITS:
            raise _BadCell(
                f"the number {value:.15g} has more than 15 digits and Excel has rounded it; "
                "store the column as text"
            )
        if value.is_integer():
            value = int(value)
    if name in DATE_FIELDS:
        if isinstance(value, int) and value in _SERIALS:
            return (_EXCEL_EPOCH + timedelta(days=value)).date().isoformat()
        raise _BadCell(f"not a date: {value}")
    return str(value) if isinstance(value, int) else f"{value:.15g}"


def _text_date(text: str) -> str:
    match = _TEXT_DATE.fullmatch(re.split(r"[ T]", text, maxsplit=1)[0])
    try:
        if match is None:
            raise ValueError(text)
        day, month, year, iso_year, iso_month, iso_day = match.groups()
        if iso_year is not None:
            return date(int(iso_year), int(iso_month), int(iso_day)).isoformat()
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise _BadCell(f"not a date: {text!r} (expected ДД.ММ.ГГГГ or ГГГГ-ММ-ДД)") from None


# --- names ---------------------------------------------------------------------------------

_INITIALS = re.compile(r"[^\W\d_]\.(?:[^\W\d_]\.?)?")


def split_full_name(full_name: str) -> tuple[str, str, str]:
    """(last, first, middle) from "Фамилия Имя Отчество": the first word is the last name, the
    rest after the first name is the patronymic ("Мамедов Рашид Ибрагим оглы"). Initials stay as
    given, one per part: "Иванов И.И." and "И. И. Иванов" -> ("Иванов", "И.", "И.")."""
    words = full_name.split()
    if len(words) > 1 and _is_initials(words[0]) and not _is_initials(words[-1]):
        words = [words[-1], *words[:-1]]  # "И.И. Иванов"
    if not words:
        return "", "", ""
    last, rest = words[0], words[1:]
    if rest and all(_is_initials(word) for word in rest):
        rest = [letter + "." for word in rest for letter in word.replace(".", "")]
    first = rest[0] if rest else ""
    return last, first, " ".join(rest[1:])


def _is_initials(word: str) -> bool:
    return "." in word and _INITIALS.fullmatch(word) is not None


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
