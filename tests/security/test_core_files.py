"""The device's files are its user's only, whatever the umask of whoever started it.

edge.sqlite holds the voucher and table keys and the PIN hashes (a 4-digit PIN falls to an
offline search in minutes), upstream.sqlite every store's: a fresh `edge demo` started under
umask 022 must leave nothing group- or world-readable (dirs 0700, files 0600), and the files the
core writes later (provisioned.toml, backups, a database made by an older version) are 0600 too."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from edge.config import load_config
from edge.core.service import EdgeService
from edge.maintenance.backup import backup_database
from edge.technician.settings import save_settings, settings_path
from tests.support import stop_process, free_port, free_port_block, wait_healthy
from tests.technician.helpers import write_config


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes_open_to_others(root: Path) -> dict[str, str]:
    """Every dir and file under `root` (and root) that its group or others may touch: {path: mode}."""
    paths = [root, *root.rglob("*")]
    return {str(p.relative_to(root)): oct(mode(p)) for p in paths if mode(p) & 0o077}


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_fresh_demo_under_umask_022_is_readable_by_its_user_only(tmp_path):
    core_port, upstream_port = free_port(), free_port()
    printer_port = free_port_block(3, avoid=(core_port, upstream_port))
    root = tmp_path / "demo"
    demo = subprocess.Popen([sys.executable, "-m", "edge", "demo", "--dir", str(root), "--no-ui",
                             "--core-port", str(core_port), "--printer-port", str(printer_port),
                             "--upstream-port", str(upstream_port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: os.umask(0o022))
    try:
        wait_healthy(f"http://127.0.0.1:{core_port}/v1/health", demo, 120, "the demo")
        data = root / "data"
        for database in (data / "edge.sqlite", root / "upstream.sqlite"):
            assert database.is_file(), database
            assert mode(database) == 0o600, f"{database}: {oct(mode(database))}"
            assert mode(Path(f"{database}-wal")) == 0o600  # both run in WAL mode: the -wal holds recent writes
        assert mode(data) == 0o700 and mode(root) == 0o700
        assert modes_open_to_others(root) == {}
    finally:
        stop_process(demo, grace_s=60)  # its children stop first; generous for a busy machine
    assert modes_open_to_others(root) == {}


def test_files_the_core_writes_later_are_private_whatever_the_umask(tmp_path, umask_022):
    config_path = write_config(tmp_path / "device")
    data = tmp_path / "device" / "data"
    data.mkdir(mode=0o755)
    (data / "edge.sqlite").touch(mode=0o644)  # a database made by an older version, under umask 022
    service = EdgeService(load_config(config_path, environ={})).open(start_printing=False)
    try:
        save_settings(service.config, {"device": {"name": "counter-2"}})
        backup = backup_database(service.config.db_path, data / "backups")
    finally:
        service.close()
    assert mode(data) == 0o700
    assert mode(data / "edge.sqlite") == mode(settings_path(service.config)) == mode(backup.path) == 0o600
    assert mode(data / "backups") == 0o700
    assert modes_open_to_others(data) == {}
