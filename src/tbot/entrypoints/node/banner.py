"""What `tbot up` tells the person who started it (stderr; logs go to stdout and the file)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from tbot import __version__
from tbot.config import BootstrapSettings

if TYPE_CHECKING:
    from tbot.bootstrap import Servers


class Banner:
    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True, highlight=False, soft_wrap=True)

    def starting(self, settings: BootstrapSettings, roles: tuple[str, ...]) -> None:
        self._console.print(
            f"[bold]TBot {__version__}[/] node [cyan]{settings.effective_node_id}[/] "
            f"roles {', '.join(roles)}; data folder {settings.data_dir.resolve()}"
        )
        if not settings.database_url or not settings.redis_url:
            self._console.print("Starting the embedded servers (first start runs initdb)...")

    def environment_used(self, names: list[str], development: bool) -> None:
        where = "development mode" if development else "PRODUCTION: ignored"
        self._console.print(
            f"[yellow]Environment/.env supplies {', '.join(names)} ({where}). In production use "
            "`tbot settings set` and `tbot secrets set`.[/]"
        )

    def setting_problem(self, name: str, problem: str) -> None:
        self._console.print(f"[yellow]Setting {name}: {problem}[/]")

    def no_admin(self) -> None:
        self._console.print(
            "[yellow]No admin account yet. Create the first one with: "
            "tbot users create admin --role admin[/]"
        )

    def keyring_unavailable(self, detail: str) -> None:
        self._console.print(f"[yellow]Secrets: {detail}[/]")

    def ready(
        self,
        settings: BootstrapSettings,
        servers: Servers,
        roles: tuple[str, ...],
        bot_token: bool,
        bot_mode: str = "polling",
    ) -> None:
        c = self._console
        pg = servers.embedded_postgres
        rd = servers.embedded_redis
        db = f"embedded {pg.url}" if pg else f"external {_hide(servers.database_url)}"
        c.print(f"PostgreSQL: {db}")
        c.print(
            f"Redis:      {'embedded ' + rd.url if rd else 'external ' + _hide(servers.redis_url)}"
        )
        if "api" in roles:
            base = f"http://{settings.api_host}:{settings.api_port}"
            c.print(
                f"API:        {base}  (health {base}/health, OpenAPI {base}/schema/openapi.json)"
            )
        if "worker" in roles:
            c.print("Worker:     running (arq)")
        if "bot" in roles:
            c.print(_bot_line(bot_token, bot_mode))
        c.print(f"Logs:       {settings.data_dir.resolve() / 'logs' / 'tbot.log'}")
        c.print("[bold green]TBot is up.[/] Press Ctrl-C to stop.")

    def stopping(self) -> None:
        self._console.print("Stopping...")

    def stopped(self) -> None:
        self._console.print("TBot stopped.")


def _bot_line(token_set: bool, mode: str) -> str:
    if not token_set:
        return "Telegram:   not started: no bot token (set one with `tbot secrets set bot_token`)"
    if mode == "webhook":
        return "Telegram:   webhook mode (updates arrive at /telegram/webhook)"
    return "Telegram:   polling (updates handled once each, recorded in PostgreSQL)"


def _hide(url: str) -> str:
    """Never print a password that an operator put into a URL."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}" if ":" in credentials else url
