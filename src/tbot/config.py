"""Process settings: what a node must know before it can reach the database.

Read from the environment (`TBOT_*`) merged over a `.env` file in the working folder, then
overridden by command-line options. Everything else is a runtime setting resolved from the
database, the keyring and the environment (see `tbot.domain.settings`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec
from dotenv import dotenv_values

Role = Literal["api", "bot", "worker"]
ALL_ROLES: tuple[Role, ...] = ("api", "bot", "worker")


class BootstrapSettings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path = Path("tbot-data")
    # Empty means: start the embedded server under data_dir.
    database_url: str = ""
    redis_url: str = ""
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    node_id: str = ""
    environment: Literal["development", "production"] = "development"
    keyring_backend: str = ""
    keyring_file: str = ""
    log_format: Literal["json", "console"] = "json"
    redis_namespace: str = "tbot"
    db_pool_size: int = 10

    @property
    def effective_node_id(self) -> str:
        return self.node_id or socket.gethostname()

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


def read_environment(dotenv_path: Path | None = None) -> dict[str, str]:
    """`.env` first, then the real environment on top of it."""
    path = dotenv_path or Path(".env")
    values = (
        {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}
    )
    values.update({k: v for k, v in os.environ.items() if k.startswith("TBOT_")})
    return values


def load_bootstrap(
    environ: Mapping[str, str] | None = None, **overrides: object
) -> BootstrapSettings:
    """Builds the typed process settings; a bad value fails with the variable's name."""
    source = read_environment() if environ is None else dict(environ)
    raw: dict[str, object] = {}
    for field in BootstrapSettings.__struct_fields__:
        value = source.get(f"TBOT_{field.upper()}")
        if value is not None and value != "":
            raw[field] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return msgspec.convert(raw, BootstrapSettings, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as error:
        raise SystemExit(f"configuration error: {_name_field(str(error))}") from None


def _decode(kind: type, value: object) -> object:
    if kind is Path and isinstance(value, str | Path):
        return Path(value)
    raise NotImplementedError(f"cannot read {kind.__name__} from {type(value).__name__}")


def _name_field(message: str) -> str:
    # msgspec says "... - at `$.api_port`"; operators set TBOT_API_PORT.
    if "`$." in message:
        head, _, tail = message.partition("`$.")
        field = tail.rstrip("`").split("`")[0]
        reason = head.removesuffix(" - at ").rstrip(" -")
        return f"TBOT_{field.upper()}: {reason}"
    return message
