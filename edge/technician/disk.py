"""Free space in the data dir, and when it runs low: what can be deleted, with sizes.

A full disk stops orders (SQLite cannot commit) — the doctor says so and names what to delete:
old backups (all but the newest), log files, support bundles, half-written backups, the demo's
ticket images, and the systemd journal (`journalctl --vacuum-size`). The database itself and
the key directory are never on the list.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edge.maintenance.backup import list_backups

MIB = 2**20
DEFAULT_MIN_FREE_MIB = 256


@dataclass(frozen=True)
class Deletable:
    what: str
    path: Path
    size: int
    how: str  # the command or action that frees it


def human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover


def _size(path: Path) -> int:
    try:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def deletables(data_dir: Path, extra_log_dirs: tuple[Path, ...] = ()) -> list[Deletable]:
    """What a technician may delete to free space, biggest first."""
    found: list[Deletable] = []
    backups = list_backups(data_dir / "backups")
    old = backups[:-1]
    if old:
        size = sum(_size(b.path) for b in old)
        found.append(Deletable(f"{len(old)} old backup(s) (the newest is kept)", data_dir / "backups", size,
                               "`edge backup --keep 1` (or delete the oldest edge-*.sqlite in the folder)"))
    partial = [p for p in (data_dir / "backups").glob("*.partial")] if (data_dir / "backups").is_dir() else []
    if partial:
        found.append(Deletable("half-written backup(s)", data_dir / "backups", sum(_size(p) for p in partial),
                               "delete the *.partial files"))
    for logs in (data_dir / "logs", *extra_log_dirs):
        files = sorted(logs.glob("*.log*")) if logs.is_dir() else []
        if files:
            found.append(Deletable(f"{len(files)} log file(s)", logs, sum(_size(p) for p in files),
                                   f"delete or truncate the files in {logs} (`edge logs export` first)"))
    bundles = sorted(data_dir.glob("matou-support-*.tar.gz")) + sorted(Path.cwd().glob("matou-support-*.tar.gz"))
    if bundles:
        found.append(Deletable(f"{len(bundles)} support bundle(s)", bundles[0].parent, sum(_size(p) for p in bundles),
                               "delete matou-support-*.tar.gz once sent"))
    for folder in ("tickets", "snapshots"):
        if (data_dir / folder).is_dir():
            found.append(Deletable(f"{folder} (demo / simulator output)", data_dir / folder,
                                   _size(data_dir / folder), f"delete {data_dir / folder}"))
    if Path("/var/log/journal").is_dir():
        found.append(Deletable("systemd journal", Path("/var/log/journal"), _size(Path("/var/log/journal")),
                               "`sudo journalctl --vacuum-size=50M`"))
    return sorted((d for d in found if d.size > 0), key=lambda d: -d.size)


def disk_check(data_dir: Path, db_path: Path, min_free_mib: int = DEFAULT_MIN_FREE_MIB,
               usage: Callable[[Path], tuple] = shutil.disk_usage,
               extra_log_dirs: tuple[Path, ...] = ()) -> tuple[bool, str, str]:
    """(ok, detail, fix) for the data dir's file system."""
    where = _existing(data_dir)
    total, _, free = usage(where)[:3]
    detail = f"{human(free)} free of {human(total)} in {where}"
    if free >= min_free_mib * MIB:
        return True, detail, ""
    full = free < 4 * MIB
    head = ("the disk is FULL: orders cannot be saved" if full else
            f"under {min_free_mib} MiB free: orders stop when it is full")
    items = deletables(data_dir, extra_log_dirs)
    if items:
        names = "; ".join(f"{d.what}: {human(d.size)} in {d.path} — {d.how}" for d in items[:5])
        fix = f"free space: {names}. Never delete {db_path.name} or the keys folder."
    else:
        fix = (f"nothing of Matou's is big here (database {human(_size(db_path))}): find what fills the disk "
               f"with `sudo du -xh / | sort -h | tail -20`. Never delete {db_path.name} or the keys folder.")
    return False, f"{head}; {detail}", fix
