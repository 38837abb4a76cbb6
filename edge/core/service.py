"""The core service: wires database, menu, event bus and print spool; the one writer.

One service object serves the HTTP API (edge/core/app.py), the CLI and the tests, so that what
the tests drive is what runs on the device.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import tomllib
from pathlib import Path

from edge.cashier.keys import with_code_keys
from edge.cashier.orders import reapply_sold_out
from edge.config import Config
from edge.core.clock import Clock
from edge.core.events import EventBus
from edge.core.menu_store import load_menu, menu_version, save_menu
from edge.core.scanning import ScanService, code_context
from edge.core.placement import Placed, order_view, place_order
from edge.db import StorageError, connect, quick_check
from edge.ledger.steps import Ledger
from edge.menu import Menu, MenuError, menu_from_dict, menu_to_dict
from edge.migrations import migrate
from edge.printer.spool import PrintSpool
from edge.sync.outbox import unsynced_count
from edge.sync.worker import SyncWorker

log = logging.getLogger(__name__)


def read_menu_file(path: str | Path) -> Menu:
    try:
        with open(path, "rb") as handle:
            return menu_from_dict(tomllib.load(handle))
    except tomllib.TOMLDecodeError as error:
        raise MenuError(f"{path}: not valid TOML: {error}") from None
    except MenuError as error:
        raise MenuError(f"{path}: {error}") from None


class EdgeService:
    def __init__(self, config: Config, clock: Clock | None = None):
        from edge.technician.settings import with_settings

        self.config = with_settings(config)  # + the technician screen's <data_dir>/provisioned.toml
        self.clock = clock or Clock()
        self.events = EventBus()
        self._write_lock = threading.Lock()
        self.db = None
        self.ledger: Ledger | None = None
        self.menu: Menu | None = None
        self.spool: PrintSpool | None = None
        self.scanner: ScanService | None = None
        self.sync: SyncWorker | None = None
        self.integrity = "not checked"
        self.cashier = None  # edge.cashier.desk.CashierDesk
        self.payments = None  # edge.payments.manager.PaymentManager

    # -- life cycle -------------------------------------------------------------------------
    def open(self, start_printing: bool = True) -> "EdgeService":
        self.db = connect(self.config.db_path)
        migrate(self.db)
        self.ledger = Ledger(self.db, self._write_lock, self.events.publish)
        self.integrity = quick_check(self.db)
        if self.integrity != "ok":
            log.error("database quick_check: %s", self.integrity)
        if self.config.menu.file:
            self.import_menu(read_menu_file(self.config.menu.file), only_if_new=True)
        self.menu = load_menu(self.db)
        from edge.payments.manager import PaymentManager

        self.payments = PaymentManager(self)
        if start_printing:
            self.payments.resume()  # start-up order: payments (query, never pay again), printing, sync
        self.spool = PrintSpool(self.config.printers, functools.partial(connect, self.config.db_path),
                                self._print_job_changed, self._write_lock,
                                on_status=lambda state: self.events.publish("printer.status", state))
        if start_printing:
            from edge.core.printing import route_waiting_jobs

            with self._write_lock, self.db.atomic():
                route_waiting_jobs(self.db, self.config)  # stations that got a printer since
            self.spool.start()
        self.scanner = ScanService(self.config.scanner.source, self.config.scanner.fps, self.code_context,
                                   self.events.publish)
        self.sync = SyncWorker(self.config, place_order=self.place_order, import_menu=self.import_menu,
                               on_event=self.events.publish, write_lock=self._write_lock)
        if start_printing:
            self.scanner.start()
            self.sync.start()
        from edge.cashier.desk import CashierDesk
        self.cashier = CashierDesk(self).attach(start=start_printing)
        return self

    def close(self) -> None:
        self.events.close()
        if self.scanner:
            self.scanner.stop()
        if self.spool:
            self.spool.stop()
        if self.sync:
            self.sync.stop()
        if self.cashier:
            self.cashier.stop()
        if self.payments:
            self.payments.stop()
        if self.db is not None:
            self.db.close()
            self.db = None

    # -- menu -------------------------------------------------------------------------------
    def import_menu(self, menu: Menu, only_if_new: bool = False) -> bool:
        with self._write_lock:
            if only_if_new and menu_version(self.db) == menu.version:
                return False
            save_menu(self.db, menu)
            reapply_sold_out(self.db)  # 估清 of this device not synced yet (edge.cashier.orders)
            self.menu = load_menu(self.db)
        self.events.publish("menu.changed", {"version": menu.version})
        return True

    def menu_doc(self) -> dict | None:
        return menu_to_dict(self.menu) if self.menu else None

    # -- orders -----------------------------------------------------------------------------
    def place_order(self, doc: object) -> tuple[dict, bool]:
        """Place an order; returns (order, created). Raises CartError or StorageError."""
        if self.menu is None:
            raise StorageError("no menu on this device yet: import one with `edge menu import FILE`")
        try:
            with self._write_lock:
                placed: Placed = place_order(self.db, self.config, self.menu, self.clock, doc)
                view = order_view(self.db, placed.order_id)
        except sqlite3.Error as error:
            from edge.db import describe_error
            log.error("order not saved: %s", error)
            raise StorageError(describe_error(error)) from error
        if placed.created:
            self.events.publish("order.placed", {"order_id": view["id"], "ticket_no": view["ticket_no"],
                                                 "total": view["total"]})
            for job in view["print_jobs"]:
                if job["state"] == "attention":
                    self.events.publish("print.job", {"job_id": job["id"], "printer": job["printer"],
                                                      "state": job["state"], "error": job["last_error"]})
            if self.spool:
                self.spool.wake()
            if self.sync:
                self.sync.wake()
        return view, placed.created

    def order(self, order_id: str) -> dict | None:
        with self._write_lock:
            return order_view(self.db, order_id)

    def recent_orders(self, limit: int = 20) -> list[dict]:
        with self._write_lock:
            ids = [r[0] for r in self.db.execute(
                "SELECT id FROM orders ORDER BY created_wall_ms DESC, day_seq DESC LIMIT ?", [limit])]
            return [order_view(self.db, i) for i in ids]

    # -- status -----------------------------------------------------------------------------
    def status(self) -> dict:
        with self._write_lock:
            jobs = dict(self.db.execute("SELECT state, count(*) FROM print_jobs GROUP BY state").fetchall())
            unsynced = unsynced_count(self.db)
            orders_today = self.db.execute(
                "SELECT count(*) FROM orders WHERE business_day = ?",
                [self.clock.business_day(self.clock.now().local)]).fetchone()[0]
        return {
            "device": {"name": self.config.device.name, "ticket_prefix": self.config.device.ticket_prefix},
            "database": {"path": str(self.config.db_path), "integrity": self.integrity},
            "menu_version": self.menu.version if self.menu else None,
            "orders_today": orders_today,
            "outbox": {"unsynced": unsynced},
            "print_jobs": jobs,
            "printers": self.spool.printer_states() if self.spool else {},
            "sync": self.sync.status() if self.sync else {"enrolled": False, "state": "not enrolled"},
            "scanner": self.scanner.status() if self.scanner else {"camera": None},
        }

    # -- scanning -----------------------------------------------------------------------------
    def code_context(self):
        """Store id and table keys for classifying scanned codes (called per new code)."""
        with self._write_lock:
            return with_code_keys(self.db, code_context(self.db))

    def _print_job_changed(self, change: dict) -> None:
        self.events.publish("print.job", change)
