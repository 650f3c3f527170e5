from __future__ import annotations

import pytest

from tbot.application.directory.drafts import DepartmentDraft, EmployeeDraft, WorkstationDraft
from tbot.application.directory.patches import DepartmentPatch, WorkstationPatch
from tbot.application.ports.directory import FieldChange
from tbot.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.unit.directory_fakes import EMPLOYEE, HR, IT, DirectoryKit


@pytest.fixture
def kit() -> DirectoryKit:
    return DirectoryKit()


async def test_departments_form_a_tree_with_names_unique_among_siblings(
    kit: DirectoryKit,
) -> None:
    finance = await kit.department("Финансы")
    accounting = await kit.create_department()(DepartmentDraft("Бухгалтерия", parent="финансы"), IT)
    assert accounting.parent_id == finance
    with pytest.raises(Conflict, match="name"):
        await kit.create_department()(DepartmentDraft(" бухгалтерия ", parent_id=finance), IT)
    await kit.department("Бухгалтерия")  # the same name elsewhere is another department
    assert kit.audit_actions.count("department.create") == 3
    entry = kit.state.history[-1]
    assert (entry.entity, entry.changes) == (
        "department",
        (FieldChange("name", None, "Бухгалтерия"),),
    )


async def test_a_bad_department_draft_names_every_field(kit: DirectoryKit) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await kit.create_department()(
            DepartmentDraft("", parent="Нет такого", head_employee_id=77), IT
        )
    assert set(caught.value.errors) == {"name", "parent", "head_employee_id"}
    assert kit.state.departments == {}
    assert kit.state.audit == []


async def test_an_employee_names_a_nested_department_and_ambiguity_is_refused(
    kit: DirectoryKit,
) -> None:
    finance = await kit.department("Финансы")
    nested = await kit.department("Бухгалтерия", parent_id=finance)
    made = await kit.employee(EmployeeDraft("Иванов", "Иван", department="БУХГАЛТЕРИЯ"))
    assert made.department_id == nested
    await kit.department("Бухгалтерия")
    with pytest.raises(ValidationFailed) as caught:
        await kit.employee(EmployeeDraft("Петров", "Пётр", department="Бухгалтерия"))
    assert "give the id" in caught.value.errors["department"]


async def test_rename_and_move_are_recorded_and_cycles_refused(kit: DirectoryKit) -> None:
    top = await kit.department("Дирекция")
    child = await kit.department("ИТ", parent_id=top)
    current = kit.state.departments[top]

    renamed = await kit.update_department()(
        top, current.version, DepartmentPatch(name="Дирекция по ИТ"), IT
    )

    assert renamed.version == current.version + 1
    assert kit.state.history[-1].changes == (FieldChange("name", "Дирекция", "Дирекция по ИТ"),)
    assert kit.audit_actions[-1] == "department.update"
    with pytest.raises(ValidationFailed) as caught:
        await kit.update_department()(top, None, DepartmentPatch(parent_id=child), IT)
    assert "parent_id" in caught.value.errors
    with pytest.raises(Conflict):
        await kit.update_department()(top, current.version, DepartmentPatch(name="Старое"), IT)
    assert kit.state.departments[top] == renamed


async def test_a_department_in_use_cannot_be_deleted(kit: DirectoryKit) -> None:
    top = await kit.department("Дирекция")
    child = await kit.department("ИТ", parent_id=top)
    made = await kit.employee(EmployeeDraft("Иванов", "Иван", department_id=child))
    assert made.id is not None
    await kit.dismiss_employee()(made.id, None, IT)
    before = (dict(kit.state.departments), len(kit.state.audit))

    with pytest.raises(Conflict, match="sub-departments"):
        await kit.delete_department()(top, None, IT)
    with pytest.raises(Conflict, match="employees"):  # a dismissed one still points at it
        await kit.delete_department()(child, None, IT)

    assert (kit.state.departments, len(kit.state.audit)) == before


async def test_an_empty_department_is_deleted_with_history_and_audit(kit: DirectoryKit) -> None:
    gone = await kit.department("Склад")
    version = kit.state.departments[gone].version
    with pytest.raises(Conflict):
        await kit.delete_department()(gone, version + 1, IT)
    await kit.delete_department()(gone, version, IT)
    assert gone not in kit.state.departments
    assert kit.state.history[-1].changes == (FieldChange("name", "Склад", None),)
    event = kit.state.audit[-1]
    assert (event.action, event.before, event.after) == (
        "department.delete",
        {"name": "Склад", "parent_id": None, "head_employee_id": None},
        None,
    )
    with pytest.raises(NotFound):
        await kit.delete_department()(gone, None, IT)


async def test_departments_are_read_by_everyone_and_written_by_writers(
    kit: DirectoryKit,
) -> None:
    for name in ("А", "Б", "В"):
        await kit.department(name)
    page = await kit.list_departments()(EMPLOYEE, limit=2)
    rest = await kit.list_departments()(EMPLOYEE, cursor=page.next_cursor)
    assert [d.name for d in page.items + rest.items] == ["А", "Б", "В"]
    with pytest.raises(PermissionDenied):
        await kit.create_department()(DepartmentDraft("Г"), EMPLOYEE)
    await kit.create_department()(DepartmentDraft("Г"), HR)


async def test_workstations_are_validated_normalised_and_unique(kit: DirectoryKit) -> None:
    made = await kit.create_workstation()(
        WorkstationDraft(
            "WS-Ivanov.corp.local.",
            addresses=("10.1.2.3, 2001:DB8::1",),
            mac="AA-BB-CC-DD-EE-FF",
            inventory_number=" INV-77 ",
        ),
        IT,
    )
    assert made.hostname == "ws-ivanov.corp.local"
    assert made.addresses == ("10.1.2.3", "2001:db8::1")
    assert made.mac == "aa:bb:cc:dd:ee:ff"
    assert made.inventory_number == "INV-77"
    with pytest.raises(Conflict, match="hostname"):
        await kit.create_workstation()(WorkstationDraft("ws-ivanov.corp.local"), IT)
    with pytest.raises(ValidationFailed) as caught:
        await kit.create_workstation()(
            WorkstationDraft("ws_bad name", addresses=("10.1.2.300",), mac="aa:bb"), IT
        )
    assert set(caught.value.errors) == {"hostname", "addresses", "mac"}
    assert len(kit.state.workstations) == 1


async def test_workstation_update_records_the_diff(kit: DirectoryKit) -> None:
    ws = await kit.workstation("pc0123", "10.0.0.5")
    updated = await kit.update_workstation()(
        ws, 1, WorkstationPatch(addresses=("10.0.0.6",), os="Windows 11"), IT
    )
    assert updated.addresses == ("10.0.0.6",)
    assert kit.state.history[-1].changes == (
        FieldChange("addresses", ["10.0.0.5"], ["10.0.0.6"]),
        FieldChange("os", "", "Windows 11"),
    )
    assert kit.audit_actions[-1] == "workstation.update"
    with pytest.raises(Conflict):
        await kit.update_workstation()(ws, 1, WorkstationPatch(os="Linux"), IT)


async def test_a_workstation_in_use_cannot_be_deleted(kit: DirectoryKit) -> None:
    used = await kit.workstation("ws-1")
    spare = await kit.workstation("ws-2")
    await kit.employee(EmployeeDraft("Иванов", "Иван", workstations=("ws-1",)))
    with pytest.raises(Conflict, match=r"Иванов И\."):
        await kit.delete_workstation()(used, None, IT)
    await kit.delete_workstation()(spare, None, IT)
    assert set(kit.state.workstations) == {used}
    assert kit.audit_actions[-1] == "workstation.delete"


async def test_workstations_need_directory_network(kit: DirectoryKit) -> None:
    await kit.workstation("ws-1")
    with pytest.raises(PermissionDenied):
        await kit.list_workstations()(EMPLOYEE)
    with pytest.raises(PermissionDenied):
        await kit.create_workstation()(WorkstationDraft("ws-2"), HR)
    page = await kit.list_workstations()(IT)
    assert [w.hostname for w in page.items] == ["ws-1"]
