from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from tbot.adapters.postgres.tables import name_tokens, phone_keys
from tbot.application.ports.directory import EmployeeFilter, FieldChange, HistoryEntry
from tbot.container import Container
from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation
from tbot.domain.errors import Conflict, NotFound, ValidationFailed


def an_employee(**changes: Any) -> Employee:
    employee = Employee(
        id=None,
        last_name="Иванов",
        first_name="Иван",
        middle_name="Иванович",
        position="Инженер",
        work_phone="+74951234567",
        mobile_phone="+79161234567",
        extension="1234",
        email="i.ivanov@example.com",
        telegram_username="iivanov",
        room="301",
        personnel_number="00042",
        hired_on=date(2020, 2, 3),
    )
    return replace(employee, **changes)


def a_workstation(**changes: Any) -> Workstation:
    workstation = Workstation(
        id=None,
        hostname="pc-ivanov",
        addresses=("10.1.2.30", "fe80::1"),
        mac="aa:bb:cc:dd:ee:01",
        os="Windows 11",
        location="301",
        inventory_number="INV-001",
    )
    return replace(workstation, **changes)


# --- departments ---------------------------------------------------------------------------


async def test_department_round_trips_and_is_found_by_folded_name_under_its_parent(
    container: Container,
) -> None:
    async with container.uow() as uow:
        it = await uow.departments.add(Department(id=None, name="ИТ-служба"))
        assert it.id is not None
        support = await uow.departments.add(
            Department(id=None, name="Ёлочная поддержка", parent_id=it.id)
        )
        await uow.commit()
    assert it == Department(id=it.id, name="ИТ-служба", version=1)
    async with container.uow() as uow:
        assert await uow.departments.get(it.id) == it
        assert await uow.departments.by_name("  ит-СЛУЖБА ") == it
        assert await uow.departments.by_name("елочная  поддержка", parent_id=it.id) == support
        assert await uow.departments.by_name("Ёлочная поддержка") is None  # not at the top
        assert await uow.departments.get(999_999) is None


@pytest.mark.parametrize("parent", [False, True])
async def test_department_name_is_unique_per_parent_top_level_included(
    container: Container, parent: bool
) -> None:
    async with container.uow() as uow:
        top = await uow.departments.add(Department(id=None, name="Бухгалтерия"))
        parent_id = top.id if parent else None
        await uow.departments.add(Department(id=None, name="Склад", parent_id=parent_id))
        with pytest.raises(Conflict, match="name 'СКЛАД' is taken"):
            await uow.departments.add(Department(id=None, name="СКЛАД", parent_id=parent_id))
        # the same name elsewhere is fine, and the transaction is still usable
        other_parent = None if parent else top.id
        await uow.departments.add(Department(id=None, name="Склад", parent_id=other_parent))
        assert len(await uow.departments.list()) == 3


async def test_department_update_bumps_version_and_stale_or_missing_is_refused(
    container: Container,
) -> None:
    async with container.uow() as uow:
        added = await uow.departments.add(Department(id=None, name="Отдел кадров"))
        assert added.id is not None
        renamed = await uow.departments.update(replace(added, name="Кадры"))
        assert renamed == replace(added, name="Кадры", version=2)
        with pytest.raises(Conflict, match=f"department {added.id} was changed by someone else"):
            await uow.departments.update(replace(added, name="Кадры и люди"))
        with pytest.raises(NotFound):
            await uow.departments.update(replace(added, id=999_999))
        assert await uow.departments.get(added.id) == renamed


async def test_department_cannot_sit_under_itself_or_its_subdepartment(
    container: Container,
) -> None:
    async with container.uow() as uow:
        top = await uow.departments.add(Department(id=None, name="Дирекция"))
        middle = await uow.departments.add(Department(id=None, name="Отдел", parent_id=top.id))
        await uow.departments.add(Department(id=None, name="Группа", parent_id=middle.id))
        for parent in (top.id, middle.id):
            with pytest.raises(ValidationFailed) as raised:
                await uow.departments.update(replace(top, parent_id=parent))
            assert set(raised.value.errors) == {"parent_id"}
        with pytest.raises(ValidationFailed, match="parent_id: no department 999999"):
            await uow.departments.add(Department(id=None, name="Сирота", parent_id=999_999))


async def test_department_head_must_be_an_employee(container: Container) -> None:
    async with container.uow() as uow:
        head = await uow.employees.add(an_employee())
        department = await uow.departments.add(
            Department(id=None, name="ИТ", head_employee_id=head.id)
        )
        assert department.head_employee_id == head.id
        with pytest.raises(ValidationFailed, match="head_employee_id"):
            await uow.departments.add(
                Department(id=None, name="Без главы", head_employee_id=999_999)
            )


async def test_department_delete_checks_version_children_and_employees(
    container: Container,
) -> None:
    async with container.uow() as uow:
        top = await uow.departments.add(Department(id=None, name="Производство"))
        child = await uow.departments.add(Department(id=None, name="Цех", parent_id=top.id))
        assert top.id is not None
        assert child.id is not None
        await uow.employees.add(an_employee(department_id=child.id))
        with pytest.raises(Conflict, match="has subdepartments"):
            await uow.departments.delete(top.id, top.version)
        with pytest.raises(Conflict, match="still has employees"):
            await uow.departments.delete(child.id, child.version)
        with pytest.raises(Conflict, match="changed by someone else"):
            await uow.departments.delete(top.id, top.version + 1)
        with pytest.raises(NotFound):
            await uow.departments.delete(999_999, 1)
        empty = await uow.departments.add(Department(id=None, name="Пусто"))
        assert empty.id is not None
        await uow.departments.delete(empty.id, empty.version)
        assert await uow.departments.get(empty.id) is None


async def test_departments_list_pages_by_id(container: Container) -> None:
    async with container.uow() as uow:
        added = [await uow.departments.add(Department(id=None, name=f"Д{n}")) for n in range(5)]
        first = await uow.departments.list(limit=3)
        second = await uow.departments.list(limit=3, after_id=first[-1].id)
    assert first + second == added


# --- workstations --------------------------------------------------------------------------


async def test_workstation_round_trips_with_its_addresses_in_order(container: Container) -> None:
    async with container.uow() as uow:
        added = await uow.workstations.add(
            a_workstation(addresses=("10.1.2.30", "10.1.2.4", "fe80::1", "10.1.2.30"))
        )
        await uow.commit()
    assert added.id is not None
    assert added == a_workstation(
        id=added.id, addresses=("10.1.2.30", "10.1.2.4", "fe80::1"), version=1
    )
    async with container.uow() as uow:
        assert await uow.workstations.get(added.id) == added
        assert await uow.workstations.by_hostname("PC-Ivanov") == added
        bare = await uow.workstations.add(Workstation(id=None, hostname="kiosk"))
        assert await uow.workstations.get(bare.id or 0) == bare
        assert bare.addresses == ()


@pytest.mark.parametrize(
    ("duplicate", "message"),
    [
        (a_workstation(mac=None, inventory_number=None), "hostname 'pc-ivanov' is taken"),
        (a_workstation(hostname="pc-2", inventory_number=None), "mac 'aa:bb:cc:dd:ee:01'"),
        (a_workstation(hostname="pc-2", mac=None), "inventory number 'INV-001'"),
    ],
)
async def test_duplicate_workstation_key_is_a_conflict_naming_it(
    container: Container, duplicate: Workstation, message: str
) -> None:
    async with container.uow() as uow:
        await uow.workstations.add(a_workstation())
        with pytest.raises(Conflict, match=message):
            await uow.workstations.add(duplicate)
        assert len(await uow.workstations.list()) == 1


async def test_workstation_update_replaces_addresses_and_delete_unlinks_employees(
    container: Container,
) -> None:
    async with container.uow() as uow:
        added = await uow.workstations.add(a_workstation())
        assert added.id is not None
        updated = await uow.workstations.update(
            replace(added, hostname="pc-new", addresses=("192.168.0.5",), mac=None)
        )
        assert updated == replace(
            added, hostname="pc-new", addresses=("192.168.0.5",), mac=None, version=2
        )
        with pytest.raises(Conflict):
            await uow.workstations.update(replace(added, os="Linux"))
        employee = await uow.employees.add(an_employee(workstation_ids=(added.id,)))
        with pytest.raises(Conflict):
            await uow.workstations.delete(added.id, 1)
        await uow.workstations.delete(added.id, 2)
        assert await uow.workstations.get(added.id) is None
        reloaded = await uow.employees.get(employee.id or 0)
        assert reloaded is not None
        assert reloaded.workstation_ids == ()


# --- employees -----------------------------------------------------------------------------


async def test_employee_round_trips_with_workstations_by_every_key(container: Container) -> None:
    async with container.uow() as uow:
        department = await uow.departments.add(Department(id=None, name="ИТ"))
        first = await uow.workstations.add(a_workstation(hostname="pc-b"))
        second = await uow.workstations.add(
            a_workstation(hostname="pc-a", mac=None, inventory_number=None)
        )
        assert first.id is not None
        assert second.id is not None
        added = await uow.employees.add(
            an_employee(department_id=department.id, workstation_ids=(second.id, first.id))
        )
        await uow.commit()
    assert added.id is not None
    expected = an_employee(
        id=added.id, department_id=department.id, workstation_ids=(first.id, second.id)
    )
    assert added == expected
    async with container.uow() as uow:
        assert await uow.employees.get(added.id) == expected
        assert await uow.employees.by_personnel_number("00042") == expected
        assert await uow.employees.by_email("I.Ivanov@Example.com") == expected
        assert await uow.employees.get(999_999) is None
        assert await uow.employees.by_email("nobody@example.com") is None


@pytest.mark.parametrize(
    ("duplicate", "message"),
    [
        (an_employee(personnel_number="7"), "email 'i.ivanov@example.com' is taken"),
        (an_employee(email="other@example.com"), "personnel number '00042' is taken"),
    ],
)
async def test_duplicate_employee_key_is_a_conflict_naming_the_field(
    container: Container, duplicate: Employee, message: str
) -> None:
    async with container.uow() as uow:
        await uow.employees.add(an_employee())
        with pytest.raises(Conflict, match=message):
            await uow.employees.add(duplicate)
        # the failed insert must not spoil the rest of the transaction
        assert len(await uow.employees.all_for_import()) == 1


async def test_unknown_department_or_workstation_is_a_validation_error(
    container: Container,
) -> None:
    async with container.uow() as uow:
        with pytest.raises(ValidationFailed, match="department_id: no department 999999"):
            await uow.employees.add(an_employee(department_id=999_999))
        with pytest.raises(ValidationFailed) as raised:
            await uow.employees.add(an_employee(workstation_ids=(999_998, 999_999)))
        assert raised.value.errors == {"workstation_ids": "unknown workstation(s): 999998, 999999"}
        assert await uow.employees.all_for_import() == []


async def test_employee_update_rewrites_fields_links_and_search_keys(
    container: Container, connection: AsyncConnection
) -> None:
    async with container.uow() as uow:
        workstation = await uow.workstations.add(a_workstation())
        added = await uow.employees.add(an_employee())
        changed = replace(
            added,
            last_name="Петрова-Водкина",
            first_name="Алёна",
            middle_name="",
            mobile_phone=None,
            extension="55",
            status=EmployeeStatus.ON_LEAVE,
            workstation_ids=(workstation.id or 0,),
        )
        updated = await uow.employees.update(changed)
        assert updated == replace(changed, version=2)
        with pytest.raises(Conflict, match=f"employee {added.id} was changed by someone else"):
            await uow.employees.update(replace(added, room="100"))
        with pytest.raises(NotFound):
            await uow.employees.update(replace(added, id=999_999))
        assert await uow.employees.get(added.id or 0) == updated
        await uow.commit()

    tokens = await connection.execute(
        select(name_tokens.c.part, name_tokens.c.token).where(name_tokens.c.employee_id == added.id)
    )
    assert sorted(tuple(row) for row in tokens) == [
        ("first", "алена"),
        ("last", "водкина"),
        ("last", "петрова"),
        ("last", "петрова-водкина"),
        ("last", "петроваводкина"),
    ]
    phones = await connection.execute(
        select(phone_keys.c.field, phone_keys.c.reversed_digits).where(
            phone_keys.c.employee_id == added.id
        )
    )
    assert sorted(tuple(row) for row in phones) == [
        ("extension", "55"),
        ("work_phone", "76543215947"),
    ]


async def test_employee_list_filters_and_pages(container: Container) -> None:
    async with container.uow() as uow:
        it = await uow.departments.add(Department(id=None, name="ИТ"))
        people = []
        for n, (status, department) in enumerate(
            [
                (EmployeeStatus.ACTIVE, it.id),
                (EmployeeStatus.DISMISSED, it.id),
                (EmployeeStatus.ON_LEAVE, None),
                (EmployeeStatus.ACTIVE, None),
            ]
        ):
            people.append(
                await uow.employees.add(
                    an_employee(
                        email=None,
                        personnel_number=str(n),
                        status=status,
                        department_id=department,
                    )
                )
            )
        active, dismissed, on_leave, other = people
        assert await uow.employees.list(EmployeeFilter()) == [active, on_leave, other]
        assert await uow.employees.list(EmployeeFilter(include_dismissed=True)) == people
        assert await uow.employees.list(EmployeeFilter(status=EmployeeStatus.DISMISSED)) == [
            dismissed
        ]
        assert await uow.employees.list(EmployeeFilter(department_id=it.id)) == [active]
        first = await uow.employees.list(EmployeeFilter(include_dismissed=True), limit=3)
        rest = await uow.employees.list(
            EmployeeFilter(include_dismissed=True), limit=3, after_id=first[-1].id
        )
        assert first + rest == people
        assert await uow.employees.all_for_import() == people


# --- history -------------------------------------------------------------------------------


async def test_history_is_newest_first_per_entity_with_a_cursor(container: Container) -> None:
    at = datetime(2024, 5, 6, 7, 8, tzinfo=UTC)
    async with container.uow() as uow:
        for n in range(5):
            await uow.history.add(
                HistoryEntry(
                    id=None,
                    entity="employee",
                    entity_id=1,
                    changes=(FieldChange("room", str(n), str(n + 1)),),
                    actor="admin",
                    channel="api",
                    request_id=f"r{n}",
                )
            )
        await uow.history.add(
            HistoryEntry(
                id=None,
                entity="employee",
                entity_id=2,
                changes=(
                    FieldChange("hired_on", None, date(2024, 1, 31)),
                    FieldChange("status", EmployeeStatus.ACTIVE, EmployeeStatus.DISMISSED),
                    FieldChange("workstation_ids", (1, 2), ()),
                ),
                actor="import",
                channel="cli",
                request_id="",
                at=at,
            )
        )
        await uow.history.add(
            HistoryEntry(
                id=None, entity="department", entity_id=1, changes=(), actor="a", channel="api",
                request_id="",
            )
        )  # fmt: skip
        await uow.commit()

    async with container.uow() as uow:
        first = await uow.history.for_entity("employee", 1, limit=3)
        rest = await uow.history.for_entity("employee", 1, limit=3, before_id=first[-1].id)
        other = await uow.history.for_entity("employee", 2)
    assert [e.request_id for e in first + rest] == ["r4", "r3", "r2", "r1", "r0"]
    assert first[0].changes == (FieldChange("room", "4", "5"),)
    assert first[0].at is not None
    assert [e.id for e in first + rest] == sorted((e.id or 0 for e in first + rest), reverse=True)
    assert len(other) == 1
    assert other[0].at == at
    assert other[0].changes == (
        FieldChange("hired_on", None, "2024-01-31"),
        FieldChange("status", "active", "dismissed"),
        FieldChange("workstation_ids", [1, 2], []),
    )
