from __future__ import annotations

import pytest

from tbot.application.directory.drafts import EmployeeDraft
from tbot.application.directory.search_employees import EmployeeSearch
from tbot.application.ports.directory import EmployeeFilter, SearchKind
from tbot.domain.errors import PermissionDenied, ValidationFailed
from tbot.domain.identity.caller import Caller
from tests.unit.directory_fakes import EMPLOYEE, IT, DirectoryKit


@pytest.fixture
async def kit() -> DirectoryKit:
    kit = DirectoryKit()
    await kit.department("Бухгалтерия")
    await kit.workstation("ws-ivanov", "10.1.2.3", mac="aa:bb:cc:dd:ee:ff")
    await kit.employee(
        EmployeeDraft(
            "Иванов",
            "Иван",
            "Иванович",
            department="Бухгалтерия",
            work_phone="8 495 123-45-67",
            workstations=("ws-ivanov",),
            personnel_number="1",
        )
    )
    await kit.employee(EmployeeDraft("Иваненко", "Алёна", personnel_number="2"))
    await kit.employee(EmployeeDraft("Rimsky-Korsakov", "Nikolai", personnel_number="3"))
    return kit


async def names(kit: DirectoryKit, text: str, caller: Caller = IT) -> list[str]:
    result = await kit.search_employees()(EmployeeSearch(text), caller)
    return [hit.employee.last_name for hit in result.hits]


async def test_a_name_is_found_however_it_was_typed(kit: DirectoryKit) -> None:
    assert await names(kit, "Иванов") == ["Иванов"]
    assert await names(kit, "Bdfyjd") == ["Иванов"]  # the Latin layout was on
    assert await names(kit, "ivanov") == ["Иванов"]
    assert await names(kit, "Иван") == ["Иванов", "Иваненко"]  # whole word ranks first
    assert await names(kit, "Иванов И. И.") == ["Иванов"]
    assert await names(kit, "Алена") == ["Иваненко"]


async def test_phone_host_ip_mac_and_department_queries(kit: DirectoryKit) -> None:
    assert await names(kit, "+7 (495) 123-45-67") == ["Иванов"]
    assert await names(kit, "4567") == ["Иванов"]
    assert await names(kit, "WS-IVA") == ["Иванов"]
    assert await names(kit, "10.1.2.3") == ["Иванов"]
    assert await names(kit, "10.1.") == ["Иванов"]
    assert await names(kit, "AABB.CCDD.EEFF") == ["Иванов"]
    assert await names(kit, "отдел: бухгалтерия") == ["Иванов"]
    assert [p.kind for p in kit.search.plans] == [
        SearchKind.PHONE,
        SearchKind.PHONE,
        SearchKind.HOSTNAME,
        SearchKind.IP,
        SearchKind.CIDR,
        SearchKind.MAC,
        SearchKind.DEPARTMENT,
    ]


async def test_a_host_looking_name_is_retried_as_a_name(kit: DirectoryKit) -> None:
    result = await kit.search_employees()(EmployeeSearch("rimsky-korsakov"), IT)
    assert result.kind is SearchKind.NAME
    assert [h.employee.last_name for h in result.hits] == ["Rimsky-Korsakov"]


async def test_network_detail_is_hidden_without_directory_network(kit: DirectoryKit) -> None:
    seen_by_it = await kit.search_employees()(EmployeeSearch("Иванов"), IT)
    assert seen_by_it.hits[0].employee.workstation_ids != ()
    seen_by_employee = await kit.search_employees()(EmployeeSearch("Иванов"), EMPLOYEE)
    assert seen_by_employee.hits[0].employee.workstation_ids == ()
    for text in ("10.1.2.3", "10.1.", "aa:bb:cc:dd:ee:ff"):
        with pytest.raises(PermissionDenied):
            await kit.search_employees()(EmployeeSearch(text), EMPLOYEE)
    # A host name is not searched for them: it is read as a name and finds nobody.
    by_host = await kit.search_employees()(EmployeeSearch("ws-ivanov"), EMPLOYEE)
    assert (by_host.kind, by_host.hits) == (SearchKind.NAME, [])


async def test_dismissed_are_found_only_when_asked(kit: DirectoryKit) -> None:
    ivanov = (await kit.search_employees()(EmployeeSearch("Иванов"), IT)).hits[0].employee
    assert ivanov.id is not None
    await kit.dismiss_employee()(ivanov.id, None, IT)
    assert await names(kit, "Иванов") == []
    asked = EmployeeSearch("Иванов", EmployeeFilter(include_dismissed=True))
    result = await kit.search_employees()(asked, IT)
    assert [h.employee.id for h in result.hits] == [ivanov.id]


async def test_results_page_by_cursor(kit: DirectoryKit) -> None:
    first = await kit.search_employees()(EmployeeSearch("Иван", limit=1), EMPLOYEE)
    assert first.next_cursor is not None
    second = await kit.search_employees()(
        EmployeeSearch("Иван", limit=1, after=first.next_cursor), EMPLOYEE
    )
    assert [h.employee.last_name for h in first.hits + second.hits] == ["Иванов", "Иваненко"]
    assert second.next_cursor is None


@pytest.mark.parametrize("text", ["", "  ", "И"])
async def test_an_empty_or_one_letter_query_is_refused(kit: DirectoryKit, text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await kit.search_employees()(EmployeeSearch(text), EMPLOYEE)
    assert set(caught.value.errors) == {"q"}
    assert kit.search.plans == []
