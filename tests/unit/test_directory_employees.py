from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tbot.application.directory.drafts import EmployeeDraft
from tbot.application.directory.patches import EmployeePatch
from tbot.application.ports.audit import AuditFilter
from tbot.application.ports.directory import EmployeeFilter, FieldChange
from tbot.domain.directory.model import EmployeeStatus
from tbot.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.unit.directory_fakes import EMPLOYEE, HR, IT, DirectoryKit


@pytest.fixture
def kit() -> DirectoryKit:
    return DirectoryKit()


def ivanov(**overrides: object) -> EmployeeDraft:
    fields: dict[str, object] = {
        "last_name": "Иванов",
        "first_name": "Иван",
        "middle_name": "Иванович",
        "position": "Бухгалтер",
        "department": "Бухгалтерия",
        "work_phone": "8 (495) 123-45-67",
        "extension": "1234",
        "email": "Ivanov@Corp.Example",
        "telegram_username": "@Ivanov_I",
        "personnel_number": "T-0001",
        "hired_on": "01.03.2024",
    }
    fields.update(overrides)
    return EmployeeDraft(**fields)  # type: ignore[arg-type]


async def test_create_stores_clean_values_with_history_and_audit_in_one_commit(
    kit: DirectoryKit,
) -> None:
    department_id = await kit.department("Бухгалтерия")
    commits = kit.uow.commits

    created = await kit.employee(ivanov())

    assert kit.uow.commits == commits + 1
    stored = kit.state.employees[created.id or 0]
    assert stored.department_id == department_id
    assert stored.work_phone == "+74951234567"
    assert stored.email == "ivanov@corp.example"
    assert stored.telegram_username == "ivanov_i"
    assert stored.hired_on == date(2024, 3, 1)
    assert stored.status is EmployeeStatus.ACTIVE
    (entry,) = [h for h in kit.state.history if h.entity == "employee"]
    assert entry.entity_id == created.id
    assert (entry.actor, entry.channel, entry.request_id) == ("petrov", "api", "req-7")
    assert entry.at == kit.clock.now()
    assert FieldChange("email", None, "ivanov@corp.example") in entry.changes
    assert FieldChange("hired_on", None, "2024-03-01") in entry.changes
    assert "room" not in {c.field for c in entry.changes}  # empty stays out of the diff
    event = kit.state.audit[-1]
    assert (event.action, event.target_type, event.target_id) == (
        "employee.create",
        "employee",
        str(created.id),
    )
    assert event.actor == IT.actor
    assert event.after is not None
    assert event.after["personnel_number"] == "T-0001"


async def test_a_bad_draft_writes_nothing_and_names_every_bad_field(kit: DirectoryKit) -> None:
    await kit.department("Бухгалтерия")
    await kit.workstation("ws-ivanov")
    before = (len(kit.state.history), len(kit.state.audit), kit.uow.commits)

    with pytest.raises(ValidationFailed) as caught:
        await kit.create_employee()(
            EmployeeDraft(
                last_name="  ",
                first_name="Иван",
                department="Склад",
                work_phone="позвонить секретарю",
                extension="1",
                email="ivanov-at-corp",
                telegram_username="@iv",
                workstations=("ws-ivanov, ws-missing",),
                status="в декрете",
                hired_on="2024-13-01",
            ),
            IT,
        )

    assert set(caught.value.errors) == {
        "last_name",
        "department",
        "work_phone",
        "extension",
        "email",
        "telegram_username",
        "workstations",
        "status",
        "hired_on",
    }
    assert "Склад" in caught.value.errors["department"]
    assert "ws-missing" in caught.value.errors["workstations"]
    assert kit.state.employees == {}
    assert (len(kit.state.history), len(kit.state.audit), kit.uow.commits) == before


async def test_a_duplicate_personnel_number_is_a_conflict_naming_the_field(
    kit: DirectoryKit,
) -> None:
    await kit.department()
    await kit.employee(ivanov())
    with pytest.raises(Conflict, match="personnel_number"):
        await kit.employee(ivanov(email="other@corp.example"))
    assert len(kit.state.employees) == 1
    assert kit.audit_actions.count("employee.create") == 1


async def test_update_changes_only_given_fields_and_records_their_diff(kit: DirectoryKit) -> None:
    await kit.department()
    created = await kit.employee(ivanov())
    assert created.id is not None

    updated = await kit.update_employee()(
        created.id,
        created.version,
        EmployeePatch(position="Главный бухгалтер", mobile_phone="+7 916 000-11-22", room=""),
        IT,
    )

    assert updated.version == created.version + 1
    assert updated.position == "Главный бухгалтер"
    assert updated.mobile_phone == "+79160001122"
    assert updated.email == created.email
    entry = kit.state.history[-1]
    assert entry.changes == (
        FieldChange("position", "Бухгалтер", "Главный бухгалтер"),
        FieldChange("mobile_phone", None, "+79160001122"),
    )
    event = kit.state.audit[-1]
    assert event.action == "employee.update"
    assert event.before == {"position": "Бухгалтер", "mobile_phone": None}
    assert event.after == {"position": "Главный бухгалтер", "mobile_phone": "+79160001122"}


async def test_a_stale_version_is_a_conflict_and_writes_nothing(kit: DirectoryKit) -> None:
    await kit.department()
    created = await kit.employee(ivanov())
    assert created.id is not None
    await kit.update_employee()(created.id, created.version, EmployeePatch(room="301"), IT)
    before = (kit.state.employees[created.id], len(kit.state.history), len(kit.state.audit))

    with pytest.raises(Conflict):
        await kit.update_employee()(created.id, created.version, EmployeePatch(room="404"), HR)
    with pytest.raises(Conflict):  # nothing to change, but the editor's view is still stale
        await kit.update_employee()(created.id, created.version, EmployeePatch(room="301"), HR)

    after = (kit.state.employees[created.id], len(kit.state.history), len(kit.state.audit))
    assert after == before


async def test_an_update_that_changes_nothing_writes_nothing(kit: DirectoryKit) -> None:
    await kit.department()
    created = await kit.employee(ivanov())
    assert created.id is not None
    commits = kit.uow.commits
    same = await kit.update_employee()(
        created.id, created.version, EmployeePatch(email=" IVANOV@corp.example "), IT
    )
    assert same == created
    assert kit.uow.commits == commits


async def test_a_bad_update_reports_every_field_and_keeps_the_record(kit: DirectoryKit) -> None:
    await kit.department()
    created = await kit.employee(ivanov())
    assert created.id is not None
    with pytest.raises(ValidationFailed) as caught:
        await kit.update_employee()(
            created.id,
            created.version,
            EmployeePatch(first_name="", dismissed_on="2020-01-01", department_id=999),
            IT,
        )
    assert set(caught.value.errors) == {"first_name", "dismissed_on", "department_id"}
    assert kit.state.employees[created.id] == created


async def test_moving_to_a_department_by_name_replaces_the_id(kit: DirectoryKit) -> None:
    await kit.department("Бухгалтерия")
    it_id = await kit.department("ИТ-отдел")
    created = await kit.employee(ivanov())
    assert created.id is not None
    moved = await kit.update_employee()(created.id, None, EmployeePatch(department="ит-ОТДЕЛ"), IT)
    assert moved.department_id == it_id


async def test_dismiss_marks_the_employee_dismissed_today_where_the_company_is(
    kit: DirectoryKit,
) -> None:
    await kit.department()
    created = await kit.employee(ivanov())
    assert created.id is not None
    kit.clock.current = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # already the 25th in Moscow

    dismissed = await kit.dismiss_employee()(created.id, created.version, IT)

    assert dismissed.status is EmployeeStatus.DISMISSED
    assert dismissed.dismissed_on == date(2026, 11, 25)
    assert kit.state.employees[created.id] == dismissed  # soft: the record stays
    assert kit.state.history[-1].changes == (
        FieldChange("status", "active", "dismissed"),
        FieldChange("dismissed_on", None, "2026-11-25"),
    )
    assert kit.audit_actions[-1] == "employee.dismiss"
    with pytest.raises(Conflict, match="already dismissed"):
        await kit.dismiss_employee()(created.id, None, IT)


async def test_bringing_someone_back_clears_the_dismissal_date(kit: DirectoryKit) -> None:
    await kit.department()
    created = await kit.employee(ivanov())
    assert created.id is not None
    dismissed = await kit.dismiss_employee()(created.id, None, IT)
    back = await kit.update_employee()(
        created.id, dismissed.version, EmployeePatch(status="работает"), IT
    )
    assert back.status is EmployeeStatus.ACTIVE
    assert back.dismissed_on is None


async def test_dismissed_employees_are_listed_only_when_asked(kit: DirectoryKit) -> None:
    await kit.department()
    first = await kit.employee(ivanov())
    second = await kit.employee(
        ivanov(last_name="Петров", personnel_number="T-0002", email="petrov@corp.example")
    )
    assert first.id is not None
    await kit.dismiss_employee()(first.id, None, IT)
    listing = kit.list_employees()

    default = await listing(EmployeeFilter(), EMPLOYEE)
    everyone = await listing(EmployeeFilter(include_dismissed=True), EMPLOYEE)
    gone = await listing(EmployeeFilter(status=EmployeeStatus.DISMISSED), EMPLOYEE)

    assert [e.id for e in default.items] == [second.id]
    assert [e.id for e in everyone.items] == [first.id, second.id]
    assert [e.id for e in gone.items] == [first.id]
    assert (await kit.get_employee()(first.id, EMPLOYEE)).status is EmployeeStatus.DISMISSED


async def test_listing_pages_by_cursor(kit: DirectoryKit) -> None:
    await kit.department()
    ids = []
    for n in range(5):
        made = await kit.employee(ivanov(personnel_number=f"T-{n}", email=f"e{n}@corp.example"))
        ids.append(made.id)
    seen, cursor = [], None
    while True:
        page = await kit.list_employees()(EmployeeFilter(), EMPLOYEE, cursor=cursor, limit=2)
        seen.extend(e.id for e in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ids


async def test_an_employee_cannot_change_the_directory(kit: DirectoryKit) -> None:
    await kit.department()
    created = await kit.employee(ivanov())
    assert created.id is not None
    with pytest.raises(PermissionDenied):
        await kit.create_employee()(
            ivanov(personnel_number="T-9", email="x@corp.example"), EMPLOYEE
        )
    with pytest.raises(PermissionDenied):
        await kit.update_employee()(created.id, None, EmployeePatch(room="1"), EMPLOYEE)
    with pytest.raises(PermissionDenied):
        await kit.dismiss_employee()(created.id, None, EMPLOYEE)
    assert kit.state.employees[created.id] == created


async def test_workstations_are_hidden_without_directory_network(kit: DirectoryKit) -> None:
    await kit.department()
    ws = await kit.workstation("ws-ivanov", "10.1.2.3")
    created = await kit.employee(ivanov(workstations=("WS-Ivanov",)))
    assert created.id is not None
    assert created.workstation_ids == (ws,)

    assert (await kit.get_employee()(created.id, EMPLOYEE)).workstation_ids == ()
    listed = await kit.list_employees()(EmployeeFilter(), EMPLOYEE)
    assert [e.workstation_ids for e in listed.items] == [()]
    assert (await kit.get_employee()(created.id, IT)).workstation_ids == (ws,)

    # HR edits people without seeing PCs; its edit keeps the assignment it cannot see.
    edited = await kit.update_employee()(created.id, None, EmployeePatch(room="305"), HR)
    assert edited.workstation_ids == ()
    assert kit.state.employees[created.id].workstation_ids == (ws,)
    with pytest.raises(PermissionDenied):
        await kit.update_employee()(created.id, None, EmployeePatch(workstations=()), HR)
    with pytest.raises(PermissionDenied):
        await kit.assign_workstations()(created.id, None, (), HR)


async def test_assigning_workstations_is_recorded_and_unknown_ids_refused(
    kit: DirectoryKit,
) -> None:
    await kit.department()
    first = await kit.workstation("ws-1")
    second = await kit.workstation("ws-2")
    created = await kit.employee(ivanov(workstations=("ws-1",)))
    assert created.id is not None

    assigned = await kit.assign_workstations()(created.id, created.version, (second, first), IT)

    assert assigned.workstation_ids == (first, second)  # a set, in id order
    assert kit.state.history[-1].changes == (
        FieldChange("workstation_ids", [first], [first, second]),
    )
    assert kit.audit_actions[-1] == "employee.workstations"
    commits = kit.uow.commits
    again = await kit.assign_workstations()(created.id, assigned.version, (second, first), IT)
    assert (again, kit.uow.commits) == (assigned, commits)  # the same set: nothing to write
    with pytest.raises(ValidationFailed) as caught:
        await kit.assign_workstations()(created.id, None, (first, 999), IT)
    assert "999" in caught.value.errors["workstation_ids"]
    with pytest.raises(Conflict):
        await kit.assign_workstations()(created.id, created.version, (), IT)


async def test_history_pages_newest_first_and_hides_workstation_changes(
    kit: DirectoryKit,
) -> None:
    await kit.department()
    ws = await kit.workstation("ws-1")
    created = await kit.employee(ivanov())
    assert created.id is not None
    await kit.update_employee()(created.id, None, EmployeePatch(room="101"), IT)
    await kit.assign_workstations()(created.id, None, (ws,), IT)
    await kit.update_employee()(created.id, None, EmployeePatch(room="102"), IT)

    first = await kit.history()("employee", created.id, IT, limit=2)
    rest = await kit.history()("employee", created.id, IT, cursor=first.next_cursor, limit=2)
    assert [e.changes[0].field for e in first.items] == ["room", "workstation_ids"]
    assert first.next_cursor is not None
    assert [e.changes[0].after for e in rest.items] == ["101", "Иванов"]
    assert rest.next_cursor is None

    seen_by_employee = await kit.history()("employee", created.id, EMPLOYEE)
    fields = [c.field for e in seen_by_employee.items for c in e.changes]
    assert "workstation_ids" not in fields
    assert "room" in fields
    with pytest.raises(PermissionDenied):
        await kit.history()("workstation", ws, EMPLOYEE)
    with pytest.raises(ValidationFailed):
        await kit.history()("printer", 1, IT)


async def test_unknown_employee_is_not_found(kit: DirectoryKit) -> None:
    with pytest.raises(NotFound):
        await kit.get_employee()(404, IT)
    with pytest.raises(NotFound):
        await kit.update_employee()(404, None, EmployeePatch(room="1"), IT)
    with pytest.raises(NotFound):
        await kit.dismiss_employee()(404, None, IT)


async def test_audit_rows_can_be_found_by_target(kit: DirectoryKit) -> None:
    await kit.department()
    created = await kit.employee(ivanov())
    async with kit.uow:
        events = await kit.uow.audit.search(
            AuditFilter(target_type="employee", target_id=str(created.id))
        )
    assert [e.action for e in events] == ["employee.create"]
