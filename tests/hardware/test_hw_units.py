"""The systemd units in hardware/systemd: verified by systemd itself, hardened, running real commands.

How the units are verified although /opt/matou/venv/bin/edge does not exist here: every
ExecStart runs `/usr/bin/env <program> ...`, so `systemd-analyze verify hardware/systemd/*` is
clean on any machine (the issue's contract), and AssertFileIsExecutable= names each program
for the device (test_every_program_behind_env_is_asserted checks that none is forgotten).
For the strict check, test_units_verify_with_a_real_edge_executable installs the units into a
tmp_path root with setup.sh --app-venv <this venv> and verifies copies without the env hop, so
systemd checks that the edge executable exists - no stub anywhere.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import click
import pytest
from hw_helpers import (EDGE_BIN, HARDWARE, SERVICES, UNIT_DIR, UNITS, VENV, exec_argv, parse_unit, run_setup,
                        tool, values)

from edge.cli import cli


def verify(*paths: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([tool("systemd-analyze"), "verify", *map(str, paths)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_there_are_units():
    names = {p.name for p in UNITS}
    assert {"matou-core.service", "matou-kiosk.service", "matou-kiosk-web.service", "matou-ui-web.service",
            "matou-backup.service", "matou-backup.timer"} <= names


def test_systemd_analyze_verify_is_clean_for_all_units_together():
    """The contract: `systemd-analyze verify hardware/systemd/*.service` (and the timer) prints nothing."""
    result = verify(*(p.relative_to(HARDWARE.parent) for p in UNITS), cwd=HARDWARE.parent)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify_is_clean(unit):
    result = verify(unit)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


def test_verify_output_catches_a_mistake(tmp_path):
    """Unknown keys only warn (exit 0): the tests above fail on any output, as this one shows."""
    broken = tmp_path / "matou-core.service"
    broken.write_text((UNIT_DIR / "matou-core.service").read_text().replace("ProtectSystem=", "ProtektSystem="))
    result = verify(broken)
    assert "ProtektSystem" in result.stdout + result.stderr


def test_units_verify_with_a_real_edge_executable(tmp_path):
    """Strict: with the env hop removed, systemd itself checks that the edge program exists."""
    root = tmp_path / "root"
    root.mkdir()
    run_setup("--root", str(root), "--app-venv", str(VENV), "--kiosk", "web")
    installed = root / "etc/systemd/system"
    strict = tmp_path / "strict"
    strict.mkdir()
    for name in ("matou-core.service", "matou-backup.service", "matou-backup.timer", "matou-ui-web.service"):
        text = (installed / name).read_text()
        assert "/opt/matou/venv" not in text
        (strict / name).write_text(text.replace("/usr/bin/env ", ""))
    assert f"ExecStart={EDGE_BIN} core" in (strict / "matou-core.service").read_text()
    result = verify(*sorted(strict.iterdir()))
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr
    # ... and the same check fails for a program that does not exist.
    (strict / "matou-core.service").write_text(
        (strict / "matou-core.service").read_text().replace(str(EDGE_BIN), str(tmp_path / "no-such-edge")))
    result = verify(strict / "matou-core.service")
    assert "no-such-edge" in result.stdout + result.stderr


def test_rendered_units_verify_for_another_prefix(tmp_path):
    run_setup("--root", str(tmp_path), "--no-app", "--prefix", "/srv/matou", "--kiosk", "web")
    installed = sorted((tmp_path / "etc/systemd/system").glob("matou-*"))
    assert len(installed) == len(UNITS)
    for path in installed:
        assert "/opt/matou" not in path.read_text(), path
    assert "/srv/matou/venv/bin/edge core" in (tmp_path / "etc/systemd/system/matou-core.service").read_text()
    result = verify(*installed)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


@pytest.mark.parametrize("unit", SERVICES, ids=lambda p: p.name)
def test_every_program_behind_env_is_asserted(unit):
    """ExecStart=/usr/bin/env PROGRAM ...: every absolute program it runs has AssertFileIsExecutable=."""
    asserted = set(values(parse_unit(unit), "Unit", "AssertFileIsExecutable"))
    commands = exec_argv(unit)
    assert len(commands) == 1
    argv = commands[0]
    assert argv[0] == "/usr/bin/env" and argv[1].startswith("/"), argv
    programs = {arg for arg in argv[1:] if arg.startswith("/") and re.search(r"/(s?bin)/", arg)}
    assert programs, argv
    assert programs == asserted, f"asserted {asserted}, runs {programs}"


def _edge_invocations():
    for unit in SERVICES:
        for argv in exec_argv(unit):
            for index, arg in enumerate(argv):
                if arg.endswith("/bin/edge"):
                    yield pytest.param(argv[index + 1:], id=f"{unit.name}:{argv[index + 1]}")


def _command(name: str) -> click.Command:
    if name in cli.commands:
        return cli.commands[name]
    import edge.maintenance.cli as maintenance  # registered in edge/cli.py by the integrator

    extra = {"backup": maintenance.backup, "web-ui": maintenance.web_ui}
    assert name in extra, f"`edge {name}` is neither in edge.cli nor in edge.maintenance.cli"
    return extra[name]


@pytest.mark.parametrize("args", list(_edge_invocations()))
def test_edge_commands_in_units_exist_and_accept_their_options(args):
    command = _command(args[0])
    assert command.name == args[0] or args[0] in cli.commands
    # Parse the unit's arguments with the real click command (unknown options raise), no run.
    with command.make_context(f"edge {args[0]}", list(args[1:])) as context:
        assert context.params.get("config_path") == "/etc/matou/edge.toml"


def test_units_use_the_commands_they_should():
    subcommands = {a[0] for a in (p.values[0] for p in _edge_invocations())}
    assert {"core", "ui", "backup", "web-ui"} <= subcommands


@pytest.mark.parametrize("name, threshold", [("matou-core.service", 25), ("matou-backup.service", 15),
                                             ("matou-ui-web.service", 25)])
def test_hardening_exposure(name, threshold):
    """systemd's own score (0 = locked down, 10 = exposed), offline; threshold in tenths."""
    result = subprocess.run([tool("systemd-analyze"), "security", "--offline=yes", f"--threshold={threshold}",
                             str(UNIT_DIR / name)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


def test_core_unit_settings():
    unit = parse_unit(UNIT_DIR / "matou-core.service")
    service = dict(unit["Service"])
    assert service["Restart"] == "always"
    assert values(unit, "Unit", "StartLimitIntervalSec") == ["0"]
    assert service["User"] == "matou"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ReadWritePaths": "/var/lib/matou",
                       "PrivateTmp": "yes", "DevicePolicy": "closed", "UMask": "0077",
                       "CapabilityBoundingSet": ""}.items():
        assert service.get(key) == value, key
    assert "EDGE_DEVICE_DATA_DIR=/var/lib/matou" in values(unit, "Service", "Environment")
    devices = {v.split()[0] for v in values(unit, "Service", "DeviceAllow")}
    assert devices == {"char-video4linux", "char-media", "char-dma_heap", "char-usb", "char-usb_device",
                       "char-ttyUSB", "char-ttyACM", "char-ttyAMA"}
    assert "PrivateDevices" not in service  # would hide the camera and printers


def test_device_classes_have_their_drivers_loaded_at_boot():
    modules = {line.strip() for line in (HARDWARE / "modules-load.d/matou.conf").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert modules == {"usblp", "cdc_acm", "usbserial", "uvcvideo"}


@pytest.mark.parametrize("name", ["matou-kiosk.service", "matou-kiosk-web.service"])
def test_kiosk_sessions_own_tty1_and_restart(name):
    unit = parse_unit(UNIT_DIR / name)
    service = dict(unit["Service"])
    assert service["TTYPath"] == "/dev/tty1" and service["Restart"] == "always"
    assert service["PAMName"] == "matou-kiosk" and service["User"] == "matou-kiosk"
    assert "getty@tty1.service" in " ".join(values(unit, "Unit", "Conflicts"))
    assert exec_argv(UNIT_DIR / name)[0][1:3] == ["/usr/bin/cage", "--"]
    pam = (HARDWARE / "kiosk/pam-matou-kiosk").read_text()
    assert re.search(r"^session\s+required\s+pam_systemd\.so", pam, re.M)


def test_terminal_kiosk_runs_the_ui_in_foot_with_the_shipped_config():
    argv = exec_argv(UNIT_DIR / "matou-kiosk.service")[0]
    assert argv[3] == "/usr/bin/foot" and "--config=/etc/matou/foot.ini" in argv
    assert argv[argv.index("/opt/matou/venv/bin/edge") + 1] == "ui"


def test_foot_accepts_the_kiosk_config():
    result = subprocess.run([tool("foot"), "--check-config", f"--config={HARDWARE / 'kiosk/foot.ini'}"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Noto Sans Mono CJK" in (HARDWARE / "kiosk/foot.ini").read_text()


def test_backup_timer_runs_the_backup_nightly():
    timer = parse_unit(UNIT_DIR / "matou-backup.timer")
    assert values(timer, "Timer", "Persistent") == ["yes"]
    (calendar,) = values(timer, "Timer", "OnCalendar")
    result = subprocess.run([tool("systemd-analyze"), "calendar", calendar], capture_output=True, text=True)
    assert result.returncode == 0 and "Next elapse" in result.stdout, result.stderr
    backup = parse_unit(UNIT_DIR / "matou-backup.service")
    assert dict(backup["Service"])["Type"] == "oneshot"
    assert exec_argv(UNIT_DIR / "matou-backup.service")[0][1:4] == ["/opt/matou/venv/bin/edge", "backup", "--config"]
