"""The print spool: jobs live in SQLite; one worker thread per printer sends them in order.

States (this skeleton): queued -> sending -> sent, or back to queued with the error and a
capped backoff when the printer cannot be reached. A dead printer only holds its own queue.
Each worker has its own database connection (same pragmas as every other).
The printing issue adds status checks, GS r confirmation (-> printed), failover and REPRINT.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from edge.config import PrinterConfig
from edge.db import connect
from edge.printer.errors import PrinterUnreachable
from edge.printer.transport import TcpTransport, parse_printer_url

log = logging.getLogger(__name__)
BACKOFF_CAP_S = 30.0


def backoff_seconds(attempts: int) -> float:
    return min(BACKOFF_CAP_S, 0.5 * 2 ** max(0, attempts - 1))


class PrinterWorker(threading.Thread):
    def __init__(self, name: str, printer: PrinterConfig, db_path: Path, on_change: Callable[[dict], None],
                 write_lock: threading.Lock):
        super().__init__(name=f"printer-{name}", daemon=True)
        self.printer_name = name
        self.printer = printer
        self.db_path = db_path
        self.on_change = on_change
        self.write_lock = write_lock
        self.wakeup = threading.Event()
        self.stopping = threading.Event()
        scheme, host, port = parse_printer_url(printer.url)
        self.transport = TcpTransport(host, port, timeout=printer.timeout)
        self.last_error: str | None = None

    def run(self) -> None:
        db = connect(self.db_path)
        try:
            while not self.stopping.is_set():
                job = db.execute(
                    "SELECT id, payload, attempts FROM print_jobs WHERE printer = ? AND state IN ('queued', 'sending')"
                    " ORDER BY created_wall_ms, rowid LIMIT 1", [self.printer_name]).fetchall()
                # fetchall: a half-read cursor keeps its statement open and the next COMMIT fails
                job = job[0] if job else None
                if job is None:
                    self.wakeup.wait(5.0)
                    self.wakeup.clear()
                    continue
                delay = self._send(db, *job)
                if delay:
                    self.wakeup.wait(delay)
                    self.wakeup.clear()
        finally:
            db.close()

    def _set(self, db, job_id: str, state: str, error: str | None, attempts_inc: int = 0) -> None:
        with self.write_lock, db.atomic():
            # 'sending' keeps the previous error visible until the outcome of this attempt is known
            db.execute("UPDATE print_jobs SET state = ?, last_error = CASE WHEN ? = 'sending' THEN last_error"
                       " ELSE ? END, attempts = attempts + ?, updated_wall_ms = ? WHERE id = ?",
                       [state, state, error, attempts_inc, int(time.time() * 1000), job_id])
        self.on_change({"job_id": job_id, "printer": self.printer_name, "state": state, "error": error})

    def _send(self, db, job_id: str, payload: bytes, attempts: int) -> float:
        self._set(db, job_id, "sending", None)
        try:
            self.transport.send(payload)
        except PrinterUnreachable as error:
            self.last_error = str(error)
            log.warning("printer %s: %s (job %s stays queued)", self.printer_name, error, job_id)
            self._set(db, job_id, "queued", str(error), attempts_inc=1)
            return backoff_seconds(attempts + 1)
        self.last_error = None
        self._set(db, job_id, "sent", None, attempts_inc=1)
        return 0.0


class PrintSpool:
    """Owns one worker per configured printer."""

    def __init__(self, printers: dict[str, PrinterConfig], db_path: Path, on_change: Callable[[dict], None],
                 write_lock: threading.Lock):
        """write_lock: the core's one write lock; holding it keeps SQLite's busy handler (which
        sleeps in steps of milliseconds) out of the order path."""
        self.workers = {name: PrinterWorker(name, p, db_path, on_change, write_lock) for name, p in printers.items()}

    def start(self) -> None:
        for worker in self.workers.values():
            worker.start()

    def wake(self) -> None:
        for worker in self.workers.values():
            worker.wakeup.set()

    def stop(self, timeout: float = 6.0) -> None:
        for worker in self.workers.values():
            worker.stopping.set()
            worker.wakeup.set()
        for worker in self.workers.values():
            if worker.is_alive():
                worker.join(timeout)

    def printer_states(self) -> dict[str, dict]:
        return {name: {"url": w.printer.url, "profile": w.printer.profile,
                       "state": "problem" if w.last_error else "unknown" if w.is_alive() else "stopped",
                       "last_error": w.last_error}
                for name, w in self.workers.items()}
