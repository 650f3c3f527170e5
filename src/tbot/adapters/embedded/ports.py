"""Small TCP helpers for servers that listen on localhost only."""

from __future__ import annotations

import socket
import time

LOCALHOST = "127.0.0.1"


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port nobody listens on right now (another process may still take it before us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def is_port_free(port: int, host: str = LOCALHOST) -> bool:
    """Whether a server could bind `port` now.

    SO_REUSEADDR mirrors what PostgreSQL and Redis do, so connections of a dead server still
    in TIME_WAIT do not make the port look taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def can_connect(port: int, host: str = LOCALHOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, host: str = LOCALHOST, timeout: float = 10.0) -> bool:
    """Poll until something accepts TCP connections on `port`; False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if can_connect(port, host):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
