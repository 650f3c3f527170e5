"""The drafts and the diff are shared with the Excel import: they are checked on their own."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tbot.application.directory.drafts import (
    DepartmentDraft,
    EmployeeDraft,
    WorkstationDraft,
    validate_department,
    validate_employee,
    validate_workstation,
)
from tbot.application.directory.history import diff
from tbot.application.directory.patches import EmployeePatch, apply
from tbot.application.ports.directory import FieldChange
from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation
from tbot.domain.errors import ValidationFailed
from tests.unit.directory_fakes import FakePhoneNormalizer

PHONES = FakePhoneNormalizer()


def test_a_spreadsheet_row_is_cleaned() -> None:
    valid = validate_employee(
        EmployeeDraft(
            last_name="  Иванов ",
            first_name="Иван",
            middle_name="  ",
            position="Инженер   по   сетям",
            department=" ИТ  отдел ",
            mobile_phone="9161234567",
            extension="доб. 12",
            email="",
            workstations=("WS-1; ws-2", "ws-1"),
            personnel_number="",
            status="В отпуске",
            hired_on=datetime(2020, 5, 17, 0, 0),
            dismissed_on="",
        ),
        PHONES,
    )
    assert (valid.last_name, valid.middle_name, valid.position) == (
        "Иванов",
        "",
        "Инженер по сетям",
    )
    assert valid.department == "ИТ отдел"
    assert valid.mobile_phone == "+79161234567"
    assert valid.extension == "12"
    assert valid.email is None
    assert valid.personnel_number is None
    assert valid.workstations == ("ws-1", "ws-2")
    assert valid.status is EmployeeStatus.ON_LEAVE
    assert (valid.hired_on, valid.dismissed_on) == (date(2020, 5, 17), None)


@pytest.mark.parametrize("text", ["2024-03-01", "01.03.2024", "2024-03-01T00:00:00"])
def test_dates_come_in_the_usual_forms(text: str) -> None:
    draft = EmployeeDraft("Иванов", "Иван", hired_on=text)
    assert validate_employee(draft, PHONES).hired_on == date(2024, 3, 1)


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_employee(
            EmployeeDraft(
                last_name="",
                first_name="И" * 101,
                department="ИТ",
                department_id=3,
                mobile_phone="12",
                personnel_number="T 1",
                status="fired",
                hired_on="2024-03-01",
                dismissed_on="2023-01-01",
            ),
            PHONES,
        )
    assert set(caught.value.errors) == {
        "last_name",
        "first_name",
        "department",
        "mobile_phone",
        "personnel_number",
        "status",
        "dismissed_on",
    }


def test_workstation_and_department_drafts() -> None:
    ws = validate_workstation(WorkstationDraft("PC0123", addresses=("10.0.0.1 10.0.0.1",)))
    assert ws == Workstation(None, "pc0123", ("10.0.0.1",))
    with pytest.raises(ValidationFailed) as caught:
        validate_department(DepartmentDraft(" ", parent="А", parent_id=1))
    assert set(caught.value.errors) == {"name", "parent"}


def test_a_patch_sets_only_its_fields_and_a_name_replaces_an_id() -> None:
    draft = EmployeeDraft("Иванов", "Иван", department_id=4, room="101")
    patched = apply(draft, EmployeePatch(department="ИТ", email=None))
    assert (patched.department, patched.department_id, patched.room) == ("ИТ", None, "101")


def test_diff_lists_changed_fields_only_as_plain_values() -> None:
    before = Employee(1, "Иванов", "Иван", hired_on=date(2020, 1, 1), version=3)
    after = Employee(
        1,
        "Иванов",
        "Иван",
        status=EmployeeStatus.DISMISSED,
        workstation_ids=(7,),
        hired_on=date(2020, 1, 1),
        version=4,
    )
    assert diff(before, after) == (
        FieldChange("workstation_ids", [], [7]),
        FieldChange("status", "active", "dismissed"),
    )
    assert diff(before, before) == ()
    created = diff(None, Department(5, "ИТ"))
    assert created == (FieldChange("name", None, "ИТ"),)
    with pytest.raises(TypeError):
        diff(before, Department(5, "ИТ"))
