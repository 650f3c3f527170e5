"""PostgreSQL and Redis started from pip wheels as child processes, for a bare machine.

`tbot up` with nothing configured and the test fixtures use these; production points TBot
at real servers instead.
"""

from tbot.adapters.embedded.errors import EmbeddedServerError
from tbot.adapters.embedded.ports import free_port, wait_for_port
from tbot.adapters.embedded.postgres import EmbeddedPostgres
from tbot.adapters.embedded.redis import EmbeddedRedis

__all__ = ["EmbeddedPostgres", "EmbeddedRedis", "EmbeddedServerError", "free_port", "wait_for_port"]
