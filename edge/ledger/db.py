"""SQLite connection factory: every connection the device opens gets the same pragmas.

WAL + synchronous=FULL: an acknowledged commit survives power loss (WAL + NORMAL does not).
foreign_keys=ON and a busy_timeout so that a second connection waits instead of failing.
The database holds keys and PIN hashes: its dir is made 0700 and its files 0600, whatever the
umask (edge/protocol/private_files.py).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from edge.protocol.private_files import create_private, private_dir, private_sqlite

BUSY_TIMEOUT_MS = 5000
REQUIRED_PRAGMAS = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": BUSY_TIMEOUT_MS}


class StorageError(RuntimeError):
    """The database cannot take writes (disk full, read-only, corrupt); says what to do."""


def open_connection(path: str | Path) -> sqlite3.Connection:
    """A raw sqlite3 connection with the device pragmas set and checked."""
    path = Path(path)
    private_dir(path.parent)
    create_private(path)  # 0600 before SQLite writes a byte (its -wal and -shm take the same mode)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode.lower() != "wal":
        conn.close()
        raise StorageError(f"{path}: could not switch to WAL journal (got {mode}); is the directory writable?")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    check_pragmas(conn)
    private_sqlite(path)  # files made by an older version, or under another umask
    return conn


class LockedDatabase(sqlite_utils.Database):
    """A Database whose outermost atomic() holds the core's one write lock.

    Background workers (sync, printing) write through their own connections; taking the same
    in-process lock as the order path keeps SQLite's busy handler — which sleeps in steps of
    1, 2, 5, 10 … ms — out of the order commit's latency."""

    def __init__(self, conn: sqlite3.Connection, write_lock: threading.Lock) -> None:
        super().__init__(conn)
        self.write_lock = write_lock

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:  # nested: a savepoint inside the transaction we hold
            with super().atomic() as db:
                yield db
            return
        with self.write_lock, super().atomic() as db:
            yield db


def connect(path: str | Path, write_lock: threading.Lock | None = None) -> sqlite_utils.Database:
    """The sqlite-utils Database used everywhere in the core; with `write_lock`, every write
    transaction holds that lock (see LockedDatabase)."""
    conn = open_connection(path)
    return LockedDatabase(conn, write_lock) if write_lock is not None else sqlite_utils.Database(conn)


def pragmas(conn: sqlite3.Connection) -> dict[str, object]:
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in REQUIRED_PRAGMAS}


def check_pragmas(conn: sqlite3.Connection) -> None:
    actual = pragmas(conn)
    wrong = {k: v for k, v in actual.items() if str(v).lower() != str(REQUIRED_PRAGMAS[k]).lower()}
    if wrong:
        raise StorageError(f"connection pragmas are wrong: {wrong}, expected {REQUIRED_PRAGMAS}")


def quick_check(db: sqlite_utils.Database) -> str:
    """'ok' or the first problem PRAGMA quick_check reports."""
    return str(db.execute("PRAGMA quick_check").fetchone()[0])


def describe_error(error: sqlite3.Error) -> str:
    """A message a technician can act on, for errors that mean 'cannot write'."""
    text = str(error).lower()
    if "full" in text:
        return "the disk is full: the order was NOT saved. Free space on the device, then retry."
    if "readonly" in text or "read-only" in text:
        return "the database is read-only: the order was NOT saved. Check the SD card / permissions."
    if "locked" in text or "busy" in text:
        return "the database is busy: the order was NOT saved. Retry in a moment."
    return f"database error: {error}. The order was NOT saved."
