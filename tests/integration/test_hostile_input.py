"""Hostile menu text never reaches a printer as commands; a full disk refuses orders clearly."""

from __future__ import annotations

import re
import tomllib

import pytest

from edge.core.service import EdgeService
from edge.ledger.db import StorageError
from edge.demo.setup import MENU_FILE
from edge.menu import menu_from_dict
from edge.printer.sanitize import clean_text
from tests.conftest import make_config

ESC_SEQUENCES = re.compile(rb"\x1b[@!EadBt]|\x1dV|\x1d!|\x1c[&.]|\x10\x04")


HOSTILE_NAME = "虾饺\x1b@\x1dV\x00\x10\x04\x01皇"  # reset, cut, NUL, status query
HOSTILE_NOTE = "少辣\x1b!\x30\x1bB\x09\x09"  # double size, beep


def menu_with(name: str, note: str, version: str):
    doc = tomllib.loads(MENU_FILE.read_text(encoding="utf-8"))
    doc["version"] = version
    next(i for i in doc["items"] if i["id"] == "har_gow")["zh"] = name
    doc["note_chips"][0]["zh"] = note
    return menu_from_dict(doc)


def ticket_bytes(tmp_path, menu) -> bytes:
    service = EdgeService(make_config(tmp_path, {"dimsum": 1})).open(start_printing=False)
    try:
        service.import_menu(menu)
        order, _ = service.place_order({"client_token": "h", "table": "7", "lines": [
            {"item_id": "har_gow", "qty": 1, "notes": ["less_spicy"]}]})
        payload = service.db.execute("SELECT payload FROM print_jobs WHERE order_id = ?", [order["id"]]).fetchall()
        return re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d", b"<time>", payload[0][0])
    finally:
        service.close()


def test_control_bytes_in_menu_names_print_as_text(tmp_path):
    hostile = ticket_bytes(tmp_path / "a", menu_with(HOSTILE_NAME, HOSTILE_NOTE, "hostile"))
    printable = ticket_bytes(tmp_path / "b", menu_with(clean_text(HOSTILE_NAME), clean_text(HOSTILE_NOTE), "clean"))
    assert hostile == printable  # byte for byte what the name without its control bytes prints
    assert "虾饺".encode("gb18030") in hostile
    assert ESC_SEQUENCES.findall(hostile).count(b"\x1b@") == 1  # only our own init
    assert ESC_SEQUENCES.findall(hostile).count(b"\x1dV") == 1  # only our own cut


def test_full_disk_refuses_with_a_clear_message_and_stores_nothing(tmp_path):
    service = EdgeService(make_config(tmp_path / "data")).open(start_printing=False)
    try:
        pages = service.db.execute("PRAGMA page_count").fetchone()[0]
        service.db.execute(f"PRAGMA max_page_count = {pages}")  # the database can grow no further
        big = {"client_token": "full", "lines": [{"item_id": i, "qty": 1} for i in
                                                ("har_gow", "siu_mai", "char_siu_bao", "milk_tea")] * 10}
        with pytest.raises(StorageError, match="disk is full: the order was NOT saved"):
            for n in range(200):
                service.place_order({**big, "client_token": f"full-{n}"})
        service.db.execute("PRAGMA max_page_count = 1073741823")
        orders = service.db.execute("SELECT count(*) FROM orders").fetchone()[0]
        events = service.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        jobs = service.db.execute("SELECT count(DISTINCT order_id) FROM print_jobs").fetchone()[0]
        assert orders == events == jobs  # nothing half-written
        service.place_order({**big, "client_token": "after"})  # space again: orders flow again
    finally:
        service.close()


def test_no_menu_is_a_clear_refusal(tmp_path):
    config = make_config(tmp_path / "data")
    config = type(config)(device=config.device, core=config.core, ui=config.ui,
                          menu=type(config.menu)(file=""), source=config.source)
    service = EdgeService(config).open(start_printing=False)
    try:
        with pytest.raises(StorageError, match="no menu on this device"):
            service.place_order({"client_token": "x", "lines": [{"item_id": "har_gow"}]})
        service.import_menu(menu_with("虾饺", "少辣", "v2"))  # once a menu arrives, orders flow
        assert service.place_order({"client_token": "x", "lines": [{"item_id": "har_gow"}]})[1]
    finally:
        service.close()
