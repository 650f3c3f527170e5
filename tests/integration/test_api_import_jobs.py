"""Import as a background job through the API: 202 at once, then the job's progress and its
outcome, run by a real arq worker; a refused file reports every bad cell and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tbot.application.ports.import_jobs import ImportStatus
from tbot.container import Container
from tbot.entrypoints.api.app import create_asgi
from tests.conftest import run_jobs_until_idle
from tests.integration.test_api_directory import directory_rows, signed_in, total, upload, workbook

JOBS = "/api/v1/employees/import-jobs/"


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_asgi(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://tbot", timeout=120) as c:
        yield c


@pytest.fixture
async def it_staff(container: Container, client: httpx.AsyncClient) -> dict[str, str]:
    return await signed_in(container, client, "itstaff", "it_staff")


async def test_an_import_job_runs_in_the_background_and_reports_its_counts(
    client: httpx.AsyncClient,
    it_staff: dict[str, str],
    container: Container,
    redis_url: str,
    tmp_path: Path,
) -> None:
    staff = workbook(tmp_path / "staff.xlsx", directory_rows(300))
    submitted = await upload(client, it_staff, staff, JOBS)
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["status"] == "queued"
    assert job["submitted_by"] == "itstaff"
    assert await total(client, it_staff) == 0  # nothing happens in the request

    # The submission left the job in the outbox; a node's relay queues it.
    assert (await container.relay_outbox()()).queued == 1
    await run_jobs_until_idle(container, redis_url)
    done = (await client.get(f"{JOBS}{job['id']}", headers=it_staff)).json()
    assert done["status"] == "succeeded"
    assert (done["rows_done"], done["rows_total"]) == (300, 300)
    assert (done["created"], done["updated"], done["unchanged"]) == (300, 0, 0)
    assert await total(client, it_staff) == 300


async def test_a_refused_import_job_names_every_bad_cell_and_writes_nothing(
    client: httpx.AsyncClient,
    it_staff: dict[str, str],
    container: Container,
    redis_url: str,
    tmp_path: Path,
) -> None:
    rows = directory_rows(200)
    rows[10]["email"] = "not-an-address"
    rows[150]["work_phone"] = "12"
    submitted = await upload(client, it_staff, workbook(tmp_path / "bad.xlsx", rows), JOBS)
    # The submission left the job in the outbox; a node's relay queues it.
    assert (await container.relay_outbox()()).queued == 1
    await run_jobs_until_idle(container, redis_url)
    url = f"{JOBS}{submitted.json()['id']}"
    failed = (await client.get(url, headers=it_staff)).json()
    assert failed["status"] == "failed"
    assert [(e["row"], e["column"]) for e in failed["errors"]] == [
        (12, "email"),
        (152, "work_phone"),
    ]
    assert failed["created"] is None
    assert await total(client, it_staff) == 0


async def test_a_job_that_broke_runs_again_when_retried(
    client: httpx.AsyncClient,
    it_staff: dict[str, str],
    container: Container,
    redis_url: str,
    tmp_path: Path,
) -> None:
    staff = workbook(tmp_path / "staff.xlsx", directory_rows(50))
    job = (await upload(client, it_staff, staff, JOBS)).json()
    # As an earlier try leaves it when the database went away mid-import: failed, nothing
    # written. Its job then runs again (arq's retry, or `tbot jobs retry`).
    store = container.import_job_store()
    broken = await store.get(job["id"])
    assert broken is not None
    await store.save(replace(broken, status=ImportStatus.FAILED, failure="ConnectionResetError"))

    assert (await container.relay_outbox()()).queued == 1
    await run_jobs_until_idle(container, redis_url)

    done = (await client.get(f"{JOBS}{job['id']}", headers=it_staff)).json()
    assert done["status"] == "succeeded", done
    assert await total(client, it_staff) == 50


async def test_import_jobs_need_directory_write(
    client: httpx.AsyncClient, container: Container, tmp_path: Path
) -> None:
    reader = await signed_in(container, client, "reader", "employee")
    refused = await upload(client, reader, workbook(tmp_path / "x.xlsx", directory_rows(3)), JOBS)
    assert refused.status_code == 403
    missing = await client.get(f"{JOBS}nope", headers=reader)
    assert missing.status_code == 403
