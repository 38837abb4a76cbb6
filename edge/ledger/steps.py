"""The object that runs a business step: the core's one write lock and one transaction.

`step()` is what every writer uses; `reading()` holds the same lock without a transaction, for
reads that must not interleave with a step on the shared connection. `publish` announces what a
step did (the core's event bus) once the step has committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlite_utils

Publish = Callable[[str, dict], None]


class Ledger:
    """The device's store as capabilities see it: the connection, the write lock, publish."""

    def __init__(self, db: sqlite_utils.Database, write_lock: threading.Lock, publish: Publish) -> None:
        self.db = db
        self.write_lock = write_lock
        self.publish = publish

    @contextmanager
    def step(self) -> Iterator[sqlite_utils.Database]:
        """A business step: the write lock held and one transaction; commits on success."""
        with self.write_lock, self.db.atomic():
            yield self.db

    @contextmanager
    def reading(self) -> Iterator[sqlite_utils.Database]:
        """Reads under the write lock (the connection is shared between threads), no transaction."""
        with self.write_lock:
            yield self.db
