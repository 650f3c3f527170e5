from __future__ import annotations

from dataclasses import dataclass

from tbot.application.cluster.list_nodes import ListNodes, NodeView


@dataclass(frozen=True, slots=True)
class ClusterView:
    nodes: tuple[NodeView, ...]

    @property
    def up(self) -> int:
        return sum(1 for node in self.nodes if node.up)

    @property
    def down(self) -> int:
        return len(self.nodes) - self.up

    @property
    def leader(self) -> NodeView | None:
        """The node that leads, as the heartbeats say: among the nodes up that report the
        lease, the one with the newest fencing token. A dead leader's row keeps its flag, so
        only nodes up count; for the instant of a handover two rows may claim the lease,
        and the newer token is the one that counts."""
        claimants = [n for n in self.nodes if n.up and n.beat.is_leader]
        if not claimants:
            return None
        return max(claimants, key=lambda n: n.beat.fencing_token or 0)


class ViewCluster:
    """The nodes, which are up, and who leads: for /health, `tbot cluster status`, metrics."""

    def __init__(self, list_nodes: ListNodes) -> None:
        self._list_nodes = list_nodes

    async def __call__(self) -> ClusterView:
        return ClusterView(tuple(await self._list_nodes()))
