"""Shared helpers of the hardware/ tests: paths, unit-file parsing, tool lookup, tree snapshots."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HARDWARE = REPO / "hardware"
SETUP = HARDWARE / "setup.sh"
UNIT_DIR = HARDWARE / "systemd"
UNITS = sorted(UNIT_DIR.glob("*.service")) + sorted(UNIT_DIR.glob("*.timer"))
SERVICES = sorted(UNIT_DIR.glob("*.service"))
# The venv running the tests (has bin/edge), wherever the checkout and its venv are: its prefix and
# scripts directory, not paths derived from how the interpreter happened to be called.
VENV = Path(sys.prefix)
EDGE_BIN = Path(sysconfig.get_path("scripts")) / "edge"

# Debian packages that provide the tools these tests run (the Makefile installs them).
TOOLS = {"systemd-analyze": "systemd", "shellcheck": "shellcheck", "foot": "foot"}


def tool(name: str) -> str:
    """Path of a command-line tool; a missing one fails the test, naming the Debian package
    (`make test` installs them all)."""
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not installed: apt-get install --no-install-recommends {TOOLS.get(name, name)}"
                    " (make test installs it)")
    return found


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Sections of a systemd unit file -> (key, value) pairs, in order, comments dropped."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
            continue
        assert current is not None, f"{path}: key outside a section: {line}"
        key, _, value = line.partition("=")
        sections[current].append((key.strip(), value.strip()))
    return sections


def values(unit: dict, section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def exec_argv(path: Path, key: str = "ExecStart") -> list[list[str]]:
    return [shlex.split(v) for v in values(parse_unit(path), "Service", key)]


def run_setup(*args: str, check: bool = True, env: dict | None = None, user: str | None = None):
    command = ["bash", str(SETUP), *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, **(env or {})})
    if check:
        assert result.returncode == 0, f"setup.sh {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def snapshot(*roots: str | Path) -> dict[str, tuple]:
    """Every path under the roots with type, mode, size, mtime and link target."""
    state: dict[str, tuple] = {}
    for root in map(Path, roots):
        if not root.exists() and not root.is_symlink():
            state[str(root)] = ("absent",)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            for name in [*dirnames, *filenames, ""]:
                path = Path(dirpath, name) if name else Path(dirpath)
                try:
                    st = path.lstat()
                except FileNotFoundError:
                    continue
                link = os.readlink(path) if path.is_symlink() else None
                state[str(path)] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_uid, st.st_gid, link)
    return state


def diff(before: dict, after: dict) -> list[str]:
    changed = [p for p in before.keys() & after.keys() if before[p] != after[p]]
    return sorted([f"changed {p}" for p in changed] + [f"added {p}" for p in after.keys() - before.keys()]
                  + [f"removed {p}" for p in before.keys() - after.keys()])


# System places setup.sh writes to; a dry run or a --root install must leave them alone.
SYSTEM_PLACES = ["/etc/systemd/system", "/etc/udev", "/etc/modules-load.d", "/etc/systemd/journald.conf.d",
                 "/etc/pam.d", "/etc/matou", "/opt", "/usr/local/bin", "/var/lib/matou", "/var/lib/matou-kiosk",
                 "/etc/passwd", "/etc/group", "/etc/shadow"]
