"""How an import tells which stored employee a row describes: by personnel number, else by
email, else by full name and department (the order the options give)."""

from __future__ import annotations

from tbot.application.directory.drafts import ValidEmployee
from tbot.domain.directory.model import Employee
from tbot.domain.directory.text import fold

Key = tuple[str, str]


def keys(
    match_by: tuple[str, ...],
    *,
    personnel_number: str | None,
    email: str | None,
    full_name: str,
    department: str,
) -> list[Key]:
    """The identities of an employee, in the order the options try them."""
    found = []
    for name in match_by:
        if name == "personnel_number" and personnel_number:
            found.append((name, personnel_number))
        elif name == "email" and email:
            found.append((name, email))
        elif name == "name_department":
            found.append((name, f"{fold(full_name)}|{fold(department)}"))
    return found


def row_keys(employee: ValidEmployee, match_by: tuple[str, ...]) -> list[Key]:
    return keys(
        match_by,
        personnel_number=employee.personnel_number,
        email=employee.email,
        full_name=f"{employee.last_name} {employee.first_name} {employee.middle_name}",
        department=employee.department or "",
    )


def stored_keys(employee: Employee, department: str, match_by: tuple[str, ...]) -> list[Key]:
    return keys(
        match_by,
        personnel_number=employee.personnel_number,
        email=employee.email,
        full_name=employee.full_name,
        department=department,
    )


def contradicts(row: ValidEmployee, stored: Employee) -> bool:
    """A personnel number or email that says the row is someone else: namesakes in one
    department stay two people."""
    return any(
        mine is not None and theirs is not None and mine != theirs
        for mine, theirs in (
            (row.personnel_number, stored.personnel_number),
            (row.email, stored.email),
        )
    )
