"""TBot: the IT department's assistant, as a library with thin entrypoints.

async with tbot.bootstrap(tbot.load_bootstrap()) as app:
    for setting in await app.list_settings():
        print(setting.name, setting.value)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from tbot.bootstrap import bootstrap as bootstrap
    from tbot.config import load_bootstrap as load_bootstrap


def __getattr__(name: str) -> Any:
    # Lazy, so that `import tbot` stays cheap and connects to nothing.
    if name == "bootstrap":
        from tbot.bootstrap import bootstrap

        return bootstrap
    if name == "load_bootstrap":
        from tbot.config import load_bootstrap

        return load_bootstrap
    raise AttributeError(name)
