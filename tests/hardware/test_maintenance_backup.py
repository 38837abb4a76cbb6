"""edge.maintenance.backup and `edge backup`, on real SQLite files in WAL mode."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from datetime import datetime, UTC

import pytest
from click.testing import CliRunner

from edge.ledger.db import open_connection
from edge.maintenance import backup as backup_module
from edge.maintenance.backup import BACKUP_RE, BackupError, backup_database, list_backups, rotate
from edge.maintenance.cli import backup as backup_command


@pytest.fixture
def live(tmp_path):
    """A device database with the device pragmas and some committed orders."""
    path = tmp_path / "data" / "edge.sqlite"
    conn = open_connection(path)
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total_fen INTEGER NOT NULL)")
    conn.executemany("INSERT INTO orders (total_fen) VALUES (?)", [(100 * i,) for i in range(1, 51)])
    conn.commit()
    yield path, conn
    conn.close()


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 3, 30, tzinfo=UTC)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_is_a_verified_self_contained_copy_of_committed_data(live, tmp_path):
    path, conn = live
    conn.execute("BEGIN")
    conn.execute("INSERT INTO orders (total_fen) VALUES (999)")  # not committed while the backup runs
    result = backup_database(path, tmp_path / "backups", keep=7, now=at(1))
    conn.rollback()
    assert result.check == "ok"
    assert result.path.name == "edge-000001-20260301T033000Z.sqlite"
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    copy = sqlite3.connect(result.path)
    assert copy.execute("SELECT count(*), sum(total_fen) FROM orders").fetchone() == (50, 127500)
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no -wal file needed
    copy.close()
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [result.path.name]


def test_backup_never_writes_the_live_database(live, tmp_path):
    """The database and its WAL stay byte for byte the same. (-shm is the shared-memory index that
    every reader, the core's too, updates its read marks in; it holds no data.)"""
    path, conn = live
    files = [path, path.with_name("edge.sqlite-wal")]
    before = {f.name: (digest(f), f.stat().st_mtime_ns) for f in files}
    backup_database(path, tmp_path / "backups", now=at(1))
    assert {f.name: (digest(f), f.stat().st_mtime_ns) for f in files} == before
    conn.execute("INSERT INTO orders (total_fen) VALUES (5)")  # the core keeps writing afterwards
    conn.commit()


def test_rotation_keeps_the_newest_n_and_leaves_other_files_alone(live, tmp_path):
    path, _ = live
    target = tmp_path / "backups"
    target.mkdir()
    (target / "notes.txt").write_text("technician's file")
    results = [backup_database(path, target, keep=3, now=at(day)) for day in range(1, 11)]
    assert [b.seq for b in list_backups(target)] == [8, 9, 10]
    assert results[-1].removed == [results[-4].path]
    assert (target / "notes.txt").read_text() == "technician's file"
    assert sorted(p.name for p in target.iterdir()) == sorted([r.path.name for r in results[-3:]] + ["notes.txt"])


def test_a_clock_jump_back_does_not_delete_the_newest_backup(live, tmp_path):
    """No RTC: the clock may say 2001 after a bad boot. Order is by sequence number, not time."""
    path, _ = live
    backup_database(path, tmp_path / "b", keep=1, now=at(20))
    late = backup_database(path, tmp_path / "b", keep=1, now=datetime(2001, 1, 1, tzinfo=UTC))
    assert [b.path for b in list_backups(tmp_path / "b")] == [late.path]
    assert late.path.name.startswith("edge-000002-2001")


def test_a_copy_that_fails_the_check_is_dropped_and_old_backups_stay(live, tmp_path, monkeypatch):
    path, _ = live
    first = backup_database(path, tmp_path / "b", keep=1, now=at(1))
    monkeypatch.setattr(backup_module, "quick_check", lambda p: "*** in database main *** Page 3: btreeInitPage")
    with pytest.raises(BackupError, match="quick_check"):
        backup_database(path, tmp_path / "b", keep=1, now=at(2))
    assert sorted((tmp_path / "b").iterdir()) == [first.path]


def test_quick_check_reports_a_damaged_file(live, tmp_path):
    path, _ = live
    result = backup_database(path, tmp_path / "b", now=at(1))
    data = bytearray(result.path.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # wreck the second page
    result.path.write_bytes(bytes(data))
    assert backup_module.quick_check(result.path) != "ok"


def test_refuses_to_fill_the_disk(live, tmp_path):
    path, _ = live
    for day in (1, 2, 3):
        backup_database(path, tmp_path / "b", keep=3, now=at(day))
    with pytest.raises(BackupError, match="must stay free for orders"):
        backup_database(path, tmp_path / "b", keep=3, now=at(4), reserve_bytes=2**62)
    # The oldest backup, which rotation would drop anyway, went to make room; no partial file is left.
    assert [b.seq for b in list_backups(tmp_path / "b")] == [2, 3]
    assert not list((tmp_path / "b").glob("*.partial"))


def test_a_stale_partial_file_is_cleaned_up(live, tmp_path):
    path, _ = live
    (tmp_path / "b").mkdir()
    stale = tmp_path / "b" / "edge-000001-20260301T033000Z.sqlite.partial"
    stale.write_bytes(b"half a file")
    result = backup_database(path, tmp_path / "b", now=at(2))
    assert not stale.exists() and result.path.name.startswith("edge-000001-")


def test_missing_database_and_bad_keep(tmp_path):
    with pytest.raises(BackupError, match="no database"):
        backup_database(tmp_path / "none.sqlite", tmp_path / "b")
    with pytest.raises(ValueError):
        rotate(tmp_path, 0)
    assert list_backups(tmp_path / "absent") == []


def test_names_match_the_pattern():
    assert BACKUP_RE.match("edge-000012-20260301T033000Z.sqlite")
    assert not BACKUP_RE.match("edge-12-20260301T033000Z.sqlite")
    assert not BACKUP_RE.match("edge-000012-20260301T033000Z.sqlite.partial")


def write_config(tmp_path, data_dir) -> str:
    config = tmp_path / "edge.toml"
    config.write_text(f'[device]\ndata_dir = "{data_dir}"\n', encoding="utf-8")
    return str(config)


def test_edge_backup_command(live, tmp_path):
    path, _ = live
    config = write_config(tmp_path, path.parent)
    runner = CliRunner()
    for _ in range(3):
        result = runner.invoke(backup_command, ["--config", config, "--keep", "2"], env={"EDGE_CONFIG": None})
        assert result.exit_code == 0, result.output
        assert "quick_check ok" in result.output
    backups = list_backups(path.parent / "backups")
    assert [b.seq for b in backups] == [2, 3]
    listing = runner.invoke(backup_command, ["--config", config, "--list"])
    assert listing.exit_code == 0 and str(backups[-1].path) in listing.output.splitlines()[0]
    other = runner.invoke(backup_command, ["--config", config, "--dir", str(tmp_path / "usb")])
    assert other.exit_code == 0 and len(list_backups(tmp_path / "usb")) == 1


def test_edge_backup_command_failures(tmp_path):
    runner = CliRunner()
    config = write_config(tmp_path, tmp_path / "empty")
    result = runner.invoke(backup_command, ["--config", config])
    assert result.exit_code == 1 and "no database to back up" in result.output
    result = runner.invoke(backup_command, ["--config", config, "--keep", "0"])
    assert result.exit_code == 2
    (tmp_path / "bad.toml").write_text("[device]\ndata_dri = 'x'\n")
    result = runner.invoke(backup_command, ["--config", str(tmp_path / "bad.toml")])
    assert result.exit_code == 1 and "data_dri" in result.output
