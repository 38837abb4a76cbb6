"""The core service: the wiring. It builds the ledger, the capabilities and the workers.

One service object serves the HTTP API (edge/core/app.py), the CLI and the tests, so that what
the tests drive is what runs on the device. Open: the database (migrated) becomes the `Ledger`;
the payment manager, the cashier desk and the technician desk each get the ledger and the few
things they use (the running config and menu, the print spool's and the sync worker's wake);
the print spool, the scanner and the sync worker run beside them. The routers call the public
names below (`cashier`, `payments`, `technician`, `place_order`, `status` ...).
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import tomllib
from pathlib import Path

from edge.cashier.cashier_desk import CashierDesk
from edge.cashier.order_actions import reapply_sold_out
from edge.config import Config
from edge.core.events import EventBus
from edge.core.scanning import ScanService
from edge.ledger.clock import Clock
from edge.ledger.code_keys import code_context, with_code_keys
from edge.ledger.db import StorageError, connect, describe_error, quick_check
from edge.ledger.menu_store import load_menu, menu_version, save_menu
from edge.ledger.migrations import migrate
from edge.ledger.outbox import unsynced_count
from edge.ledger.placement import Placed, order_view, place_order
from edge.ledger.print_jobs import route_waiting_jobs
from edge.ledger.steps import Ledger
from edge.ledger.table_rounds import note_round_printed, queue_call_slip, round_of_job, unprinted_rounds
from edge.orders import CHANNELS, parse_discount
from edge.payments.bills import settle_bill, with_coupon
from edge.payments.bills import unpaid as unpaid_orders
from edge.printer.call_slip import CALL_KINDS
from edge.menu import Menu, MenuError, menu_from_dict, menu_to_dict
from edge.payments.manager import PaymentManager
from edge.payments.refunds import refund_code_payment
from edge.printer.spool import PrintSpool
from edge.scanner.loop import ScanLoop
from edge.sync.worker import SyncWorker
from edge.technician.settings import with_settings
from edge.technician.technician_desk import TechnicianDesk

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
        self.config = with_settings(config)  # + the technician screen's <data_dir>/provisioned.toml
        self.clock = clock or Clock()
        self.events = EventBus()
        self._write_lock = threading.Lock()  # handed to the ledger at open(); nobody else takes it
        self.db = None
        self.ledger: Ledger | None = None
        self.menu: Menu | None = None
        self.spool: PrintSpool | None = None
        self.scanner: ScanService | None = None
        self.sync: SyncWorker | None = None
        self.integrity = "not checked"
        self.cashier: CashierDesk | None = None
        self.payments: PaymentManager | None = None
        self.technician: TechnicianDesk | None = None

    # -- life cycle -------------------------------------------------------------------------
    def open(self, start_printing: bool = True) -> EdgeService:
        self.db = connect(self.config.db_path)
        migrate(self.db)
        self.ledger = Ledger(self.db, self._write_lock, self._publish, clock=self.clock, path=self.config.db_path)
        self.integrity = quick_check(self.db)
        if self.integrity != "ok":
            log.error("database quick_check: %s", self.integrity)
        if self.config.menu.file:
            self.import_menu(read_menu_file(self.config.menu.file), only_if_new=True)
        self.menu = load_menu(self.db)
        self.payments = self.build_payments()
        if start_printing:
            self.payments.resume()  # start-up order: payments (query, never pay again), printing, sync
        self.spool = self._new_spool(self.config)
        if start_printing:
            with self.ledger.step() as db:
                route_waiting_jobs(db, self.config)  # stations that got a printer since
            self.spool.start()
        self.scanner = ScanService(self.config.scanner.source, self.config.scanner.fps, self.code_context,
                                   self.events.publish, camera_screen=self.config.scanner.screen)
        if start_printing:
            self._sweep_printed_rounds()  # rounds a crash left between the printer's confirmation and the event
        self.sync = SyncWorker(self.config, place_order=self.place_order, on_table_call=self.table_call,
                               on_bill_paid=self.table_paid_on_phone,
                               import_menu=self.import_menu,
                               on_event=self.events.publish, write_lock=self.ledger.write_lock)
        if start_printing:
            self.scanner.start()
            self.sync.start()
        self.cashier = CashierDesk(
            self.ledger, config=self._current_config, menu=self._current_menu, set_menu=self._set_menu,
            code_context=self.code_context, wake_spool=self._wake_spool, wake_sync=self._wake_sync,
            refund_code_payment=functools.partial(refund_code_payment, self.ledger),
        ).attach(self.scanner, start=start_printing)
        self.technician = TechnicianDesk(self.ledger, config=self._current_config, menu=self._current_menu,
                                         apply_settings=self.apply_settings, wake_sync=self._wake_sync)
        self.technician.codes.attach(self.scanner)
        return self

    def build_payments(self, **options) -> PaymentManager:
        """The payment manager on this service's ledger (`options`: failpoint, timeouts, for tests)."""
        return PaymentManager(self.ledger, config=self._current_config, menu=self._current_menu,
                              wake_spool=self._wake_spool, wake_sync=self._wake_sync,
                              bill_notice=self._wake_cashier, **options)

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
        if self.ledger is not None:
            self.ledger.close()
        elif self.db is not None:
            self.db.close()
        self.db = None

    # -- what the capabilities are given ------------------------------------------------------
    def _publish(self, event_type: str, data: dict) -> None:
        self.events.publish(event_type, data)  # looked up per call: tests may watch the bus

    def _current_config(self) -> Config:
        return self.config

    def _current_menu(self) -> Menu | None:
        return self.menu

    def _set_menu(self, menu: Menu | None) -> None:
        self.menu = menu

    def _wake_spool(self) -> None:
        if self.spool:
            self.spool.wake()

    def _wake_sync(self) -> None:
        if self.sync:
            self.sync.wake()

    def _wake_cashier(self) -> None:
        if self.cashier:
            self.cashier.wake()

    def _new_spool(self, config: Config) -> PrintSpool:
        return PrintSpool(config.printers, functools.partial(connect, config.db_path), self._print_job_changed,
                          self.ledger.write_lock, on_status=lambda state: self.events.publish("printer.status", state))

    def apply_settings(self, new: Config) -> None:
        """Run with `new` from now on: device name / prefix at once, printers and camera restarted."""
        old = self.config
        self.config = new
        if (new.printers, new.stations) != (old.printers, old.stations) and self.spool is not None:
            self.spool.stop()
            self.spool = self._new_spool(new)
            self.spool.start()
        if self.scanner is not None:
            self.scanner.camera_screen = new.scanner.screen or None
        if new.scanner.source != old.scanner.source and self.scanner is not None:
            scanner, loop = self.scanner, self.scanner.loop
            scanner.stop()
            # the new loop keeps the old one's callback chain (the cashier's and the technician's code holders)
            scanner.loop = ScanLoop(new.scanner.source or None, loop.on_scan, loop.on_status, fps=loop.fps,
                                    keyring_provider=loop.keyring_provider)
            scanner.last_status = None if new.scanner.source else "no camera configured"
            scanner.loop.start()
        self.events.publish("settings.changed", {"device": new.device.name, "printers": sorted(new.printers)})

    # -- menu -------------------------------------------------------------------------------
    def import_menu(self, menu: Menu, only_if_new: bool = False) -> bool:
        with self.ledger.reading() as db:
            if only_if_new and menu_version(db) == menu.version:
                return False
            save_menu(db, menu)
            reapply_sold_out(db)  # 估清 of this device not synced yet (edge.cashier.order_actions)
            self.menu = load_menu(db)
        self.events.publish("menu.changed", {"version": menu.version})
        return True

    def menu_doc(self) -> dict | None:
        return menu_to_dict(self.menu) if self.menu else None

    # -- orders -----------------------------------------------------------------------------
    def place_order(self, doc: object, from_upstream: bool = False) -> tuple[dict, bool]:
        """Place an order; returns (order, created). Raises CartError or StorageError.
        `from_upstream`: a table round from the phones (only edge/sync/downstream.py passes it)."""
        if self.menu is None:
            raise StorageError("no menu on this device yet: import one with `edge menu import FILE`")
        try:
            with self.ledger.reading() as db:  # place_order opens its own transaction
                placed: Placed = place_order(db, self.config, self.menu, self.clock, doc,
                                             from_upstream=from_upstream)
                view = order_view(db, placed.order_id)
        except sqlite3.Error as error:
            log.error("order not saved: %s", error)
            raise StorageError(describe_error(error)) from error
        if placed.created:
            self.events.publish("order.placed", {"order_id": view["id"], "ticket_no": view["ticket_no"],
                                                 "total": view["total"]})
            for job in view["print_jobs"]:
                if job["state"] == "attention":
                    self.events.publish("print.job", {"job_id": job["id"], "printer": job["printer"],
                                                      "state": job["state"], "error": job["last_error"]})
            self._wake_spool()
            self._wake_sync()
        return view, placed.created

    def order(self, order_id: str) -> dict | None:
        with self.ledger.reading() as db:
            return order_view(db, order_id)

    def recent_orders(self, limit: int = 20) -> list[dict]:
        with self.ledger.reading() as db:
            ids = [r[0] for r in db.execute(
                "SELECT id FROM orders ORDER BY created_wall_ms DESC, day_seq DESC LIMIT ?", [limit])]
            return [order_view(db, i) for i in ids]

    # -- status -----------------------------------------------------------------------------
    def status(self) -> dict:
        with self.ledger.reading() as db:
            jobs = dict(db.execute("SELECT state, count(*) FROM print_jobs GROUP BY state").fetchall())
            unsynced = unsynced_count(db)
            orders_today = db.execute(
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
        with self.ledger.reading() as db:
            return with_code_keys(db, code_context(db))

    def _print_job_changed(self, change: dict) -> None:
        self.events.publish("print.job", change)
        if change.get("state") == "printed":
            self._round_printed(change["job_id"])

    # -- table rounds from the phones ---------------------------------------------------------
    def _round_printed(self, job_id: str) -> None:
        """When a kitchen ticket printed the last station of a table round: `order.printed`, once."""
        try:
            with self.ledger.reading() as db:  # most printed jobs are not a table round's: no write for them
                order_id = round_of_job(db, job_id)
            if order_id is None:
                return
            with self.ledger.step() as db:
                told = note_round_printed(db, order_id, self.clock.now())
        except StorageError:  # the core is stopping: the start-up sweep tells it
            return
        except sqlite3.Error as error:  # try again in a moment (and the start-up sweep catches it anyway)
            log.warning("round printed, not recorded yet (trying again): %s", error)
            retry = threading.Timer(1.0, self._sweep_printed_rounds)
            retry.daemon = True
            retry.start()
            return
        if told:
            self.events.publish("table.round_printed", told)
            self._wake_sync()

    def _sweep_printed_rounds(self) -> None:
        """Tell `order.printed` of every round whose tickets all printed but that was not told yet."""
        try:
            with self.ledger.step() as db:
                told = [note_round_printed(db, order_id, self.clock.now()) for order_id in unprinted_rounds(db)]
        except StorageError:  # stopped meanwhile
            return
        except sqlite3.Error as error:
            log.error("printed rounds not recorded: %s", error)
            return
        for payload in filter(None, told):
            self.events.publish("table.round_printed", payload)
        if any(told):
            self._wake_sync()

    def table_paid_on_phone(self, payload: dict) -> dict:
        """A table's bill paid on a phone (upstream's `table.bill_paid`): its unpaid rounds here paid
        by that payment, in round order, up to its amount and the member's coupon applied there
        (`discount`, `coupon_id`: spread over the rounds it paid, so the day report counts only the
        money collected). ValueError for a malformed command; StorageError when it cannot be stored now."""
        session, attempt, channel, amount = (payload.get(k) for k in ("session_id", "attempt_id", "channel",
                                                                       "amount"))
        if not (isinstance(session, str) and isinstance(attempt, str) and channel in CHANNELS
                and isinstance(amount, int) and not isinstance(amount, bool) and amount > 0):
            raise ValueError("a bill paid on a phone is {session_id, attempt_id, channel, amount}")
        discount, coupon_id = parse_discount(payload, "command")  # a CartError is a ValueError
        try:
            with self.ledger.step() as db:
                covered, left = [], amount + discount
                for order in unpaid_orders(db, session):
                    if order["due"] > left:
                        break
                    covered.append(order)
                    left -= order["due"]
                paid = settle_bill(db, self.config, self.menu, session, with_coupon(covered, discount, coupon_id),
                                   channel, self.clock.now(), attempt_id=attempt, notify=False)
        except sqlite3.Error as error:
            raise StorageError(describe_error(error)) from error
        if left:
            log.warning("table %s: a phone payment of %d fen left %d fen that matched no unpaid round",
                        session, amount, left)
        if paid:
            self.events.publish("table.paid", {"session_id": session, "amount": sum(p["amount"] for p in paid),
                                               "method": channel})
            self._wake_spool()
            self._wake_sync()
        return {"orders": [p["order_id"] for p in paid], "unmatched": left}

    def table_call(self, payload: dict) -> None:
        """A table's 呼叫服务员 / 请求结账 from upstream: a slip at the counter and the cashier screens told.
        ValueError for a malformed call; StorageError when it cannot be stored now."""
        kind, table, call_id = payload.get("kind"), payload.get("table"), payload.get("call_id")
        if kind not in CALL_KINDS or not isinstance(table, str) or not table.isalnum() or len(table) > 8 \
                or not isinstance(call_id, str):
            raise ValueError("a call is {call_id, kind: waiter|bill, table}")
        try:
            with self.ledger.step() as db:
                job = queue_call_slip(db, self.config, kind, table, self.clock.now())
        except sqlite3.Error as error:
            raise StorageError(describe_error(error)) from error
        self.events.publish("table.call", {"call_id": call_id, "kind": kind, "table": table,
                                           "session_id": payload.get("session_id"), "print_job": job})
        self._wake_spool()
