"""Failed jobs through the API: seen with their error and tries, queued again on request."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus

from tbot.adapters.jobs_queue import queue_name
from tbot.container import Container
from tbot.entrypoints.api.app import create_asgi
from tbot.entrypoints.worker.runner import MAX_TRIES, create_worker
from tests.integration.test_api_directory import signed_in


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_asgi(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://tbot", timeout=60) as c:
        yield c


async def _fail_a_notification(container: Container, redis_url: str) -> str:
    """A notification whose payload cannot be read, on its last try: it fails for good."""
    redis = await container.redis()  # type: ignore[misc]
    arq = ArqRedis(connection_pool=redis.connection_pool)
    job_id = f"test:{uuid.uuid4().hex}"
    queue = queue_name(container.config.redis_namespace())
    await arq.enqueue_job(
        "send_notification", "not json", _job_id=job_id, _queue_name=queue, _job_try=MAX_TRIES
    )
    worker = create_worker(
        redis_url,
        namespace=container.config.redis_namespace(),
        node_id="jobs-worker",
        metrics=container.metrics(),
        container=container,
        burst=True,
    )
    try:
        await asyncio.wait_for(worker.async_run(), timeout=30)
    finally:
        await worker.close()
    return job_id


async def test_a_failed_job_is_listed_and_can_be_queued_again(
    container: Container, client: httpx.AsyncClient, redis_url: str
) -> None:
    admin = await signed_in(container, client, "jobsadmin", "admin")
    job_id = await _fail_a_notification(container, redis_url)

    listed = await client.get("/api/v1/jobs/failed", headers=admin)
    assert listed.status_code == 200
    [failed] = [job for job in listed.json() if job["id"] == job_id]
    assert failed["job"] == "send_notification"
    assert failed["args"] == "'not json'"
    assert "DecodeError" in failed["error"]
    assert failed["tries"] == MAX_TRIES

    retried = await client.post(f"/api/v1/jobs/{job_id}/retry", headers=admin)
    assert retried.status_code == 202
    again = retried.json()["job_id"]
    redis = await container.redis()  # type: ignore[misc]
    arq = ArqRedis(connection_pool=redis.connection_pool)
    queue = queue_name(container.config.redis_namespace())
    assert await Job(again, arq, _queue_name=queue).status() is JobStatus.queued
    after = await client.get("/api/v1/jobs/failed", headers=admin)
    assert job_id not in {job["id"] for job in after.json()}
    assert (await client.post(f"/api/v1/jobs/{job_id}/retry", headers=admin)).status_code == 404


async def test_failed_jobs_need_settings_write(
    container: Container, client: httpx.AsyncClient
) -> None:
    staff = await signed_in(container, client, "itstaff", "it_staff")
    assert (await client.get("/api/v1/jobs/failed", headers=staff)).status_code == 403
    assert (await client.post("/api/v1/jobs/x/retry", headers=staff)).status_code == 403
