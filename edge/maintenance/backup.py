"""Database backup: `VACUUM INTO` a numbered file, verify it, keep the newest N.

- The live database is opened read-only (`mode=ro`): the backup reads it inside one read
  transaction (WAL lets the core keep writing meanwhile) and never writes to it.
- `VACUUM INTO` writes a compact, self-contained copy (rollback journal, no -wal file) to a
  `.partial` name; the copy is fsynced, checked with `PRAGMA quick_check`, and only then renamed
  to its final name. A copy that fails the check is deleted and the old backups are kept.
- Names are `edge-<seq>-<UTC time>.sqlite`. Rotation orders by the sequence number, never by
  the clock: a Pi has no battery clock, and a boot with a wrong time must not make the newest
  backup look like the oldest one.
- A full disk stops the kitchen, so a backup that would leave less than `reserve_bytes` free
  is refused (after dropping the backups that rotation would drop anyway).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path

from edge.protocol.private_files import private_dir

BACKUP_RE = re.compile(r"^edge-(\d{6,})-(\d{8}T\d{6}Z)\.sqlite$")
PARTIAL_SUFFIX = ".partial"
RESERVE_BYTES = 64 * 1024 * 1024
DEFAULT_KEEP = 7


class BackupError(RuntimeError):
    """The backup was not made; the message says why and what to do."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    seq: int
    taken: str  # UTC, as in the name: 20250101T033000Z

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    check: str
    kept: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def list_backups(backup_dir: str | Path) -> list[BackupFile]:
    """Backups in a directory, oldest first (by sequence number). Other files are ignored."""
    found = []
    directory = Path(backup_dir)
    if not directory.is_dir():
        return []
    for entry in directory.iterdir():
        match = BACKUP_RE.match(entry.name)
        if match and entry.is_file():
            found.append(BackupFile(entry, int(match.group(1)), match.group(2)))
    return sorted(found, key=lambda item: item.seq)


def rotate(backup_dir: str | Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns the deleted paths."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    backups = list_backups(backup_dir)
    doomed = [item.path for item in backups[:-keep]] if len(backups) > keep else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync_file(path)
    except OSError:  # pragma: no cover - some filesystems refuse directory fsync
        pass


def quick_check(path: Path) -> str:
    """'ok' or the first problem SQLite reports for a backup file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    except sqlite3.DatabaseError as error:
        return f"not a readable database: {error}"
    finally:
        conn.close()


def _live_size(db_path: Path) -> int:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def _make_room(backup_dir: Path, needed: int, keep: int, reserve_bytes: int) -> list[Path]:
    """Drop backups that rotation would drop anyway if the copy would eat into the reserve."""
    removed: list[Path] = []
    if shutil.disk_usage(backup_dir).free - needed >= reserve_bytes:
        return removed
    removed = rotate(backup_dir, max(keep - 1, 1))
    free = shutil.disk_usage(backup_dir).free
    if free - needed < reserve_bytes:
        raise BackupError(
            f"not enough free space in {backup_dir}: {free // 2**20} MiB free, the copy needs up to "
            f"{needed // 2**20} MiB and {reserve_bytes // 2**20} MiB must stay free for orders. "
            "Free space, or back up to another disk with --dir.")
    return removed


def backup_database(db_path: str | Path, backup_dir: str | Path, keep: int = DEFAULT_KEEP,
                    now: datetime | None = None, reserve_bytes: int = RESERVE_BYTES) -> BackupResult:
    """Make one verified backup of `db_path` in `backup_dir` and keep the newest `keep`."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    db_path, backup_dir = Path(db_path), Path(backup_dir)
    if not db_path.is_file():
        raise BackupError(f"{db_path}: no database to back up (has the core ever run with this config?)")
    private_dir(backup_dir)
    for stale in backup_dir.glob(f"edge-*.sqlite{PARTIAL_SUFFIX}"):
        stale.unlink(missing_ok=True)  # left by a backup that was killed half-way
    removed = _make_room(backup_dir, _live_size(db_path), keep, reserve_bytes)

    existing = list_backups(backup_dir)
    seq = existing[-1].seq + 1 if existing else 1
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = backup_dir / f"edge-{seq:06d}-{stamp}.sqlite"
    partial = final.with_name(final.name + PARTIAL_SUFFIX)

    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        source.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"VACUUM INTO {partial} failed: {error}") from None
    finally:
        source.close()

    os.chmod(partial, 0o600)
    _fsync_file(partial)
    check = quick_check(partial)
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy of {db_path} failed PRAGMA quick_check ({check}); "
                          "older backups were kept. Run `PRAGMA quick_check` on the live database.")
    os.replace(partial, final)
    _fsync_dir(backup_dir)
    removed += rotate(backup_dir, keep)
    kept = [item.path for item in list_backups(backup_dir)]
    return BackupResult(final, final.stat().st_size, check, kept, removed)
