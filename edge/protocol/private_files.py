"""Files only the device's own user may read: the data dir 0700, its files 0600, whatever the umask.

The device's database holds the voucher and table keys and the PIN hashes; the upstream's holds
every store's. `private_process()` sets the umask 077 at the start of the core, the demo and the
upstream, and every place that writes under a data dir also sets the modes itself (a caller's
umask of 022 changes nothing): `private_dir` (0700, also fixes an existing dir), `private_file`
(0600 if it exists), `create_private` (a new empty file made 0600 before anything is written to
it), `private_sqlite` (a database and its -wal / -shm / -journal files).
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE, FILE_MODE = 0o700, 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_process() -> int:
    """Files this process creates from now on are its user's only. Returns the old umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: str | Path) -> Path:
    """Create `path` (and missing parents) 0700; an existing `path` of this user is made 0700 too
    (one of another user, e.g. root's, is left as it is: not ours to change)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_uid == os.getuid():
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: str | Path) -> None:
    """Make an existing file of this user 0600 (nothing if it does not exist)."""
    try:
        if os.stat(path).st_uid == os.getuid():
            os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass


def create_private(path: str | Path) -> None:
    """Create `path` empty and 0600 if it does not exist (an existing file is left as it is)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def private_sqlite(path: str | Path) -> None:
    """A SQLite database and the files beside it (-wal, -shm, -journal) made 0600."""
    private_file(path)
    for suffix in SQLITE_SIDE_FILES:
        private_file(f"{path}{suffix}")
