"""The one error the embedded servers raise, carrying the tail of the server's log."""

from __future__ import annotations

from collections import deque
from pathlib import Path

LOG_TAIL_LINES = 40


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started, reached or stopped.

    The message names what failed and, when there is a log, where it is and its last lines,
    because the log is almost always where the real reason is (port taken, bad data folder...).
    """

    def __init__(self, what: str, log_path: Path | None = None) -> None:
        message = what
        if log_path is not None:
            tail = log_tail(log_path)
            message = f"{what}\nlog: {log_path}"
            if tail:
                message += f"\n--- last {LOG_TAIL_LINES} lines of the log ---\n{tail}"
        super().__init__(message)
        self.what = what
        self.log_path = log_path


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a text file, or "" if it cannot be read."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines)).rstrip("\n")
    except OSError:
        return ""
