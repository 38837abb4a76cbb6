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
    """Spy on sqlite3.connect: all connections made by the service, its spool workers included."""
    opened: list[sqlite3.Connection] = []
    real_connect = sqlite3.connect

    def spy(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        opened.append(conn)
        return conn

    monkeypatch.setattr(edge.ledger.db.sqlite3, "connect", spy)
    config = make_config(tmp_path / "data", {"dimsum": 1, "kitchen": 1, "bar": 1})
    service = EdgeService(config).open()
    try:
        service.place_order({"client_token": "p", "lines": [{"item_id": "har_gow", "qty": 1}]})
        # the workers open their own connections when they start; give them a moment
        import time

        deadline = time.monotonic() + 5
        while len(opened) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(opened) >= 4  # the service's own + one per printer worker
        for conn in opened:
            try:
                assert pragmas(conn) == REQUIRED_PRAGMAS
            except sqlite3.ProgrammingError:  # closed by its owner meanwhile: was checked at open
                pass
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
