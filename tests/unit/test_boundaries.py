"""Import boundaries: the domain and config import without the I/O stack; the UI never reaches the core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ["textual", "fastapi", "uvicorn", "escpos", "requests", "sqlite_utils", "cv2", "pyzbar"]


@pytest.mark.parametrize("module", ["edge.money", "edge.menu", "edge.cart", "edge.orders", "edge.config"])
def test_pure_modules_import_nothing_heavy(module):
    code = (f"import sys, {module}; bad = [m for m in {HEAVY!r} if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"{module} pulled in {result.stdout.strip()} {result.stderr}"


def test_cli_help_does_not_import_the_ui_or_server():
    code = ("import sys; from edge.cli import cli; "
            "bad = [m for m in ('textual', 'fastapi', 'uvicorn') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_linter_contracts():
    """The contracts in pyproject.toml (domain pure, UI a pure client, textual only in edge.ui)."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
