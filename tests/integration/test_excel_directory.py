"""The directory workbook adapter on real .xlsx files: headers in both languages, the quirks of
hand-kept workbooks (merges, empty rows, numbers, formulas), the old bot's workbook, refusals,
and an export that reads back unchanged. No database."""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tbot.adapters.excel.columns import (
    COLUMNS,
    DEFAULT_EXPORT_FIELDS,
    LEGACY,
    HeaderLanguage,
    field_for_header,
    fold_header,
)
from tbot.adapters.excel.directory_reader import (
    FORMULA_WITHOUT_VALUE,
    NOT_XLSX,
    CellError,
    IgnoredColumn,
    WorkbookTooLarge,
    read_directory,
    split_full_name,
)
from tbot.adapters.excel.directory_writer import write_directory
from tbot.domain.errors import ValidationFailed

MAX_BYTES = 20_000_000
SCRIPT = Path(__file__).resolve().parents[1] / "data" / "make_legacy_workbook.py"

Sheets = dict[str, list[list[object]]]


def save(path: Path, sheets: Sheets, merges: dict[str, list[str]] | None = None) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for ref in (merges or {}).get(title, []):
            sheet.merge_cells(ref)
    workbook.save(path)
    return path


def rewrite(path: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    """Edit one part of an .xlsx in place, as another program might have written it."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content) if info.filename == member else content)
    path.write_bytes(out.getvalue())


def generate_legacy(tmp_path: Path, *flags: str) -> Path:
    out = tmp_path / "legacy.xlsx"
    subprocess.run([sys.executable, str(SCRIPT), str(out), *flags], check=True)
    return out


# --- headers -------------------------------------------------------------------------------


def test_russian_headers_are_recognised_whatever_the_spelling(tmp_path: Path) -> None:
    path = save(
        tmp_path / "ru.xlsx",
        {
            "Лист1": [
                ["Ф.И.О.:", "ДОЛЖНОСТЬ", "Подразделение", "Вн. тел.", "Эл. почта", "Таб. №",
                 "Дата приёма", "Примечание", "Рабочая  станция", "IP-адрес"],
                ["Иванов Иван Иванович", "Инженер", "ИТ", "1234", "i@corp.example", "0042",
                 "01.02.2020", "что угодно", "pc-1", "10.0.0.1"],
            ]
        },
    )  # fmt: skip

    result = read_directory(path, max_bytes=MAX_BYTES)

    (row,) = result.rows
    assert row.values == {
        "full_name": "Иванов Иван Иванович",
        "last_name": "Иванов",
        "first_name": "Иван",
        "middle_name": "Иванович",
        "position": "Инженер",
        "department": "ИТ",
        "extension": "1234",
        "email": "i@corp.example",
        "personnel_number": "0042",
        "hired_on": "2020-02-01",
        "workstation": "pc-1",
        "ip": "10.0.0.1",
    }
    assert (row.sheet, row.row) == ("Лист1", 2)
    assert result.ignored_columns == (IgnoredColumn("Лист1", "H", "Примечание", "unknown header"),)
    assert result.errors == ()


def test_english_headers_are_recognised(tmp_path: Path) -> None:
    headers: list[object] = [
        "Full name", "Title", "Department", "Work phone", "Mobile", "Ext", "E-mail", "Telegram",
        "Office", "Hostname", "IP address", "MAC", "Employee ID", "Status", "Hired", "Dismissed",
    ]  # fmt: skip
    values: list[object] = [
        "Smith John", "Engineer", "IT", "+1 212 555 0100", "+1 917 555 0101", "100",
        "john@corp.example", "@jsmith", "12", "ws-12", "10.0.0.12", "aa:bb:cc:dd:ee:ff", "E-12",
        "active", "2019-05-06", "2024-01-31",
    ]  # fmt: skip
    path = save(tmp_path / "en.xlsx", {"Staff": [headers, values]})

    (row,) = read_directory(path, max_bytes=MAX_BYTES).rows

    fields = ["full_name", "position", "department", "work_phone", "mobile_phone", "extension",
              "email", "telegram_username", "room", "workstation", "ip", "mac",
              "personnel_number", "status", "hired_on", "dismissed_on"]  # fmt: skip
    assert {name: row.values[name] for name in fields} == dict(zip(fields, values, strict=True))
    assert (row.values["last_name"], row.values["first_name"]) == ("Smith", "John")


def test_every_synonym_and_legacy_header_names_one_field() -> None:
    for column in COLUMNS:
        for header in (column.field, *column.ru, *column.en):
            assert field_for_header(header) == column.field, header
            assert field_for_header(f"  {header.upper()}: ") == column.field, header
    for header, field in LEGACY:
        assert field_for_header(header) == field
    assert fold_header("Ф.И.О.:") == fold_header("фио") == "фио"
    assert fold_header("Дата приёма") == fold_header("дата  приема")
    assert field_for_header("Примечание") is None


def test_a_sheet_without_a_header_is_refused_by_name(tmp_path: Path) -> None:
    path = save(tmp_path / "junk.xlsx", {"Данные": [["a", "b"], [1, 2]]})

    with pytest.raises(ValidationFailed) as caught:
        read_directory(path, max_bytes=MAX_BYTES)

    assert list(caught.value.errors) == ["sheet 'Данные'"]
    assert "no header row in the first 10 rows" in caught.value.errors["sheet 'Данные'"]


def test_the_header_may_sit_below_a_title_and_other_sheets_are_skipped(tmp_path: Path) -> None:
    path = save(
        tmp_path / "book.xlsx",
        {
            "Справочник": [["Телефонный справочник"], [], ["ФИО", "Телефон"], ["Иванов И.", 123]],
            "Пусто": [],
            "Заметки": [["Только текст"]],
        },
        merges={"Справочник": ["A1:B1"]},
    )

    result = read_directory(path, max_bytes=MAX_BYTES)

    assert [(r.row, r.values["work_phone"]) for r in result.rows] == [(4, "123")]
    assert [(s.sheet, s.reason.split(":")[0]) for s in result.skipped_sheets] == [
        ("Пусто", "the sheet is empty"),
        ("Заметки", "no header row in the first 10 rows"),
    ]


# --- quirks of hand-kept workbooks ----------------------------------------------------------


def test_a_merged_department_applies_to_every_row_of_the_merge(tmp_path: Path) -> None:
    path = save(
        tmp_path / "merged.xlsx",
        {
            "Лист1": [
                ["Отдел", "ФИО", "Телефон"],
                ["Бухгалтерия", "Петрова Анна", "101"],
                [None, "Семёнов Пётр", "102"],
                [None, "Орлова Нина", "103"],
                ["Склад", "Сафин Айдар", "201"],
                [None, "Ершов Вадим", "202"],
                [None, None, None],  # inside the merge, but nobody is here
            ]
        },
        merges={"Лист1": ["A2:A4", "A5:A7"]},
    )

    rows = read_directory(path, max_bytes=MAX_BYTES).rows

    assert [(r.row, r.values["department"], r.values["last_name"]) for r in rows] == [
        (2, "Бухгалтерия", "Петрова"),
        (3, "Бухгалтерия", "Семёнов"),
        (4, "Бухгалтерия", "Орлова"),
        (5, "Склад", "Сафин"),
        (6, "Склад", "Ершов"),
    ]


def test_a_heading_row_merged_across_the_table_names_the_department(tmp_path: Path) -> None:
    path = save(
        tmp_path / "headings.xlsx",
        {
            "Все": [
                ["ФИО", "Должность", "Телефон"],
                ["Бухгалтерия"],
                ["Петрова Анна", "Бухгалтер", "101"],
                ["ИТ-отдел"],
                ["Brown Emily", "Admin", "301"],
            ]
        },
        merges={"Все": ["A2:C2", "A4:C4"]},
    )

    rows = read_directory(path, max_bytes=MAX_BYTES).rows

    assert [(r.row, r.values["department"], r.values["position"]) for r in rows] == [
        (3, "Бухгалтерия", "Бухгалтер"),
        (5, "ИТ-отдел", "Admin"),
    ]


def test_empty_and_repeated_header_rows_are_skipped(tmp_path: Path) -> None:
    path = save(
        tmp_path / "gaps.xlsx",
        {
            "Лист1": [
                ["ФИО", "Телефон", "Примечание"],
                ["Иванов Иван", "1"],
                [],
                [None, "   ", None],
                [None, None, "only an unknown column"],
                ["ФИО ", "Телефон", None],  # the header again, pasted with a block of rows
                ["Петров Пётр", "2"],
            ]
        },
    )

    rows = read_directory(path, max_bytes=MAX_BYTES).rows

    assert [(r.row, r.values["full_name"]) for r in rows] == [
        (2, "Иванов Иван"),
        (7, "Петров Пётр"),
    ]


def test_numbers_dates_and_spaces_are_cleaned_to_text(tmp_path: Path) -> None:
    path = save(
        tmp_path / "numbers.xlsx",
        {
            "Лист1": [
                ["ФИО", "Телефон", "Мобильный", "Вн.", "Кабинет", "Таб. №", "Дата приема",
                 "Дата увольнения"],
                ["  Иванов Иван  ", 84951234567, 89161234567.0, 101.0, 12.5, "00123",
                 datetime(2020, 1, 15), "31.12.2023"],
                ["Петров Пётр", " 8 (495) 123-45-67 ", "+7 916 123-45-67", "102", "3a", 456,
                 43845, "2021-03-01"],
            ]
        },
    )  # fmt: skip

    first, second = read_directory(path, max_bytes=MAX_BYTES).rows

    assert first.values == {
        "full_name": "Иванов Иван",
        "last_name": "Иванов",
        "first_name": "Иван",
        "middle_name": "",
        "work_phone": "84951234567",
        "mobile_phone": "89161234567",
        "extension": "101",
        "room": "12.5",
        "personnel_number": "00123",
        "hired_on": "2020-01-15",
        "dismissed_on": "2023-12-31",
    }
    assert second.values["work_phone"] == "8 (495) 123-45-67"
    assert second.values["personnel_number"] == "456"
    assert second.values["hired_on"] == "2020-01-15"  # a date serial in a General cell
    assert second.values["dismissed_on"] == "2021-03-01"


def test_an_xml_dimension_that_lies_does_not_cut_rows_off(tmp_path: Path) -> None:
    path = save(tmp_path / "dim.xlsx", {"Лист1": [["ФИО", "Телефон"], ["А Б", 1], ["В Г", 2]]})
    rewrite(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B1"', xml),
    )

    rows = read_directory(path, max_bytes=MAX_BYTES).rows

    assert [r.row for r in rows] == [2, 3]


def test_prefixed_xml_from_other_generators_is_scanned_too(tmp_path: Path) -> None:
    """Some writers (the .NET OpenXML SDK) spell every tag as <x:c>; merges and formula cells
    must be found there as well."""
    path = save(
        tmp_path / "prefixed.xlsx",
        {"Лист1": [["Отдел", "ФИО", "Вн."], ["ИТ", "А Б", "=1+1"], [None, "В Г", 5]]},
        merges={"Лист1": ["A2:A3"]},
    )

    def prefix(xml: bytes) -> bytes:
        xml = xml.replace(b'xmlns="http://schemas', b'xmlns:x="http://schemas', 1)
        return re.sub(rb"<(/?)([A-Za-z]+)([\s/>])", rb"<\1x:\2\3", xml)

    rewrite(path, "xl/worksheets/sheet1.xml", prefix)

    result = read_directory(path, max_bytes=MAX_BYTES)

    assert [r.values["department"] for r in result.rows] == ["ИТ", "ИТ"]
    assert result.errors == (CellError("Лист1", 2, "Вн.", FORMULA_WITHOUT_VALUE),)


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full_name", "parts"),
    [
        ("Иванов Иван Иванович", ("Иванов", "Иван", "Иванович")),
        ("Иванов И.И.", ("Иванов", "И.", "И.")),
        ("Иванов И. И.", ("Иванов", "И.", "И.")),
        ("И.И. Иванов", ("Иванов", "И.", "И.")),
        ("Семёнов Пётр", ("Семёнов", "Пётр", "")),
        ("Алиев Рашид Ибрагим оглы", ("Алиев", "Рашид", "Ибрагим оглы")),
        ("Римский-Корсаков Николай", ("Римский-Корсаков", "Николай", "")),
        ("Brown Emily", ("Brown", "Emily", "")),
        ("Мадонна", ("Мадонна", "", "")),
    ],
)
def test_a_full_name_is_split_into_its_parts(full_name: str, parts: tuple[str, str, str]) -> None:
    assert split_full_name(full_name) == parts


def test_name_parts_given_in_their_own_columns_are_kept(tmp_path: Path) -> None:
    path = save(
        tmp_path / "parts.xlsx",
        {
            "Лист1": [
                ["ФИО", "Фамилия", "Имя", "Отчество"],
                ["Иванова (Петрова) Анна", "Иванова", "Анна", ""],
                ["Сидоров Олег Павлович", None, None, None],
            ]
        },
    )

    kept, split = read_directory(path, max_bytes=MAX_BYTES).rows

    assert (kept.values["last_name"], kept.values["first_name"]) == ("Иванова", "Анна")
    assert (split.values["last_name"], split.values["middle_name"]) == ("Сидоров", "Павлович")


# --- formulas and errors ---------------------------------------------------------------------


def test_a_formula_is_read_as_its_cached_value(tmp_path: Path) -> None:
    rows = read_directory(generate_legacy(tmp_path), max_bytes=MAX_BYTES, legacy=True).rows

    by_name = {r.values["last_name"]: r for r in rows}
    assert by_name["Смирнов"].values["extension"] == "105"  # <f>100+5</f><v>105</v>
    assert by_name["Лебедева"].values["extension"] == "108"


def test_a_formula_without_a_value_is_reported_for_its_cell(tmp_path: Path) -> None:
    result = read_directory(generate_legacy(tmp_path, "--broken"), max_bytes=MAX_BYTES, legacy=True)

    assert result.errors == (CellError("Бухгалтерия", 12, "Вн.", FORMULA_WITHOUT_VALUE),)
    row = next(r for r in result.rows if r.row == 12 and r.sheet == "Бухгалтерия")
    assert "extension" not in row.values  # not "" : an import must not clear the field
    assert str(result.errors[0]) == (
        "sheet 'Бухгалтерия', row 12, column 'Вн.': formula without a computed value; "
        "open and save the file in Excel"
    )


def test_every_bad_cell_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = save(
        tmp_path / "bad.xlsx",
        {
            "Офис": [
                ["ФИО", "Вн.", "Телефон", "Дата приема"],
                ["А Б", "=1+1", "=2+2", None],
                ["В Г", "7", "#N/A", "32.01.2020"],
                ['=CONCAT("Д"," Е")', None, None, 2015],
                ["Ж З", None, 1.2345678901234567e16, "2020-13-01"],
            ],
            "Склад": [["ФИО", "Вн."], ["И К", "=10*10"]],
        },
    )

    result = read_directory(path, max_bytes=MAX_BYTES)

    assert [(e.sheet, e.row, e.column_header) for e in result.errors] == [
        ("Офис", 2, "Вн."),
        ("Офис", 2, "Телефон"),
        ("Офис", 3, "Телефон"),
        ("Офис", 3, "Дата приема"),
        ("Офис", 4, "ФИО"),
        ("Офис", 4, "Дата приема"),
        ("Офис", 5, "Телефон"),
        ("Офис", 5, "Дата приема"),
        ("Склад", 2, "Вн."),
    ]
    reasons = [e.reason for e in result.errors]
    assert reasons[2] == "Excel error value #N/A"
    assert reasons[3].startswith("not a date: '32.01.2020'")
    assert reasons[5] == "not a date: 2015"
    assert "more than 15 digits" in reasons[6]
    assert [r.row for r in result.rows if r.sheet == "Офис"] == [2, 3, 4, 5]


# --- the old bot's workbook --------------------------------------------------------------------


def test_the_legacy_workbook_reads_each_sheet_as_its_department(tmp_path: Path) -> None:
    path = generate_legacy(tmp_path)

    result = read_directory(path, max_bytes=MAX_BYTES, legacy=True)

    departments: dict[str, int] = {}
    for row in result.rows:
        departments[row.values["department"]] = departments.get(row.values["department"], 0) + 1
    assert departments == {
        "Бухгалтерия": 9,
        "ИТ-отдел": 8,
        "Отдел продаж": 10,
        "Склад": 4,  # the branch sheet has a department column, merged down
        "Логистика": 3,
    }
    assert result.errors == ()
    assert [(c.sheet, c.header) for c in result.ignored_columns] == [("ИТ-отдел", "Примечание")]
    assert [s.sheet for s in result.skipped_sheets] == ["Инструкция"]
    by_name = {r.values["last_name"]: r.values for r in result.rows}
    assert by_name["Петрова"]["full_name"] == "Петрова Анна Сергеевна"  # trailing spaces gone
    assert by_name["Петрова"]["work_phone"] == "84951234501"  # stored as a number
    assert by_name["Кузнецова"]["work_phone"] == "84951234504"  # stored as a float
    assert by_name["Семёнов"]["work_phone"] == "8 (495) 123-45-02"
    assert by_name["Ёлкин"]["first_name"] == "Фёдор"
    assert (by_name["Иванов"]["first_name"], by_name["Иванов"]["middle_name"]) == ("И.", "И.")
    assert by_name["Brown"]["ip"] == "10.1.3.12"
    assert by_name["Kuznetsov"]["workstation"] == "it-03.corp.example"
    assert by_name["Гарипова"]["department"] == "Склад"


def test_outside_legacy_mode_a_sheet_name_is_not_a_department(tmp_path: Path) -> None:
    rows = read_directory(generate_legacy(tmp_path), max_bytes=MAX_BYTES).rows

    assert {r.values.get("department") for r in rows} == {None, "Склад", "Логистика"}


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    first = generate_legacy(tmp_path).read_bytes()
    assert generate_legacy(tmp_path).read_bytes() == first


# --- refusals ------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"not even a zip " * 100)  # opening it would say "not an .xlsx"

    with pytest.raises(WorkbookTooLarge) as caught:
        read_directory(path, max_bytes=1_000)

    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.errors["file"] == "the file is 1,500 bytes; at most 1,000 bytes is accepted"
    assert (caught.value.size, caught.value.max_bytes) == (1_500, 1_000)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"name;phone\nIvanov;123\n", NOT_XLSX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, f"{NOT_XLSX} (an old .xls"),
        (b"", NOT_XLSX),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)

    with pytest.raises(ValidationFailed) as caught:
        read_directory(path, max_bytes=MAX_BYTES)

    assert caught.value.errors["file"].startswith(reason)


def test_a_zip_that_holds_no_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "docs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")

    with pytest.raises(ValidationFailed) as caught:
        read_directory(path, max_bytes=MAX_BYTES)

    assert caught.value.errors == {"file": NOT_XLSX}


# --- export --------------------------------------------------------------------------------

_LAST = ["Иванов", "Семёнов", "Ёлкин", "Smith", "O'Brien", "Müller", "Римский-Корсаков", "Ли"]
_FIRST = ["Пётр", "Алёна", "John", "Hans", "Артём", "Emily", "Юлия"]
_MIDDLE = ["Иванович", "Семёновна", "", "Ибрагим оглы"]
_ODD = ["=SUM(A1:A2)", "+7 (495) 123-45-67", "-", "@channel", "=cmd|' /C calc'!A0", "'quoted"]


def directory_rows(count: int, seed: int = 7) -> list[dict[str, str | None]]:
    rnd = random.Random(seed)
    rows: list[dict[str, str | None]] = []
    for n in range(count):
        rows.append(
            {
                "last_name": rnd.choice(_LAST),
                "first_name": rnd.choice(_FIRST),
                "middle_name": rnd.choice(_MIDDLE) or None,
                "position": rnd.choice(["Инженер", "Engineer", "Бухгалтер", *_ODD]),
                "department": rnd.choice(["ИТ-отдел", "Sales", "Бухгалтерия"]),
                "work_phone": f"+7495{rnd.randrange(10**7):07d}",
                "mobile_phone": rnd.choice([None, f"+7916{rnd.randrange(10**7):07d}"]),
                "extension": f"{rnd.randrange(10, 10**4):04d}",  # leading zeros survive
                "email": f"user{n}@corp.example",
                "telegram_username": rnd.choice([None, f"user_{n:05d}"]),
                "room": rnd.choice(["101", "2a", "00"]),
                "workstation": f"pc-{n:05d}",
                "ip": f"10.{n // 65536}.{n // 256 % 256}.{n % 256}",
                "mac": f"aa:bb:cc:00:{n // 256 % 256:02x}:{n % 256:02x}",
                "personnel_number": f"{n:06d}",
                "status": rnd.choice(["active", "on_leave", "dismissed"]),
                "hired_on": f"20{rnd.randrange(10, 24)}-{rnd.randrange(1, 13):02d}-1{n % 10}",
                "dismissed_on": rnd.choice([None, "2024-12-31"]),
            }
        )
    return rows


@pytest.mark.parametrize("headers", ["ru", "en"])
def test_an_export_reads_back_with_the_same_values(tmp_path: Path, headers: HeaderLanguage) -> None:
    rows = directory_rows(1_000)
    path = tmp_path / "export.xlsx"

    write_directory(rows, path, headers=headers)
    result = read_directory(path, max_bytes=MAX_BYTES)

    assert result.errors == ()
    assert result.ignored_columns == ()
    expected = [{name: row.get(name) or "" for name in DEFAULT_EXPORT_FIELDS} for row in rows]
    assert [r.values for r in result.rows] == expected
    assert [r.row for r in result.rows] == list(range(2, 1_002))


def test_an_export_guards_formulas_and_keeps_phones_as_text(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    rows = [{"last_name": "=HYPERLINK(\"http://evil\")", "first_name": "@x",
             "work_phone": "+74951234567", "extension": "0042", "position": "Инженер"}]  # fmt: skip

    write_directory(rows, buffer, fields=["last_name", "first_name", "work_phone",
                                          "extension", "position"], headers="en")  # fmt: skip

    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    header, row = sheet[1], sheet[2]
    assert [c.value for c in header] == ["Last name", "First name", "Phone", "Extension",
                                         "Position"]  # fmt: skip
    assert all(c.font.bold for c in header)
    name, first, phone, extension, position = row
    assert (name.value, name.data_type, name.quotePrefix) == (
        '=HYPERLINK("http://evil")',
        "s",
        True,
    )
    assert (first.value, first.quotePrefix) == ("@x", True)
    assert (phone.value, phone.data_type, phone.number_format) == ("+74951234567", "s", "@")
    assert (extension.value, extension.number_format) == ("0042", "@")
    assert (position.value, position.quotePrefix) == ("Инженер", False)


def test_an_export_refuses_a_field_it_does_not_know(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown directory fields: salary"):
        write_directory([], tmp_path / "x.xlsx", fields=["last_name", "salary"])


def test_progress_is_reported_every_thousand_rows_and_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "progress.xlsx"
    write_directory(directory_rows(2_500), path)
    seen: list[int] = []

    read_directory(path, max_bytes=MAX_BYTES, progress=seen.append)

    assert seen == [1_000, 2_000, 2_500]
