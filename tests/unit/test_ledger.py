"""The ledger's steps and stored rows: a closed ledger refuses work, change tickets take missing fields."""

from __future__ import annotations

import threading

import pytest

from edge.ledger.db import StorageError, connect
from edge.ledger.menu_store import save_menu
from edge.ledger.migrations import migrate
from edge.ledger.placement import place_order
from edge.ledger.print_jobs import get_job, queue_change_tickets
from edge.ledger.staff import check_staff_pin
from edge.ledger.steps import Ledger


@pytest.fixture
def ledger(tmp_path):
    lock = threading.Lock()
    db = connect(tmp_path / "ledger.sqlite")  # the shared connection: Ledger.step() takes the lock
    migrate(db)
    ledger = Ledger(db, lock, lambda kind, doc: None, path=tmp_path / "ledger.sqlite")
    yield ledger
    ledger.close()


def test_a_closed_ledger_refuses_steps_and_reads_with_storage_error(ledger):
    ledger.close()
    assert ledger.closed
    with pytest.raises(StorageError, match="closed"):
        with ledger.step():
            pass
    with pytest.raises(StorageError, match="closed"):
        with ledger.reading():
            pass
    with pytest.raises(StorageError, match="closed"):
        check_staff_pin(ledger, "s1", "1234")
    ledger.close()  # closing twice is harmless


def test_change_tickets_take_lines_without_options_or_notes(ledger, config, demo_menu):
    """Lines read back from storage may hold None (or nothing) for options and notes."""
    with ledger.step() as db:
        save_menu(db, demo_menu)
    with ledger.step() as db:
        placed = place_order(db, config, demo_menu, ledger.clock, {
            "client_token": "t1", "lines": [{"item_id": "har_gow", "qty": 1}]})
        station = db.execute("SELECT station_id FROM order_lines WHERE order_id = ?", [placed.order_id]).fetchone()[0]
        at, day = ledger.now()
        jobs = queue_change_tickets(db, config, demo_menu, placed.order_id, "void", [
            {"name_zh": "虾饺", "station_id": station, "qty": 1, "options": None, "notes": None},
            {"name": "凤爪", "station_id": station, "qty": 2}], at, day, reason="客人取消")
    assert len(jobs) == 1
    with ledger.reading() as db:
        job = get_job(db, jobs[0])
    assert job is not None and job["kind"] == "change" and job["state"] == "attention"
    assert job["ticket"]["lines"] == [{"name": "虾饺", "qty": 1, "options": [], "notes": []},
                                      {"name": "凤爪", "qty": 2, "options": [], "notes": []}]


def test_get_job_is_none_for_an_unknown_job(ledger):
    with ledger.reading() as db:
        assert get_job(db, "nope") is None

