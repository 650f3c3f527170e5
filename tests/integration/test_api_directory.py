"""The employee directory through the real HTTP front door: CRUD with versions, search, who
sees workstations, and import/export of workbooks."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from openpyxl import load_workbook

from tbot.adapters.excel.columns import COLUMN_BY_FIELD
from tbot.adapters.excel.directory_writer import SHEET_TITLE, write_directory
from tbot.container import Container
from tbot.domain.settings import RuntimeSettings
from tbot.entrypoints.api.app import create_asgi
from tests.integration.test_api_identity import OPERATOR, bearer, token_for, user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_asgi(container), client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://tbot", timeout=120
    ) as client:
        yield client


async def signed_in(
    container: Container, client: httpx.AsyncClient, login: str, *roles: str
) -> dict[str, str]:
    await user(container, login, *roles)
    return bearer((await token_for(client, login))["access_token"])


@pytest.fixture
async def it_staff(container: Container, client: httpx.AsyncClient) -> dict[str, str]:
    return await signed_in(container, client, "itstaff", "it_staff")


async def created(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> Any:
    response = await client.post("/api/v1/employees/", json=fields, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_employee_changes_carry_versions_and_dismissal_hides_from_lists(
    client: httpx.AsyncClient, it_staff: dict[str, str]
) -> None:
    department = await client.post(
        "/api/v1/departments/", json={"name": "Бухгалтерия"}, headers=it_staff
    )
    assert department.status_code == 201, department.text
    anna = await created(
        client,
        it_staff,
        last_name="Петрова",
        first_name="Анна",
        department="Бухгалтерия",
        work_phone="8 (495) 123-45-01",
        email="A.Petrova@corp.example",
    )
    assert anna["work_phone"] == "+74951234501"
    assert anna["email"] == "a.petrova@corp.example"
    assert anna["department_id"] == department.json()["id"]
    url = f"/api/v1/employees/{anna['id']}"
    assert (await client.get(url, headers=it_staff)).json() == anna

    changed = await client.patch(
        url, json={"version": anna["version"], "position": "Главный бухгалтер"}, headers=it_staff
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["position"] == "Главный бухгалтер"
    assert changed.json()["version"] == anna["version"] + 1
    assert changed.json()["work_phone"] == "+74951234501"  # left out: kept

    stale = await client.patch(
        url, json={"version": anna["version"], "position": "Кассир"}, headers=it_staff
    )
    assert stale.status_code == 409
    assert stale.json()["error"] == "Conflict"
    assert (await client.get(url, headers=it_staff)).json()["position"] == "Главный бухгалтер"

    invalid = await client.patch(
        url,
        json={"version": changed.json()["version"], "email": "nope", "work_phone": "12"},
        headers=it_staff,
    )
    assert invalid.status_code == 422
    assert set(invalid.json()["fields"]) == {"email", "work_phone"}

    assert (await client.delete(url, params={"version": 1}, headers=it_staff)).status_code == 409
    dismissed = await client.delete(
        url, params={"version": changed.json()["version"]}, headers=it_staff
    )
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed"
    assert dismissed.json()["dismissed_on"] is not None

    listed = (await client.get("/api/v1/employees/", headers=it_staff)).json()
    assert anna["id"] not in [e["id"] for e in listed["items"]]
    everyone = (
        await client.get(
            "/api/v1/employees/", params={"include_dismissed": "true"}, headers=it_staff
        )
    ).json()
    assert anna["id"] in [e["id"] for e in everyone["items"]]
    assert (await client.get(url, headers=it_staff)).json()["status"] == "dismissed"

    history = (await client.get(f"{url}/history", headers=it_staff)).json()["entries"]
    assert [entry["actor"] for entry in history] == ["itstaff"] * 3
    assert {c["field"] for c in history[0]["changes"]} == {"status", "dismissed_on"}
    assert history[1]["changes"] == [
        {"field": "position", "before": "", "after": "Главный бухгалтер"}
    ]


async def test_departments_and_workstations_have_crud_and_history(
    client: httpx.AsyncClient, it_staff: dict[str, str]
) -> None:
    made = (await client.post("/api/v1/departments/", json={"name": "ИТ"}, headers=it_staff)).json()
    url = f"/api/v1/departments/{made['id']}"
    assert (await client.get(url, headers=it_staff)).json() == made
    assert (await client.get("/api/v1/departments/999999", headers=it_staff)).status_code == 404
    renamed = await client.patch(
        url, json={"version": made["version"], "name": "Отдел ИТ"}, headers=it_staff
    )
    assert renamed.json()["name"] == "Отдел ИТ"
    history = (await client.get(f"{url}/history", headers=it_staff)).json()["entries"]
    assert history[0]["changes"] == [{"field": "name", "before": "ИТ", "after": "Отдел ИТ"}]
    gone = await client.delete(url, params={"version": renamed.json()["version"]}, headers=it_staff)
    assert gone.status_code == 204
    assert (await client.get(url, headers=it_staff)).status_code == 404

    pc = await client.post(
        "/api/v1/workstations/",
        json={"hostname": "PC-Ivanov", "addresses": ["10.1.2.30"], "mac": "AA-BB-CC-DD-EE-01"},
        headers=it_staff,
    )
    assert pc.status_code == 201, pc.text
    assert pc.json()["hostname"] == "pc-ivanov"
    assert pc.json()["mac"] == "aa:bb:cc:dd:ee:01"
    pc_url = f"/api/v1/workstations/{pc.json()['id']}"
    assert (await client.get(pc_url, headers=it_staff)).json() == pc.json()
    moved = await client.patch(
        pc_url, json={"version": 1, "addresses": ["10.1.2.31"]}, headers=it_staff
    )
    assert moved.json()["addresses"] == ["10.1.2.31"]
    assert (
        await client.patch(pc_url, json={"version": 1, "os": "Linux"}, headers=it_staff)
    ).status_code == 409
    entries = (await client.get(f"{pc_url}/history", headers=it_staff)).json()["entries"]
    assert len(entries) == 2
    page = (await client.get("/api/v1/workstations/", headers=it_staff)).json()
    assert [w["hostname"] for w in page["items"]] == ["pc-ivanov"]


async def test_search_forgives_typos_layouts_and_finds_phone_tails(
    client: httpx.AsyncClient, it_staff: dict[str, str]
) -> None:
    ivanov = await created(
        client,
        it_staff,
        last_name="Иванов",
        first_name="Иван",
        middle_name="Иванович",
        work_phone="+7 495 123-45-67",
    )
    await created(client, it_staff, last_name="Петров", first_name="Пётр", extension="1234")

    async def search(q: str, **params: Any) -> Any:
        response = await client.get(
            "/api/v1/employees/search", params={"q": q, **params}, headers=it_staff
        )
        assert response.status_code == 200, response.text
        return response.json()

    typo = await search("Ивонов")
    assert typo["kind"] == "name"
    assert typo["hits"][0]["employee"]["id"] == ivanov["id"]
    layout = await search("Bdfyjd")  # Иванов typed with the Latin layout on
    assert layout["hits"][0]["employee"]["id"] == ivanov["id"]
    tail = await search("45-67")
    assert tail["kind"] == "phone"
    assert [h["employee"]["id"] for h in tail["hits"]] == [ivanov["id"]]
    assert tail["hits"][0]["matched"] == "work_phone"

    too_short = await client.get("/api/v1/employees/search", params={"q": "и"}, headers=it_staff)
    assert too_short.status_code == 422
    assert "q" in too_short.json()["fields"]
    forged = await client.get(
        "/api/v1/employees/search", params={"q": "Иванов", "cursor": "!!"}, headers=it_staff
    )
    assert forged.status_code == 422
    assert "cursor" in forged.json()["fields"]


async def test_search_pages_through_equal_and_fractional_scores(
    client: httpx.AsyncClient, it_staff: dict[str, str]
) -> None:
    ids = set()
    for first, last in (("Олег", "Смирнов"), ("Анна", "Смирнова"), ("Иван", "Смирнов"),
                        ("Пётр", "Смирнофф"), ("Ольга", "Смирнова")):  # fmt: skip
        ids.add((await created(client, it_staff, last_name=last, first_name=first))["id"])
    seen: list[int] = []
    scores: list[float] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"q": "Смирнов", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = (
            await client.get("/api/v1/employees/search", params=params, headers=it_staff)
        ).json()
        seen += [h["employee"]["id"] for h in page["hits"]]
        scores += [h["score"] for h in page["hits"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert sorted(seen) == sorted(ids)  # each once, none lost between pages
    assert scores == sorted(scores, reverse=True)
    assert any(s != int(s) for s in scores)  # a typo's fractional score survived the cursor


async def test_caller_without_directory_network_sees_no_workstations(
    container: Container, client: httpx.AsyncClient, it_staff: dict[str, str]
) -> None:
    await client.post("/api/v1/workstations/", json={"hostname": "pc-ivanov",
                      "addresses": ["10.1.2.30"]}, headers=it_staff)  # fmt: skip
    ivanov = await created(
        client, it_staff, last_name="Иванов", first_name="Иван", workstations=["pc-ivanov"]
    )
    assert ivanov["workstation_ids"] != []
    reader = await signed_in(container, client, "reader", "employee")
    await container.create_role()(
        "hr", ["directory.read", "directory.write"], "keeps the directory, no network", OPERATOR
    )
    hr = await signed_in(container, client, "hr1", "hr")

    url = f"/api/v1/employees/{ivanov['id']}"
    assert (await client.get(url, headers=reader)).json()["workstation_ids"] == []
    found = (
        await client.get("/api/v1/employees/search", params={"q": "Иванов"}, headers=reader)
    ).json()
    assert found["hits"][0]["employee"]["workstation_ids"] == []
    by_host = (
        await client.get("/api/v1/employees/search", params={"q": "pc-ivanov"}, headers=reader)
    ).json()
    assert by_host["kind"] == "name"  # never looked up as a host name
    by_ip = await client.get("/api/v1/employees/search", params={"q": "10.1.2.30"}, headers=reader)
    assert by_ip.status_code == 403
    for path in (
        "/api/v1/workstations/",
        "/api/v1/workstations/1",
        "/api/v1/workstations/1/history",
    ):
        assert (await client.get(path, headers=reader)).status_code == 403
        assert (await client.get(path, headers=hr)).status_code == 403
    history = (await client.get(f"{url}/history", headers=reader)).json()["entries"]
    assert all(c["field"] != "workstation_ids" for e in history for c in e["changes"])
    exported = await client.get(
        "/api/v1/employees/export", params={"format": "csv"}, headers=reader
    )
    assert exported.status_code == 200
    header = next(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert "Рабочая станция" not in header
    assert "IP" not in header

    # Someone who may edit the directory but not see the network cannot set workstations.
    refused = await client.patch(
        url, json={"version": ivanov["version"], "workstations": []}, headers=hr
    )
    assert refused.status_code == 403
    kept = await client.patch(url, json={"version": ivanov["version"], "room": "101"}, headers=hr)
    assert kept.status_code == 200
    assert (await client.get(url, headers=it_staff)).json()["workstation_ids"] == ivanov[
        "workstation_ids"
    ]


# --- import and export --------------------------------------------------------------------------

DEPARTMENTS = ("Бухгалтерия", "Отдел ИТ", "Склад", "Юридический отдел", "Отдел кадров")
LAST = ("Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков", "Соколов")
FIRST = ("Иван", "Пётр", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Олег")
MIDDLE = ("Иванович", "Петрович", "Алексеевич", "Дмитриевич", "Сергеевич", "Андреевич",
          "Михайлович", "Олегович", "Юрьевич", "Павлович", "Романович", "Борисович",
          "Игоревич", "Львович", "Ильич", "Фомич")  # fmt: skip


def directory_rows(count: int) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = []
    for i in range(count):
        has_pc = i % 3 == 0
        rows.append(
            {
                "last_name": LAST[i % len(LAST)],
                "first_name": FIRST[i // 8 % 8],
                # Unique names: the import also matches by name and department (see below).
                "middle_name": MIDDLE[i // 64 % 16],
                "position": "Специалист",
                "department": DEPARTMENTS[i % len(DEPARTMENTS)],
                "work_phone": f"8 (495) {100 + i // 100:03d}-{i % 100:02d}-00",
                "extension": str(1000 + i),
                "email": f"user{i}@corp.example",
                "room": str(100 + i % 50),
                "workstation": f"ws-{i:04d}" if has_pc else None,
                "ip": f"10.2.{i // 250}.{i % 250 + 1}" if has_pc else None,
                "personnel_number": f"T{i:05d}",
                "status": "on_leave" if i % 97 == 0 else "active",
                "hired_on": f"2020-{i % 12 + 1:02d}-15",
            }
        )
    return rows


def workbook(path: Path, rows: list[dict[str, str | None]]) -> Path:
    write_directory(rows, path)
    return path


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    path: Path,
    url: str = "/api/v1/employees/import",
    **params: Any,
) -> httpx.Response:
    with path.open("rb") as handle:
        return await client.post(
            url,
            params=params,
            files={"file": (path.name, handle, XLSX)},
            headers=headers,
        )


async def total(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    count, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 500, "include_dismissed": "true"}
        if cursor is not None:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/employees/", params=params, headers=headers)).json()
        count += len(page["items"])
        if (cursor := page["next_cursor"]) is None:
            return count


async def test_import_refuses_a_file_with_bad_rows_naming_each_cell(
    client: httpx.AsyncClient, it_staff: dict[str, str], tmp_path: Path
) -> None:
    rows = directory_rows(1000)
    rows[100]["email"] = "user100-at-corp"
    rows[501]["work_phone"] = "12"
    rows[899]["extension"] = "#REF!"  # an Excel error value: the reader's own finding
    response = await upload(client, it_staff, workbook(tmp_path / "bad.xlsx", rows))
    assert response.status_code == 422, response.text
    sheet = SHEET_TITLE["ru"]
    errors = [(e["sheet"], e["row"], e["column"]) for e in response.json()["errors"]]
    assert errors == [
        (sheet, 102, "email"),  # row 1 is the header
        (sheet, 503, "work_phone"),
        (sheet, 901, COLUMN_BY_FIELD["extension"].header("ru")),  # the header as written
    ]
    reasons = [e["reason"] for e in response.json()["errors"]]
    assert "user100-at-corp" in reasons[0]
    assert "'12'" in reasons[1]
    assert "#REF!" in reasons[2]
    assert await total(client, it_staff) == 0
    departments = (await client.get("/api/v1/departments/", headers=it_staff)).json()
    assert departments["items"] == []


async def test_import_then_reimport_and_export_round_trip_change_nothing(
    client: httpx.AsyncClient, it_staff: dict[str, str], tmp_path: Path
) -> None:
    path = workbook(tmp_path / "staff.xlsx", directory_rows(1000))
    dry = (await upload(client, it_staff, path, dry_run="true")).json()
    assert (dry["created"], dry["dry_run"]) == (1000, True)
    assert await total(client, it_staff) == 0

    first = await upload(client, it_staff, path)
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["rows"], report["created"], report["updated"]) == (1000, 1000, 0)
    assert report["departments_created"] == len(DEPARTMENTS)
    assert report["workstations_created"] == 334
    assert await total(client, it_staff) == 1000

    again = (await upload(client, it_staff, path)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1000)

    exported = await client.get(
        "/api/v1/employees/export", params={"format": "xlsx"}, headers=it_staff
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith(XLSX)
    (tmp_path / "export.xlsx").write_bytes(exported.content)
    sheet = load_workbook(io.BytesIO(exported.content), read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == 1001
    round_trip = (await upload(client, it_staff, tmp_path / "export.xlsx")).json()
    assert (round_trip["created"], round_trip["updated"], round_trip["unchanged"]) == (0, 0, 1000)
    assert round_trip["departments_created"] == round_trip["workstations_created"] == 0

    as_csv = await client.get(
        "/api/v1/employees/export", params={"format": "csv"}, headers=it_staff
    )
    table = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(table) == 1000
    assert table[0]["Телефон"] == "'+74951000000"  # guarded: a spreadsheet takes + for a formula
    assert table[0]["Рабочая станция"] == "ws-0000"


async def test_several_workstations_per_row_import_export_and_import_back_unchanged(
    client: httpx.AsyncClient, it_staff: dict[str, str], tmp_path: Path
) -> None:
    rows = directory_rows(3)
    rows[0].update(workstation="ws-a\nws-b", ip="10.3.0.1 10.3.0.11; 10.3.0.2",
                   mac="aa:bb:cc:00:03:01, aa-bb-cc-00-03-02")  # fmt: skip
    rows[1].update(workstation="ws-c, ws-d", ip="10.3.0.3, ", mac=None)
    first = await upload(client, it_staff, workbook(tmp_path / "multi.xlsx", rows))
    assert first.status_code == 200, first.text
    assert first.json()["workstations_created"] == 4

    exported = await client.get("/api/v1/employees/export", params={"format": "csv"},
                                headers=it_staff)  # fmt: skip
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    anna = next(r for r in table if r["Табельный номер"] == "T00000")
    assert (anna["Рабочая станция"], anna["IP"], anna["MAC"]) == (
        "ws-a, ws-b",
        "10.3.0.1 10.3.0.11, 10.3.0.2",
        "aa:bb:cc:00:03:01, aa:bb:cc:00:03:02",
    )
    ivan = next(r for r in table if r["Табельный номер"] == "T00001")
    assert (ivan["Рабочая станция"], ivan["IP"], ivan["MAC"]) == ("ws-c, ws-d", "10.3.0.3, ", "")

    as_xlsx = await client.get("/api/v1/employees/export", headers=it_staff)
    (tmp_path / "export.xlsx").write_bytes(as_xlsx.content)
    again = (await upload(client, it_staff, tmp_path / "export.xlsx")).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)

    rows[1].update(ip="10.3.0.3, 10.3.0.4, 10.3.0.5")
    refused = await upload(client, it_staff, workbook(tmp_path / "bad.xlsx", rows))
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert (error["row"], error["column"]) == (3, "ip")
    assert "2 workstations but 3 IP entries" in error["reason"]


async def test_import_refuses_what_is_not_a_workbook(
    client: httpx.AsyncClient, it_staff: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "staff.xlsx"
    path.write_bytes(b"name,phone\nIvanov,123\n")
    response = await upload(client, it_staff, path)
    assert response.status_code == 422
    assert "not an .xlsx workbook" in response.json()["fields"]["file"]


async def test_upload_limit_follows_the_setting(container: Container, tmp_path: Path) -> None:
    runtime = replace(RuntimeSettings.defaults(), directory_import_max_mb=1)
    container.runtime.override(providers.Object(runtime))
    try:
        transport = httpx.ASGITransport(app=create_asgi(container))
        async with httpx.AsyncClient(transport=transport, base_url="http://tbot") as small:
            headers = await signed_in(container, small, "itstaff", "it_staff")
            over = tmp_path / "over.xlsx"
            over.write_bytes(b"\0" * 1_500_000)  # over the file limit, inside the body limit
            refused = await upload(small, headers, over)
            assert refused.status_code == 422
            assert "at most" in refused.json()["fields"]["file"]
            far_over = tmp_path / "far-over.xlsx"
            far_over.write_bytes(b"\0" * 3_000_000)
            assert (await upload(small, headers, far_over)).status_code == 413
            no_file = await small.post(
                "/api/v1/employees/import", data={"note": "x"}, files={}, headers=headers
            )
            assert no_file.status_code == 400
    finally:
        container.runtime.reset_last_overriding()
