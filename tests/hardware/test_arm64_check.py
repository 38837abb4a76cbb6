"""`make arm64-check` (hardware/arm64-check.sh) is a check of minutes under qemu, run apart from the
suite; these tests hold what can be held here: the script's options and refusals, the Makefile
target outside `make test`, and the device check's reading of the installed units (the command
line, user and environment it starts the core with are the unit's, as systemd would run them)."""

from __future__ import annotations

import importlib.util
import re
import subprocess

import pytest
from hw_helpers import HARDWARE, REPO, UNIT_DIR

SCRIPT = HARDWARE / "arm64-check.sh"


def load_device_check(units):
    spec = importlib.util.spec_from_file_location("arm64_device_check", HARDWARE / "arm64_device_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.UNITS = units
    return module


def test_help_and_refusals():
    shown = subprocess.run(["bash", str(SCRIPT), "--help"], capture_output=True, text=True, timeout=30)
    assert shown.returncode == 0 and "arm64 check passed" in shown.stdout and "--arch armhf" in shown.stdout
    for args, said in ((["--bogus"], "unknown option --bogus"), (["--arch", "sparc"], "--arch must be arm64 or armhf")):
        refused = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=30)
        assert refused.returncode == 2 and said in refused.stderr


def test_the_makefile_runs_it_apart_from_the_suite():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^arm64-check:\n\tbash hardware/arm64-check\.sh --arch \$\(ARM_ARCH\)$", makefile, re.M)
    test_rule = re.search(r"^test: (.*)$", makefile, re.M).group(1)
    assert "arm64" not in test_rule


def test_the_core_starts_as_its_unit_says(tmp_path):
    check = load_device_check(UNIT_DIR)
    keys = check.unit("matou-core.service")
    assert check.command_of(keys) == ["/opt/matou/venv/bin/edge", "core", "--config", "/etc/matou/edge.toml"]
    assert keys["User"] == ["matou"] and "EDGE_DEVICE_DATA_DIR=/var/lib/matou" in keys["Environment"]
    assert keys["RuntimeDirectory"] == ["matou"]
    kiosk = check.command_of(check.unit("matou-kiosk.service"))
    assert kiosk[0].endswith("cage")
    missing = load_device_check(tmp_path)
    with pytest.raises(missing.Failed, match="is not installed"):
        missing.unit("matou-core.service")
