"""The kiosk UI in a browser: textual-serve runs `edge ui` once per browser connection.

textual-serve is an extra dependency (`pip install textual-serve`; hardware/setup.sh
--kiosk web installs it). It is imported only when the server starts. Each browser tab gets
its own `edge ui` process, which is still a pure client of the core's local API.
Listen on 127.0.0.1 unless the network is trusted: the served UI has no login of its own.
"""

from __future__ import annotations

import shlex
import sys


class WebUiUnavailable(RuntimeError):
    """textual-serve is missing."""


def ui_command(config_path: str | None = None, lang: str | None = None, python: str | None = None) -> str:
    """The shell command textual-serve runs for each browser connection."""
    args = [python or sys.executable, "-m", "edge", "ui"]
    if config_path:
        args += ["--config", config_path]
    if lang:
        args += ["--lang", lang]
    return shlex.join(args)


def serve(command: str, host: str = "127.0.0.1", port: int = 8080, public_url: str | None = None,
          title: str = "Matou") -> None:  # pragma: no cover - runs a server until stopped
    try:
        from textual_serve.server import Server
    except ImportError as error:
        raise WebUiUnavailable(
            "textual-serve is not installed in this environment: run "
            f"`{sys.executable} -m pip install textual-serve` (hardware/setup.sh --kiosk web does it)"
        ) from error
    Server(command, host=host, port=port, title=title, public_url=public_url).serve()
