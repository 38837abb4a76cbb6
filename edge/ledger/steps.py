"""The object that runs a business step: the core's one write lock and one transaction.

`step()` is what every writer uses; `reading()` holds the same lock without a transaction, for
reads that must not interleave with a step on the shared connection. `publish` announces what a
step did (the core's event bus) once the step has committed. `clock` stamps the steps;
`connect()` opens a connection of its own for a worker thread, whose writes take the same lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from edge.ledger.clock import Clock, Instant
from edge.ledger.db import StorageError, connect

Publish = Callable[[str, dict[str, Any]], None]


class Ledger:
    """The device's store as capabilities see it: the connection, the write lock, publish, the clock."""

    def __init__(self, db: sqlite_utils.Database, write_lock: threading.Lock, publish: Publish, *,
                 clock: Clock | None = None, path: str | Path | None = None) -> None:
        self.db: sqlite_utils.Database | None = db
        self.write_lock = write_lock
        self.publish = publish
        self.clock = clock or Clock()
        self.path = path

    @contextmanager
    def step(self) -> Iterator[sqlite_utils.Database]:
        """A business step: the write lock held and one transaction; commits on success."""
        with self.write_lock, self.database().atomic() as db:
            yield db

    @contextmanager
    def reading(self) -> Iterator[sqlite_utils.Database]:
        """Reads under the write lock (the connection is shared between threads), no transaction."""
        with self.write_lock:
            yield self.database()

    def database(self) -> sqlite_utils.Database:
        """The shared connection; StorageError once the ledger is closed."""
        if self.db is None:
            raise StorageError("the device's database is closed: the core is stopping")
        return self.db

    def now(self) -> tuple[Instant, str]:
        """This instant and the business day it belongs to."""
        at = self.clock.now()
        return at, self.clock.business_day(at.local)

    def connect(self) -> sqlite_utils.Database:
        """A connection of its own (for a worker thread): every write on it takes the write lock."""
        if self.path is None:
            raise ValueError("this ledger was made without the database path")
        return connect(self.path, self.write_lock)

    @property
    def closed(self) -> bool:
        return self.db is None

    def close(self) -> None:
        """Close the shared connection once no step holds it (a worker thread may be in one while
        the core stops); later steps fail (a stopped core writes nothing)."""
        with self.write_lock:
            if self.db is not None:
                self.db.close()
                self.db = None
