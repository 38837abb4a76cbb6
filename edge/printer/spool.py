"""The print spool: jobs live in SQLite; one worker thread per printer sends them in order.

States and what moves a job between them: `jobstore`; what a worker does per job (status
first, then the job, then its confirmation; backoff; failover to a backup printer): `worker`.
On start, jobs whose outcome is uncertain (left `sending`, or `sent` without confirmation,
when the core stopped) are queued again as 补打 REPRINT before any worker runs. A dead printer
only holds its own queue. All SQLite writes happen under the core's one write lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from edge.config import PrinterConfig
from edge.ledger.db import connect
from edge.printer.jobstore import recover_uncertain
from edge.printer.worker import PrinterWorker, Timing, backoff_seconds

log = logging.getLogger(__name__)
__all__ = ["PrintSpool", "PrinterWorker", "Timing", "backoff_seconds", "check_printers"]


def check_printers(printers: dict[str, PrinterConfig]) -> None:
    """ValueError naming the printer for a bad url, an unknown profile or a bad backup."""
    from edge.printer.profiles import get_profile
    from edge.printer.transport import parse_printer_url

    for name, printer in printers.items():
        try:
            parse_printer_url(printer.url)
            get_profile(printer.profile)
        except ValueError as error:
            raise ValueError(f"[printers.{name}]: {error}") from None
        backup = getattr(printer, "backup", "") or ""
        if backup and backup not in printers:
            raise ValueError(f"[printers.{name}]: backup printer {backup!r} has no [printers.{backup}]")
        if backup == name:
            raise ValueError(f"[printers.{name}]: a printer cannot be its own backup")


class PrintSpool:
    """Owns one worker per configured printer."""

    def __init__(self, printers: dict[str, PrinterConfig], db_path: Path, on_change: Callable[[dict], None],
                 write_lock: threading.Lock, timing: Timing | None = None,
                 on_status: Callable[[dict], None] | None = None):
        """write_lock: the core's one write lock; holding it keeps SQLite's busy handler (which
        sleeps in steps of milliseconds) out of the order path."""
        check_printers(printers)
        self.printers, self.db_path, self.write_lock = printers, db_path, write_lock
        self.on_change = on_change
        self.workers: dict[str, PrinterWorker] = {}
        for name, p in printers.items():
            self.workers[name] = PrinterWorker(name, p, db_path, on_change, write_lock, timing, self.workers,
                                               on_status)
        self.recovered: list[str] = []

    def start(self) -> None:
        db = connect(self.db_path)
        try:
            self.recovered = recover_uncertain(db, self.write_lock, {n: p.profile for n, p in self.printers.items()})
        finally:
            db.close()
        if self.recovered:
            log.warning("%d print job(s) were being sent when the core stopped: printing them again as REPRINT",
                        len(self.recovered))
        for worker in self.workers.values():
            worker.start()

    def wake(self, printer: str | None = None) -> None:
        for name, worker in self.workers.items():
            if printer is None or name == printer:
                worker.wakeup.set()

    def stop(self, timeout: float = 6.0) -> None:
        for worker in self.workers.values():
            worker.stopping.set()
            worker.wakeup.set()
        for worker in self.workers.values():
            if worker.is_alive():
                worker.join(timeout)

    def printer_states(self) -> dict[str, dict]:
        """Per printer: state ok | problem | unknown, with the detail (paper out, unreachable …)."""
        return {name: w.state() for name, w in self.workers.items()}
