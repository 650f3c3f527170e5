"""The directory reader in a process of its own hands over, chunk by chunk, the same rows,
errors and notes as the reader in this process, refuses the same files with the same errors,
and stops when its caller stops early."""

from __future__ import annotations

import multiprocessing
from contextlib import aclosing
from pathlib import Path

import pytest
from openpyxl import Workbook

from tbot.adapters.excel.directory_reader import WorkbookRows, WorkbookTooLarge, read_directory
from tbot.adapters.excel.reader_process import read_in_process
from tbot.domain.errors import ValidationFailed

MAX_BYTES = 20_000_000


def workbook(path: Path, rows: int) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Сотрудники"
    sheet.append(["ФИО", "Должность", "Телефон", "Дата приема", "Примечание"])
    for n in range(rows):
        hired = "#REF!" if n % 7 == 3 else "01.02.2020"  # an Excel error: the reader's finding
        sheet.append([f"Иванов{n} Иван Иванович", "Инженер", f"8495123{n:04d}", hired, "x"])
    empty = book.create_sheet("Пусто")
    empty.append([])
    book.save(path)
    return path


async def chunks_of(path: Path, **options: object) -> list[WorkbookRows]:
    seen: list[int] = []
    chunks = [
        chunk
        async for chunk in read_in_process(
            path,
            max_bytes=MAX_BYTES,
            progress=seen.append,
            **options,  # type: ignore[arg-type]
        )
    ]
    assert seen == sorted(seen)
    assert seen[-1] == sum(len(c.rows) for c in chunks)
    return chunks


async def test_chunks_hold_what_the_reader_in_this_process_reads(tmp_path: Path) -> None:
    path = workbook(tmp_path / "staff.xlsx", 250)
    chunks = await chunks_of(path, chunk_rows=100)
    whole = read_directory(path, max_bytes=MAX_BYTES)
    assert [len(c.rows) for c in chunks] == [100, 100, 50]
    assert tuple(row for c in chunks for row in c.rows) == whole.rows
    assert tuple(error for c in chunks for error in c.errors) == whole.errors
    assert len(whole.errors) == 36
    for chunk in chunks:  # each row's errors come with the row
        assert {(e.sheet, e.row) for e in chunk.errors} <= {(r.sheet, r.row) for r in chunk.rows}
    assert chunks[-1].ignored_columns == whole.ignored_columns != ()
    assert chunks[-1].skipped_sheets == whole.skipped_sheets != ()
    assert all(not c.ignored_columns and not c.skipped_sheets for c in chunks[:-1])


async def test_a_file_the_reader_refuses_is_refused_with_the_same_errors(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"not a workbook at all")
    with pytest.raises(ValidationFailed) as in_process:
        read_directory(path, max_bytes=MAX_BYTES)
    with pytest.raises(ValidationFailed) as in_child:
        await chunks_of(path)
    assert type(in_child.value) is ValidationFailed
    assert in_child.value.errors == in_process.value.errors
    assert in_child.value.message == in_process.value.message


async def test_a_file_over_the_limit_is_refused_before_a_process_starts(tmp_path: Path) -> None:
    path = workbook(tmp_path / "big.xlsx", 10)
    with pytest.raises(WorkbookTooLarge):
        await anext(aiter(read_in_process(path, max_bytes=1_000)))


async def test_stopping_early_stops_the_reading_process(tmp_path: Path) -> None:
    path = workbook(tmp_path / "staff.xlsx", 2_000)
    chunks = read_in_process(path, max_bytes=MAX_BYTES, chunk_rows=10)
    async with aclosing(chunks):
        first = await anext(chunks)
    assert len(first.rows) == 10
    assert not multiprocessing.active_children()  # it waited on a full queue; it is gone
    with pytest.raises(StopAsyncIteration):
        await anext(chunks)
