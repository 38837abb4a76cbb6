"""The running core's runtime file: `edge core` advertises where its config is; commands read it.

`edge core` writes `core.json` in the user's runtime dir ($XDG_RUNTIME_DIR/matou/, private 0600)
with its config path, pid and API URL, and removes it on a clean exit. A command run without
`--config` reads it to find the device that runs (edge/config.py `find_config`); a file whose
pid is dead, or whose config file is gone, is ignored. Under systemd (`RuntimeDirectory=matou` in
matou-core.service) the file is /run/matou/core.json, where commands look too.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from edge.protocol.private_files import create_private, private_dir, private_file

APP_NAME = "matou"
FILE_NAME = "core.json"
SYSTEM_FILE = Path("/run/matou") / FILE_NAME  # the service's, with RuntimeDirectory=matou


def runtime_file(environ: Mapping[str, str] | None = None) -> Path:
    """Where the running core advertises itself: systemd's $RUNTIME_DIRECTORY/core.json, else
    $XDG_RUNTIME_DIR/matou/core.json, else the platform's user runtime dir."""
    env = os.environ if environ is None else environ
    if env.get("RUNTIME_DIRECTORY"):
        return Path(env["RUNTIME_DIRECTORY"].split(":")[0]) / FILE_NAME
    if env.get("XDG_RUNTIME_DIR"):
        return Path(env["XDG_RUNTIME_DIR"]) / APP_NAME / FILE_NAME
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when it falls back to /tmp/runtime-<uid>
        return Path(platformdirs.user_runtime_dir(APP_NAME)) / FILE_NAME


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def advertise(config_file: str | None, core_url: str, db_path: Path) -> Path | None:
    """Write the runtime file for this process; None (nothing written) when the core runs on
    built-in defaults (no file to point at) or the runtime dir cannot be written."""
    if not config_file or not Path(config_file).is_file():
        return None
    target = runtime_file()
    doc = {"config": str(Path(config_file).resolve()), "pid": os.getpid(), "url": core_url, "db": str(db_path)}
    try:
        private_dir(target.parent)
        temporary = target.with_name(f".{FILE_NAME}.{os.getpid()}")
        create_private(temporary)
        private_file(temporary)
        temporary.write_text(json.dumps(doc), encoding="utf-8")
        temporary.replace(target)
    except OSError:
        return None
    return target


def withdraw(target: Path | None) -> None:
    """Remove the runtime file on a clean exit, if it is still this process's (another core may
    have started since and written its own)."""
    if target is None:
        return
    doc = read_runtime(target)
    if doc is not None and doc.get("pid") == os.getpid():
        with contextlib.suppress(OSError):
            target.unlink()


def read_runtime(target: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("pid"), int) or not isinstance(doc.get("config"), str):
        return None
    return doc


def running_core(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """{config, pid, url, db} of the core that runs now, or None: no file, a dead pid, or a
    config file that is gone."""
    for candidate in dict.fromkeys((runtime_file(environ), SYSTEM_FILE)):
        doc = read_runtime(candidate)
        if doc is not None and _alive(doc["pid"]) and Path(doc["config"]).is_file():
            return doc
    return None
