"""hardware/setup.sh: dry runs change nothing, scratch-root installs are complete and idempotent,
uninstall keeps the data unless --purge. Runs the real script with bash; no mocks."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from hw_helpers import SETUP, SYSTEM_PLACES, UNITS, VENV, diff, run_setup, snapshot

UNIT_NAMES = [p.name for p in UNITS]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def wants(root: Path) -> set[str]:
    return {p.name for p in (root / "etc/systemd/system").glob("*.wants/*")}


def os_release(root: Path, ident: str, version: str) -> None:
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/os-release").write_text(f'PRETTY_NAME="Test {ident} {version}"\nID={ident}\nVERSION_ID="{version}"\n')


def test_dry_run_on_this_machine_prints_the_plan_and_changes_nothing():
    """The contract: `bash hardware/setup.sh --dry-run` on this Debian machine. Run as nobody when
    the tests run as root, so that a broken dry run fails here instead of changing this machine."""
    before = snapshot(*SYSTEM_PLACES)
    result = run_setup("--dry-run", user="nobody" if os.geteuid() == 0 else None)
    assert diff(before, snapshot(*SYSTEM_PLACES)) == []
    out = result.stdout
    for section in ("Plan", "Debian packages", "Users", "Directories", "App", "Config", "System files", "Services"):
        assert f"==> {section}" in out
    assert "dry run done: nothing was changed" in out
    for unit in ("matou-core.service", "matou-backup.timer"):
        assert f"/etc/systemd/system/{unit}" in out or f"{unit} enabled" in out
    assert not [line for line in out.splitlines() if line.startswith("    +")], "a dry run ran something"


def test_dry_run_in_a_scratch_root_touches_nothing(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    before = snapshot(tmp_path, *SYSTEM_PLACES)
    result = run_setup("--dry-run", "--root", str(root), "--app-venv", str(VENV))
    assert diff(before, snapshot(tmp_path, *SYSTEM_PLACES)) == []
    assert list(root.iterdir()) == []
    for name in UNIT_NAMES:
        assert f"[dry-run] write {root}/etc/systemd/system/{name}" in result.stdout
    assert f"[dry-run] {VENV}/bin/edge init --path {root}/etc/matou/edge.toml" in result.stdout
    assert f"[dry-run] systemctl --root={root} enable matou-core.service" in result.stdout


def test_install_into_a_scratch_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    before = snapshot(*SYSTEM_PLACES)
    result = run_setup("--root", str(root), "--app-venv", str(VENV), "--kiosk", "terminal")
    assert diff(before, snapshot(*SYSTEM_PLACES)) == [], "a --root install wrote outside the root"

    for name in UNIT_NAMES:
        unit = root / "etc/systemd/system" / name
        assert unit.is_file() and mode(unit) == 0o644
    for path in ("etc/udev/rules.d/70-matou-printers.rules", "etc/udev/rules.d/70-matou-camera.rules",
                 "etc/modules-load.d/matou.conf", "etc/systemd/journald.conf.d/60-matou.conf",
                 "etc/pam.d/matou-kiosk", "etc/matou/foot.ini", "opt/matou/share/printers.toml"):
        assert (root / path).is_file(), path
    assert not (root / "etc/systemd/journald.conf.d/61-matou-volatile.conf").exists()
    assert mode(root / "usr/local/bin/edge") == 0o755
    assert mode(root / "opt/matou/bin/matou-web-kiosk") == 0o755
    assert mode(root / "var/lib/matou") == 0o700
    assert mode(root / "var/lib/matou/keys") == 0o700
    assert mode(root / "var/lib/matou/backups") == 0o700
    config = (root / "etc/matou/edge.toml").read_text()
    assert 'data_dir = "/var/lib/matou"' in config
    assert wants(root) == {"matou-core.service", "matou-backup.timer", "matou-kiosk.service"}
    assert (f"ExecStart=/usr/bin/env {VENV}/bin/edge core"
            in (root / "etc/systemd/system/matou-core.service").read_text())
    assert "skip: user matou" in result.stdout

    from edge.config import load_config

    assert str(load_config(root / "etc/matou/edge.toml", environ={}).db_path) == "/var/lib/matou/edge.sqlite"


def test_second_run_changes_nothing(tmp_path):
    run_setup("--root", str(tmp_path), "--app-venv", str(VENV))
    first = snapshot(tmp_path)
    result = run_setup("--root", str(tmp_path), "--app-venv", str(VENV))
    assert diff(first, snapshot(tmp_path)) == []
    assert [line for line in result.stdout.splitlines() if line.startswith("    +")] == []
    assert "ok: /etc/systemd/system/matou-core.service unchanged" in result.stdout
    assert "ok: /etc/matou/edge.toml exists (kept as it is)" in result.stdout


def test_rerun_repairs_modes_and_keeps_the_technicians_config(tmp_path):
    run_setup("--root", str(tmp_path), "--app-venv", str(VENV))
    key = tmp_path / "var/lib/matou/keys/device.key"
    key.write_text("secret")
    key.chmod(0o644)
    (tmp_path / "var/lib/matou").chmod(0o755)
    config = tmp_path / "etc/matou/edge.toml"
    config.write_text('[device]\nname = "counter-7"\n')
    foot = tmp_path / "etc/matou/foot.ini"
    foot.write_text("[main]\nfont=Noto Sans Mono CJK SC:size=13\n")
    unit = tmp_path / "etc/systemd/system/matou-core.service"
    unit.write_text("edited by hand\n")
    run_setup("--root", str(tmp_path), "--app-venv", str(VENV))
    assert "size=13" in foot.read_text()
    assert mode(key) == 0o600
    assert mode(tmp_path / "var/lib/matou") == 0o700
    assert config.read_text() == '[device]\nname = "counter-7"\n'
    assert "ExecStart=" in unit.read_text()


def test_switching_the_kiosk_mode_and_volatile_logs(tmp_path):
    run_setup("--root", str(tmp_path), "--app-venv", str(VENV), "--kiosk", "terminal")
    run_setup("--root", str(tmp_path), "--app-venv", str(VENV), "--kiosk", "web", "--volatile-logs")
    assert wants(tmp_path) == {"matou-core.service", "matou-backup.timer", "matou-ui-web.service",
                               "matou-kiosk-web.service"}
    assert (tmp_path / "etc/systemd/journald.conf.d/61-matou-volatile.conf").is_file()
    run_setup("--root", str(tmp_path), "--app-venv", str(VENV), "--kiosk", "none")
    assert wants(tmp_path) == {"matou-core.service", "matou-backup.timer"}
    assert not (tmp_path / "etc/systemd/journald.conf.d/61-matou-volatile.conf").exists()


def test_uninstall_keeps_config_and_data_and_purge_removes_them(tmp_path):
    run_setup("--root", str(tmp_path), "--app-venv", str(VENV))
    database = tmp_path / "var/lib/matou/edge.sqlite"
    database.write_bytes(b"orders")
    before = snapshot(tmp_path)
    run_setup("--root", str(tmp_path), "--uninstall", "--dry-run")
    assert diff(before, snapshot(tmp_path)) == []

    result = run_setup("--root", str(tmp_path), "--uninstall")
    assert "kept /etc/matou/edge.toml" in result.stdout
    assert database.read_bytes() == b"orders"
    assert (tmp_path / "etc/matou/edge.toml").is_file()
    assert not (tmp_path / "opt/matou").exists()
    assert not (tmp_path / "usr/local/bin/edge").exists()
    assert not list((tmp_path / "etc/systemd/system").glob("matou-*"))
    assert wants(tmp_path) == set()
    assert not list((tmp_path / "etc/udev/rules.d").iterdir())

    run_setup("--root", str(tmp_path), "--uninstall", "--purge")
    assert not (tmp_path / "var/lib/matou").exists()
    assert not (tmp_path / "etc/matou").exists()


@pytest.mark.parametrize("version, zbar", [("12", "libzbar0"), ("13", "libzbar0t64")])
def test_package_names_follow_the_debian_release(tmp_path, version, zbar):
    os_release(tmp_path, "debian", version)
    result = run_setup("--dry-run", "--root", str(tmp_path), "--no-app")
    (line,) = [line for line in result.stdout.splitlines() if "apt-get install" in line]
    packages = line.split("--no-install-recommends", 1)[1].split()
    assert zbar in packages
    assert {"fonts-noto-cjk", "cage", "foot", "libusb-1.0-0", "python3-venv", "fake-hwclock"} <= set(packages)


def test_refuses_32_bit_raspberry_pi_os(tmp_path):
    os_release(tmp_path, "raspbian", "12")
    result = run_setup("--dry-run", "--root", str(tmp_path), "--no-app", check=False)
    assert result.returncode != 0 and "64-bit" in result.stderr


def test_root_mode_refuses_to_build_a_venv_inside_the_root(tmp_path):
    result = run_setup("--root", str(tmp_path), check=False)
    assert result.returncode != 0 and "--app-venv" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_real_install_needs_root(tmp_path):
    """Without --dry-run or --root, a non-root user is refused before anything happens."""
    user = "nobody" if os.geteuid() == 0 else None
    result = run_setup("--no-app", check=False, user=user)
    assert result.returncode != 0 and "run as root" in result.stderr


def test_unknown_option_is_refused():
    result = run_setup("--dry-runn", check=False)
    assert result.returncode != 0 and "unknown option" in result.stderr


def test_help_lists_every_option():
    out = run_setup("--help").stdout
    script = SETUP.read_text()
    for option in ("--dry-run", "--uninstall", "--purge", "--kiosk", "--root", "--prefix", "--volatile-logs",
                   "--app-venv", "--no-app", "--wheel", "--source", "--picamera", "--no-start", "--no-packages"):
        assert option in out, f"{option} missing from --help"
        assert re.search(rf"^\s+{re.escape(option)}\)", script, re.M), f"{option} not parsed"


def test_an_app_venv_is_used_as_it_is(tmp_path):
    """--app-venv never installs into the given venv (here: the one running these tests)."""
    site = next((VENV / "lib").glob("python3*/site-packages"))
    before = snapshot(site)
    result = run_setup("--root", str(tmp_path), "--app-venv", str(VENV), "--kiosk", "web")
    assert diff(before, snapshot(site)) == []
    assert "pip install" not in "\n".join(line for line in result.stdout.splitlines() if line.startswith("    +"))


def test_the_install_sets_the_upstream_allow_list_and_pinned_key(tmp_path):
    """--upstream / --upstream-key go to [upstream] of a new config (docs/technician.md "Enrollment")."""
    key = "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
    run_setup("--root", str(tmp_path), "--app-venv", str(VENV), "--kiosk", "none",
              "--upstream", "https://up.example.com", "--upstream", "https://backup.example.com:8443/matou",
              "--upstream-key", key)
    from edge.config import load_config

    upstream = load_config(tmp_path / "etc/matou/edge.toml", environ={}).upstream
    assert upstream.allowed_urls == ("https://up.example.com", "https://backup.example.com:8443/matou")
    assert upstream.public_key == key
    again = run_setup("--root", str(tmp_path), "--app-venv", str(VENV), "--kiosk", "none",
                      "--upstream", "https://other.example.com")
    assert "set the upstream allow-list and key in its [upstream] section by hand" in again.stderr
    assert load_config(tmp_path / "etc/matou/edge.toml", environ={}).upstream == upstream  # kept as it is
