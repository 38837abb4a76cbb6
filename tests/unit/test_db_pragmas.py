"""Every connection the device opens has WAL, synchronous=FULL, foreign_keys and busy_timeout."""

from __future__ import annotations

import sqlite3

import pytest

import edge.ledger.db
from edge.core.service import EdgeService
from edge.ledger.db import REQUIRED_PRAGMAS, StorageError, check_pragmas, connect, pragmas
from tests.conftest import make_config


def test_connect_sets_pragmas(tmp_path):
    db = connect(tmp_path / "x.sqlite")
    assert pragmas(db.conn) == REQUIRED_PRAGMAS


def test_check_refuses_a_bare_connection(tmp_path):
    with pytest.raises(StorageError, match="pragmas are wrong"):
        check_pragmas(sqlite3.connect(tmp_path / "bare.sqlite"))


def test_every_connection_the_service_opens(tmp_path, monkeypatch):
    """Spy on the one place the device opens SQLite: every connection the service makes for its
    data dir, its spool workers' included. The pragmas are read in the opening thread, at once:
    a connection is never touched from this thread while its owner uses it (two threads on one
    connection can crash the interpreter), and other tests' leftover threads are not looked at."""
    seen: list[dict[str, object]] = []
    real_open = edge.ledger.db.open_connection
    data = tmp_path / "data"

    def spy(path, *args, **kwargs):
        conn = real_open(path, *args, **kwargs)
        if str(path).startswith(str(data)):
            seen.append(pragmas(conn))
        return conn

    monkeypatch.setattr(edge.ledger.db, "open_connection", spy)
    config = make_config(data, {"dimsum": 1, "kitchen": 1, "bar": 1})
    service = EdgeService(config).open()
    try:
        service.place_order({"client_token": "p", "lines": [{"item_id": "har_gow", "qty": 1}]})
        import time

        deadline = time.monotonic() + 30  # the workers open their own connections when they start
        while len(seen) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(seen) >= 4  # the service's own + one per printer worker
        assert all(found == REQUIRED_PRAGMAS for found in seen), seen
    finally:
        service.close()


def test_foreign_keys_are_enforced(tmp_path):
    from edge.ledger.migrations import migrate

    db = connect(tmp_path / "fk.sqlite")
    migrate(db)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO order_lines (order_id, line_no, item_id, name_zh, name_en, station_id, qty,"
                   " unit_price, total) VALUES ('ghost', 1, 'x', 'x', 'x', 's', 1, 1, 1)")


def test_locked_database_holds_the_write_lock_only_in_its_outermost_transaction(tmp_path):
    import threading

    lock = threading.Lock()
    db = connect(tmp_path / "l.sqlite", write_lock=lock)
    db.execute("CREATE TABLE t (x)")
    with db.atomic():
        assert lock.locked()
        with db.atomic():  # nested: a savepoint, no second acquire (would deadlock)
            db.execute("INSERT INTO t VALUES (1)")
        assert lock.locked()
    assert not lock.locked()
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 1
