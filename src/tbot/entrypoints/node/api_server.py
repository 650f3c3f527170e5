from __future__ import annotations

import contextlib
from collections.abc import Generator

import uvicorn
from litestar.types import ASGIApp


class EmbeddedUvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: the node runner owns SIGINT/SIGTERM and
    stops every role in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    def install_signal_handlers(self) -> None:  # older uvicorn
        return


def create_server(app: ASGIApp, host: str, port: int) -> EmbeddedUvicorn:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return EmbeddedUvicorn(config)
