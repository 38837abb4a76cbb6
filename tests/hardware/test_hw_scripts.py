"""Shell scripts in hardware/: shellcheck-clean, executable, and the web kiosk launcher behaves."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from hw_helpers import HARDWARE, tool


def shell_scripts() -> list[Path]:
    found = []
    for path in sorted(HARDWARE.rglob("*")):
        if path.is_file():
            head = path.read_bytes()[:64]
            if path.suffix == ".sh" or (head.startswith(b"#!") and (b"sh\n" in head.split(b"\n")[0] + b"\n")):
                found.append(path)
    return found


SCRIPTS = shell_scripts()


def test_scripts_are_found():
    names = {p.name for p in SCRIPTS}
    assert {"setup.sh", "matou-web-kiosk.sh", "edge-wrapper.sh"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(HARDWARE)))
def test_shellcheck(script):
    result = subprocess.run([tool("shellcheck"), "--severity=style", "--external-sources", str(script)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(HARDWARE)))
def test_scripts_are_executable_bash(script):
    assert os.access(script, os.X_OK), f"chmod +x {script}"
    assert script.read_text().startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in script.read_text()


def test_shellcheck_finds_problems(tmp_path):
    """The check above can fail: an unquoted variable is reported."""
    bad = tmp_path / "bad.sh"
    bad.write_text('#!/bin/bash\nrm -rf $1/tmp\n')
    result = subprocess.run([tool("shellcheck"), str(bad)], capture_output=True, text=True)
    assert result.returncode != 0 and "SC2086" in result.stdout


def fake_browser(directory: Path, name: str) -> Path:
    """A stand-in for chromium that records its arguments (a real browser would open a window)."""
    browser = directory / name
    browser.write_text('#!/bin/bash\nprintf "%s\\n" "$@" > "$(dirname "$0")/args"\n')
    browser.chmod(0o755)
    return directory / "args"


def run_kiosk(path_dir: Path, url: str, wait: int = 5) -> subprocess.CompletedProcess:
    """The script with a PATH of the fake browser (if any) and the few tools it uses, so that a
    real chromium installed on this machine is never found (nor started as root)."""
    tools = path_dir / "tools"
    tools.mkdir(exist_ok=True)
    for name in ("sleep", "dirname"):
        if not (tools / name).exists():
            (tools / name).symlink_to(shutil.which(name))
    env = {"PATH": f"{path_dir}:{tools}", "HOME": str(path_dir), "MATOU_WAIT_SECONDS": str(wait)}
    return subprocess.run([shutil.which("bash"), str(HARDWARE / "kiosk/matou-web-kiosk.sh"), url], capture_output=True,
                          text=True, env=env, timeout=60)


@pytest.mark.parametrize("name", ["chromium", "chromium-browser"])
def test_web_kiosk_waits_for_the_ui_then_starts_the_browser(tmp_path, name):
    args_file = fake_browser(tmp_path, name)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    # Start listening only after a second: the script must wait for it.
    timer = threading.Timer(1.0, listener.listen)
    timer.start()
    try:
        result = run_kiosk(tmp_path, url)
    finally:
        timer.join()
        listener.close()
    assert result.returncode == 0, result.stderr
    args = args_file.read_text().split("\n")
    assert "--kiosk" in args and "--incognito" in args and args[-2] == url


def test_web_kiosk_without_a_browser_says_what_to_install(tmp_path):
    result = run_kiosk(tmp_path, "http://127.0.0.1:9/", wait=1)
    assert result.returncode == 1 and "apt-get install chromium" in result.stderr


def test_edge_wrapper_names_the_missing_app(tmp_path):
    """Run a copy whose app path is one that cannot exist here, even on a provisioned device."""
    missing = tmp_path / "opt/matou/venv/bin/edge"
    wrapper = tmp_path / "edge-wrapper.sh"
    wrapper.write_text((HARDWARE / "bin/edge-wrapper.sh").read_text().replace("/opt/matou/venv/bin/edge", str(missing)))
    result = subprocess.run(["bash", str(wrapper), "--help"], capture_output=True, text=True)
    assert result.returncode == 1 and f"{missing} is missing" in result.stderr
