from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tbot.application.cluster.cluster_view import ClusterView
from tbot.application.health.check_health import CheckHealth, HealthReport
from tbot.entrypoints.api.schemas import ClusterNodeOut, ClusterOut, DependencyOut, HealthOut
from tbot.entrypoints.api.security import PUBLIC


def _render(report: HealthReport) -> HealthOut:
    return HealthOut(
        status=report.status,
        node_id=report.node_id,
        version=report.version,
        role=report.role,
        dependencies={
            d.name: DependencyOut(
                state=d.state.value,
                required=d.required,
                detail=d.detail,
                latency_ms=round(d.latency_ms, 2) if d.latency_ms is not None else None,
            )
            for d in report.dependencies
        },
        failing=list(report.failing),
        leadership=report.leadership,
        cluster=_render_cluster(report.cluster) if report.cluster is not None else None,
    )


def _render_cluster(view: ClusterView) -> ClusterOut:
    leader = view.leader
    return ClusterOut(
        leader=leader.beat.node_id if leader else None,
        fencing_token=leader.beat.fencing_token if leader else None,
        nodes_up=view.up,
        nodes_down=view.down,
        nodes=[
            ClusterNodeOut(
                node_id=node.beat.node_id,
                host=node.beat.host,
                up=node.up,
                leader=node is leader,
                last_seen=node.beat.last_seen.isoformat(),
            )
            for node in view.nodes
        ],
    )


@get(
    "/health",
    opt=PUBLIC,
    security=[],
    tags=["operations"],
    summary="Per-dependency status of this node",
    description="200 when every required dependency is up, 503 naming the failing ones.",
    responses={
        503: ResponseSpec(data_container=HealthOut, description="a required dependency is down")
    },
)
async def health(check_health: NamedDependency[CheckHealth]) -> Response[HealthOut]:
    report = await check_health()
    return Response(_render(report), status_code=200 if report.healthy else 503)


@get(
    "/metrics",
    opt=PUBLIC,
    security=[],
    tags=["operations"],
    summary="Prometheus metrics of this node",
    media_type="text/plain; version=0.0.4",
    include_in_schema=True,
)
async def metrics(state: State) -> Response[bytes]:
    body = generate_latest(state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
