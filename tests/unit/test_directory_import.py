from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tbot.application.directory.history import diff
from tbot.application.directory.import_employees import (
    ImportBatch,
    ImportEmployees,
    ImportOptions,
    ImportRejected,
    ImportRow,
    RowError,
)
from tbot.domain.directory.model import EmployeeStatus
from tbot.domain.errors import PermissionDenied
from tests.unit.directory_fakes import EMPLOYEE, HR, IT, DirectoryKit

HEADERS = {"last_name": "Фамилия", "first_name": "Имя", "work_phone": "Телефон",
           "email": "E-mail", "ip": "IP", "workstation": "ПК", "personnel_number": "Таб. №",
           "department": "Отдел"}  # fmt: skip


def people(count: int) -> list[ImportRow]:
    return [
        ImportRow(
            "Сотрудники",
            n + 2,
            {
                "last_name": f"Иванов{n}",
                "first_name": "Иван",
                "department": "Бухгалтерия" if n % 2 else "ИТ",
                "work_phone": f"8 (495) 100-{n // 100:02d}-{n % 100:02d}",
                "email": f"user{n}@corp.example",
                "personnel_number": f"T-{n:05d}",
                "workstation": f"ws-{n:05d}",
                "ip": f"10.1.{n // 250}.{n % 250 + 1}",
            },
            HEADERS,
        )
        for n in range(count)
    ]


def importer(kit: DirectoryKit) -> ImportEmployees:
    return ImportEmployees(kit.uow, kit.authorizer, kit.phones, kit.clock)


async def test_three_bad_rows_of_a_thousand_write_nothing_and_are_each_named() -> None:
    kit = DirectoryKit()
    rows = people(1000)
    rows[10] = ImportRow("Сотрудники", 12, {**rows[10].values, "email": "not-an-email"}, HEADERS)
    rows[500] = ImportRow("Сотрудники", 502, {**rows[500].values, "ip": "10.1.999.1"}, HEADERS)
    rows[999] = ImportRow("Сотрудники", 1001, {**rows[999].values, "last_name": ""}, HEADERS)
    with pytest.raises(ImportRejected) as caught:
        await importer(kit)(rows, ImportOptions(), IT)
    found = {(e.row, e.column) for e in caught.value.report.errors}
    assert found == {(12, "E-mail"), (502, "IP"), (1001, "Фамилия")}
    assert kit.state.employees == {}
    assert kit.state.audit == []


async def test_good_file_imports_then_reimport_changes_nothing() -> None:
    kit = DirectoryKit()
    first = await importer(kit)(people(1000), ImportOptions(), IT)
    assert (first.created, first.updated, first.unchanged) == (1000, 0, 0)
    assert first.departments_created == 2
    assert first.workstations_created == 1000
    commits, history = kit.uow.commits, len(kit.state.history)

    again = await importer(kit)(people(1000), ImportOptions(), IT)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1000)
    assert len(kit.state.history) == history
    assert kit.uow.commits == commits + 1  # only the import's audit event
    assert kit.audit_actions[-1] == "employee.import"


async def test_dry_run_counts_and_writes_nothing() -> None:
    kit = DirectoryKit()
    report = await importer(kit)(people(10), ImportOptions(dry_run=True), IT)
    assert (report.created, report.dry_run) == (10, True)
    assert kit.state.employees == {}


async def test_changed_rows_update_and_missing_ones_are_dismissed() -> None:
    kit = DirectoryKit()
    await importer(kit)(people(5), ImportOptions(), IT)
    rows = people(4)
    rows[0] = ImportRow(
        rows[0].sheet, 2, {**rows[0].values, "work_phone": "+7 495 999-00-00"}, HEADERS
    )
    report = await importer(kit)(rows, ImportOptions(dismiss_missing=True), IT)
    assert (report.updated, report.unchanged, report.dismissed) == (1, 3, 1)
    statuses = sorted(e.status for e in kit.state.employees.values())
    assert statuses.count(EmployeeStatus.DISMISSED) == 1
    changed = next(e for e in kit.state.employees.values() if e.personnel_number == "T-00000")
    assert changed.work_phone == "+74959990000"


async def test_duplicate_keys_in_the_file_are_reported() -> None:
    kit = DirectoryKit()
    rows = people(3)
    rows[2] = ImportRow("Сотрудники", 4, {**rows[2].values, "personnel_number": "T-00000"}, HEADERS)
    with pytest.raises(ImportRejected) as caught:
        await importer(kit)(rows, ImportOptions(), IT)
    (error,) = caught.value.report.errors
    assert (error.row, error.column) == (4, "Таб. №")
    assert "Сотрудники!2" in error.reason


async def test_only_directory_writers_import() -> None:
    with pytest.raises(PermissionDenied):
        await importer(DirectoryKit())(people(1), ImportOptions(), EMPLOYEE)


def plain(rows: list[ImportRow]) -> list[ImportRow]:
    """The same people without the network columns (what HR keeps)."""
    return [
        ImportRow(
            r.sheet,
            r.row,
            {k: v for k, v in r.values.items() if k not in {"workstation", "ip", "mac"}},
            r.headers,
        )
        for r in rows
    ]


async def test_network_columns_need_the_network_permission() -> None:
    kit = DirectoryKit()
    with pytest.raises(PermissionDenied):
        await importer(kit)(people(2), ImportOptions(), HR)
    report = await importer(kit)(plain(people(2)), ImportOptions(), HR)
    assert report.created == 2


async def test_namesakes_with_different_personnel_numbers_stay_two_people() -> None:
    kit = DirectoryKit()
    base = {"last_name": "Петров", "first_name": "Пётр", "department": "Склад"}
    rows = [
        ImportRow("Лист", 2, {**base, "personnel_number": "A1"}, HEADERS),
        ImportRow("Лист", 3, {**base, "personnel_number": "A2"}, HEADERS),
    ]
    report = await importer(kit)(rows, ImportOptions(), HR)
    assert (report.created, report.updated) == (2, 0)
    assert len(kit.state.employees) == 2


async def test_a_column_missing_from_the_file_keeps_what_is_stored() -> None:
    kit = DirectoryKit()
    await importer(kit)(people(3), ImportOptions(), IT)
    slim = [
        ImportRow(
            r.sheet,
            r.row,
            {k: r.values[k] for k in ("last_name", "first_name", "personnel_number")},
            r.headers,
        )
        for r in people(3)
    ]
    report = await importer(kit)(slim, ImportOptions(), HR)
    assert (report.updated, report.unchanged) == (0, 3)
    kept = next(e for e in kit.state.employees.values() if e.personnel_number == "T-00001")
    assert kept.work_phone is not None
    assert kept.workstation_ids


def with_network(workstation: str, ip: str = "", mac: str = "") -> ImportRow:
    values = {"last_name": "Сидорова", "first_name": "Анна", "personnel_number": "N-1",
              "workstation": workstation, "ip": ip, "mac": mac}  # fmt: skip
    return ImportRow("Сотрудники", 2, values, {**HEADERS, "mac": "MAC"})


async def test_a_row_may_name_several_workstations_paired_with_their_addresses() -> None:
    kit = DirectoryKit()
    row = with_network("ws-a; WS-B\nws-c", "10.0.0.1 10.0.0.11, , 10.0.0.3", "aa-bb-cc-00-00-01,,")
    report = await importer(kit)([row], ImportOptions(), IT)
    assert (report.created, report.workstations_created) == (1, 3)
    stations = {w.hostname: w for w in kit.state.workstations.values()}
    assert stations["ws-a"].addresses == ("10.0.0.1", "10.0.0.11")
    assert stations["ws-b"].addresses == ()
    assert stations["ws-c"].addresses == ("10.0.0.3",)
    assert stations["ws-a"].mac == "aa:bb:cc:00:00:01"
    (employee,) = kit.state.employees.values()
    assert employee.workstation_ids == tuple(sorted(w.id or 0 for w in stations.values()))

    again = await importer(kit)([row], ImportOptions(), IT)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


async def test_a_count_of_addresses_that_does_not_pair_up_is_a_cell_error() -> None:
    kit = DirectoryKit()
    rows = [with_network("ws-a, ws-b", "10.0.0.1, 10.0.0.2, 10.0.0.3", "aa:bb:cc:00:00:01")]
    with pytest.raises(ImportRejected) as caught:
        await importer(kit)(rows, ImportOptions(), IT)
    found = {(e.row, e.column): e.reason for e in caught.value.report.errors}
    assert set(found) == {(2, "IP"), (2, "MAC")}
    assert "2 workstations but 3 IP entries" in found[(2, "IP")]
    assert "2 workstations but 1 MAC entries" in found[(2, "MAC")]
    assert kit.state.workstations == {}


async def test_a_later_batch_updates_an_employee_an_earlier_one_created() -> None:
    kit = DirectoryKit()
    rows = people(6000)
    rows.append(
        ImportRow("Сотрудники", 6002, {"last_name": "Иванов0", "first_name": "Иван",
                                       "email": "user0@corp.example", "room": "101"}, HEADERS)
    )  # fmt: skip
    report = await importer(kit)(rows, ImportOptions(), IT)
    assert (report.created, report.updated) == (6000, 1)
    changed = next(e for e in kit.state.employees.values() if e.personnel_number == "T-00000")
    assert changed.room == "101"
    assert len(kit.state.history) == 6001


async def batches_of(
    rows: list[ImportRow], size: int, unreadable: dict[int, list[RowError]]
) -> AsyncIterator[ImportBatch]:
    """Rows as a reader still reading hands them over: each batch with its rows' bad cells."""
    for start in range(0, len(rows), size):
        yield ImportBatch(rows[start : start + size], unreadable.get(start, []))


async def test_streamed_batches_import_as_the_whole_file_does() -> None:
    streamed, whole = DirectoryKit(), DirectoryKit()
    report = await importer(streamed).stream(
        batches_of(people(7000), 1500, {}), ImportOptions(), IT
    )
    assert report == await importer(whole)(people(7000), ImportOptions(), IT)
    assert (report.created, report.workstations_created) == (7000, 7000)
    assert streamed.audit_actions[-1] == "employee.import"
    assert streamed.state.audit[-1].after["rows"] == 7000


async def test_streamed_bad_cells_of_every_batch_are_named_in_file_order() -> None:
    kit = DirectoryKit()
    rows = people(3000)
    rows[2500] = ImportRow("Сотрудники", 2502, {**rows[2500].values, "email": "no"}, HEADERS)
    unreadable = {
        0: [RowError("Сотрудники", 5, "Дата", "Excel error value #REF!")],
        2000: [RowError("Сотрудники", 2003, "Вн.", "Excel error value #N/A")],
    }
    with pytest.raises(ImportRejected) as caught:
        await importer(kit).stream(batches_of(rows, 1000, unreadable), ImportOptions(), IT)
    assert [(e.row, e.column) for e in caught.value.report.errors] == [
        (5, "Дата"), (2003, "Вн."), (2502, "E-mail")
    ]  # fmt: skip
    assert kit.state.employees == {}


async def test_streamed_network_columns_in_a_later_batch_need_the_permission() -> None:
    kit = DirectoryKit()
    rows = [ImportRow(r.sheet, r.row, {**r.values, "workstation": "", "ip": ""}, HEADERS)
            for r in people(2000)]  # fmt: skip
    rows[1500] = people(1501)[1500]  # the only row with a workstation
    with pytest.raises(PermissionDenied):
        await importer(kit).stream(batches_of(rows, 1000, {}), ImportOptions(), HR)
    assert kit.state.employees == {}


async def test_history_of_an_imported_employee_lists_what_creating_one_lists() -> None:
    kit = DirectoryKit()
    await importer(kit)(people(3), ImportOptions(), IT)
    for employee in kit.state.employees.values():
        (entry,) = [h for h in kit.state.history if h.entity_id == employee.id]
        assert entry.changes == diff(None, employee)
        assert {c.field for c in entry.changes} >= {"last_name", "email", "workstation_ids"}
