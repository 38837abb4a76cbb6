"""One printer's worker thread: status first, then the job, then its confirmation.

For each queued job, in order, on one fresh connection:
1. drain stale bytes, ask `DLE EOT 1-4` (`status`). A fault (paper out, cover open, offline,
   error) -> the job waits, the printer shows "problem", asked again every `problem_poll_s`.
   Silence or garbage -> "unknown": a printer that has confirmed before (it talks) is then
   not trusted with the job, which waits; one that never did (a printer without status
   support, a plain device file) gets it anyway, best effort.
2. mark the job `sending`, write its bytes followed by the confirmation request (`GS r 1`).
3. wait for the confirmation: -> `printed`. While waiting, `DLE EOT` polls say what is going
   on: a printer that reports a fault is holding our job (paper ran out part-way), so we keep
   waiting up to `hold_cap_s`; one that answers polls but never the request cannot confirm
   (final `sent`, unconfirmed); silence, a dropped connection or a paper-end answer make the
   outcome uncertain -> queued again as 补打 REPRINT.
Unreachable printers are retried with capped exponential backoff; a new job wakes the worker.
A printer that stays down for `failover_after_s` hands its queue to its backup printer (when
the backup is ok), rendered for the backup with 转自 <station>. Nothing here blocks another
printer: each has its own thread, connection and database connection.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edge.config import PrinterConfig
from edge.ledger.db import connect
from edge.printer.errors import PrinterUnreachable
from edge.printer.jobstore import Job, JobStore, now_ms
from edge.printer.profiles import get_profile
from edge.printer.status import (OK, PROBLEM, STATUS_REQUEST, UNKNOWN, PrinterStatus, confirm_reply,
                                 confirm_request, is_dle_eot_reply, is_gs_r_reply, parse_status)
from edge.printer.transport import Connection, Transport, parse_printer_url

log = logging.getLogger(__name__)


@dataclass
class Timing:
    status_timeout_s: float = 1.0  # for the DLE EOT replies
    problem_poll_s: float = 2.0  # re-check a printer that reported a fault
    backoff_cap_s: float = 2.0  # unreachable printers: 0.5, 1, 2, 2 ... s (a refused connect costs nothing)
    idle_poll_s: float = 30.0  # check an idle printer's status this often (0: never)
    failover_after_s: float = 20.0  # a printer down this long hands its queue to its backup
    sent_after_s: float = 0.5  # a confirmation slower than this shows the job as `sent`
    poll_while_waiting_s: float = 1.0
    hold_cap_s: float = 120.0  # longest wait for a printer holding our job (paper out part-way)
    min_bytes_per_s: float = 4000.0  # slowest printer we wait for: timeout + size / this


MAX_UNCERTAIN_SENDS = 5  # then the job goes to `attention` instead of printing torn halves forever


def backoff_seconds(failures: int, cap: float = 2.0) -> float:
    return min(cap, 0.5 * 2 ** max(0, failures - 1))


class PrinterWorker(threading.Thread):
    def __init__(self, name: str, printer: PrinterConfig, db_path: Path, on_change: Callable[[dict], None],
                 write_lock: threading.Lock, timing: Timing | None = None,
                 peers: dict[str, PrinterWorker] | None = None,
                 on_status: Callable[[dict], None] | None = None):
        super().__init__(name=f"printer-{name}", daemon=True)
        self.printer_name, self.printer, self.db_path = name, printer, db_path
        self.on_change, self.on_status, self.write_lock = on_change, on_status, write_lock
        self.timing = timing or Timing()
        self.peers = peers if peers is not None else {}
        self.profile = get_profile(printer.profile)
        self.transport = Transport(parse_printer_url(printer.url), timeout=printer.timeout)
        self.wakeup, self.stopping = threading.Event(), threading.Event()
        self.status = PrinterStatus(UNKNOWN, "not checked yet")
        self.checked_ms: int | None = None
        self.down_since: float | None = None  # monotonic: when jobs started waiting on this printer
        self.talks = False  # has answered a status query or confirmed a job
        self.has_confirmed = False  # has confirmed a job (now or before: a `printed` job in the database)
        self.confirms = True  # False once it answered polls but ignored the confirmation request
        self.failures = 0
        self.last_error: str | None = None
        self._numbers = itertools.count(1)
        self._uncertain_sends: dict[str, int] = {}

    # -- status ---------------------------------------------------------------------------
    def _set_status(self, status: PrinterStatus, error: str | None = None) -> None:
        changed = (status.state, status.detail) != (self.status.state, self.status.detail)
        self.status, self.checked_ms, self.last_error = status, now_ms(), error
        if status.state != UNKNOWN and status.raw:
            self.talks = True
        if changed:
            level = logging.INFO if status.ok else logging.WARNING
            log.log(level, "printer %s: %s (%s)", self.printer_name, status.state, status.detail)
            if self.on_status:
                self.on_status(self.state())

    def state(self) -> dict:
        return {"printer": self.printer_name, "url": self.printer.url, "profile": self.printer.profile,
                "backup": getattr(self.printer, "backup", "") or None, "state": self.status.state,
                "detail": self.status.detail, "warning": self.status.warning or None,
                "checked_ms": self.checked_ms, "last_error": self.last_error,
                "confirms": self.talks and self.confirms, "running": self.is_alive()}

    def _query_status(self, conn: Connection) -> PrinterStatus:
        conn.drain(0.002)
        if not conn.can_read:
            return PrinterStatus(UNKNOWN, "this connection cannot read replies: status unknown")
        conn.write(STATUS_REQUEST)
        replies, deadline = b"", time.monotonic() + self.timing.status_timeout_s
        while len(replies) < 4:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            replies += conn.read(left)
        return parse_status(replies)

    def poll_status(self) -> PrinterStatus:
        """Open, ask, close: the printer's status now (idle checks, print-test)."""
        try:
            with self.transport.open() as conn:
                status = self._query_status(conn)
        except PrinterUnreachable as error:
            status = PrinterStatus(PROBLEM, f"unreachable: {error}")
        self._set_status(status, None if status.state != PROBLEM else status.detail)
        return status

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> None:
        db = connect(self.db_path)
        store = JobStore(db, self.write_lock)
        self.talks = self.has_confirmed = store.has_printed(self.printer_name)
        idle_since = 0.0
        try:
            while not self.stopping.is_set():
                try:
                    self._maybe_fail_over(store)
                    job = store.next_job(self.printer_name)
                    if job is None:
                        self.down_since = None
                        poll = self.timing.idle_poll_s
                        if poll and time.monotonic() - idle_since >= poll:
                            self.poll_status()
                            idle_since = time.monotonic()
                        self._wait(poll or 5.0)
                        continue
                    delay = self._attempt(store, job)
                    idle_since = time.monotonic()
                except Exception:  # a bug must not silently stop this printer's queue
                    log.exception("printer %s: worker error; retrying", self.printer_name)
                    delay = self.timing.problem_poll_s
                if delay:
                    self._wait(delay)
        finally:
            db.close()

    def _wait(self, seconds: float) -> None:
        self.wakeup.wait(seconds)
        self.wakeup.clear()

    def _changed(self, job: Job, **extra: object) -> None:
        self.on_change({"job_id": job.id, "printer": job.printer, "state": job.state, "error": job.last_error,
                        "reprint": bool(job.reprint), **extra})

    def _waiting(self, store: JobStore, job: Job, status: PrinterStatus, delay: float, attempt: bool) -> float:
        if self.down_since is None:
            self.down_since = time.monotonic()
        if store.note(job, f"waiting for printer {self.printer_name}: {status.detail}", attempt=attempt):
            self._changed(job)
        return delay

    def _attempt(self, store: JobStore, job: Job) -> float:
        try:
            conn = self.transport.open()
        except PrinterUnreachable as error:
            self.failures += 1
            self._set_status(PrinterStatus(PROBLEM, f"unreachable: {error}"), str(error))
            return self._waiting(store, job, self.status, backoff_seconds(self.failures, self.timing.backoff_cap_s),
                                 attempt=True)
        with conn:
            try:
                status = self._query_status(conn)
            except PrinterUnreachable as error:
                self.failures += 1
                self._set_status(PrinterStatus(PROBLEM, f"unreachable: {error}"), str(error))
                return self._waiting(store, job, self.status,
                                     backoff_seconds(self.failures, self.timing.backoff_cap_s), attempt=True)
            self.failures = 0
            if status.state == PROBLEM or (status.state == UNKNOWN and self.talks):
                self._set_status(status, status.detail)
                return self._waiting(store, job, status, self.timing.problem_poll_s, attempt=False)
            blind = status.state == UNKNOWN  # never confirmed anything: send, best effort
            self._set_status(status, None if status.ok else status.detail)
            self.down_since = None
            return self._send(store, job, conn, blind)

    def _send(self, store: JobStore, job: Job, conn: Connection, blind: bool) -> float:
        if job.ticket and job.profile and job.profile != self.profile.name and job.kind != "test":
            store.rerender(job, self.profile)  # the printer's profile changed since the job was made
        number = next(self._numbers)
        method = self.profile.confirm
        store.set_state(job, "sending", keep_error=True)
        self._changed(job)
        try:
            conn.write(job.payload + confirm_request(method, number))
        except PrinterUnreachable as error:
            self._set_status(PrinterStatus(PROBLEM, str(error)), str(error))
            self._uncertain(store, job, f"the connection failed while sending ({error})")
            return self.timing.problem_poll_s
        outcome, detail = self._await_confirmation(store, job, conn, method, number)
        if outcome == "printed":
            self._uncertain_sends.pop(job.id, None)
            self.talks = self.confirms = self.has_confirmed = True
            store.set_state(job, "printed", error=None, attempt=True)
            if self.status.state != OK:
                self._set_status(PrinterStatus(OK, "ready"))
        elif outcome == "cannot-confirm" or (blind and outcome == "silent"):
            if outcome == "cannot-confirm":
                self.confirms = False
            store.set_state(job, "sent", error=detail, attempt=True, unconfirmed=True)
            log.warning("printer %s: job %s sent, not confirmed: %s", self.printer_name, job.id, detail)
        else:
            if outcome == "paper-end":
                self._set_status(PrinterStatus(PROBLEM, "paper out"), detail)
            elif self.status.state == OK:
                self._set_status(PrinterStatus(UNKNOWN, detail), detail)
            self._uncertain(store, job, detail)
            return self.timing.problem_poll_s
        self._changed(job)
        return 0.0

    def _uncertain(self, store: JobStore, job: Job, reason: str) -> None:
        streak = self._uncertain_sends[job.id] = self._uncertain_sends.get(job.id, 0) + 1
        if streak >= MAX_UNCERTAIN_SENDS:  # the printer loses this job every time: stop wasting paper
            log.error("printer %s: job %s lost %d times in a row: needs attention", self.printer_name, job.id, streak)
            store.set_state(job, "attention", attempt=True, error=(
                f"sent {streak} times, each time the printer dropped or did not confirm it ({reason}): check the "
                f"printer, then `edge printers reprint {job.id}`"))
        else:
            log.warning("printer %s: job %s outcome uncertain (%s): queued again as REPRINT",
                        self.printer_name, job.id, reason)
            profile = get_profile(job.profile) if job.kind == "test" and job.profile else self.profile
            store.requeue_as_reprint(job, profile, f"{reason}: printing it again, marked 补打 REPRINT",
                                     attempt=True)
        self._changed(job)

    def _await_confirmation(self, store: JobStore, job: Job, conn: Connection, method: str,
                            number: int) -> tuple[str, str]:
        """('printed' | 'paper-end' | 'cannot-confirm' | 'silent' | 'dropped' | 'held', detail)."""
        t = self.timing
        start = time.monotonic()
        rate = self.transport.bytes_per_s or t.min_bytes_per_s
        patience = self.printer.timeout if self.confirms else min(1.0, self.printer.timeout)
        deadline = start + patience + len(job.payload) / rate
        hard_deadline = start + t.hold_cap_s
        next_poll = start + t.poll_while_waiting_s
        exact = confirm_reply(method, number)
        received, polls, answered_polls, held = b"", b"", 0, False
        while True:
            now = time.monotonic()
            if job.state == "sending" and now - start >= t.sent_after_s:
                store.set_state(job, "sent", keep_error=True)
                self._changed(job)
            if now >= min(deadline, hard_deadline):
                if held:
                    return "held", f"printer {self.printer_name} still reports {self.status.detail}"
                if answered_polls and method == "gs_r" and self.status.ok:
                    return "cannot-confirm", ("the printer answers status queries but never confirmed the job "
                                              "(GS r): printing cannot be confirmed")
                if not conn.can_read:
                    return "cannot-confirm", "no way to read replies on this connection: printing not confirmed"
                return "silent", f"no confirmation from printer {self.printer_name} within {now - start:.0f} s"
            try:
                data = conn.read(min(deadline, hard_deadline, next_poll) - now)
            except PrinterUnreachable as error:
                return "dropped", f"the connection failed before the job was confirmed ({error})"
            if exact is not None:
                received += data
                if exact in received:
                    return "printed", ""
                continue
            for byte in data:
                if is_gs_r_reply(byte):
                    if byte & 0x0C:
                        return "paper-end", "the printer ran out of paper while printing the job"
                    return "printed", ""
                if is_dle_eot_reply(byte):
                    polls += bytes((byte,))
                    if len(polls) == 4:
                        status, polls = parse_status(polls), b""
                        answered_polls += 1
                        self._set_status(status, None if status.ok else status.detail)
                        held = status.state == PROBLEM
                        if status.ok and self.has_confirmed:  # alive and known to confirm: still printing
                            deadline = max(deadline, time.monotonic() + 2 * t.poll_while_waiting_s)
                        if held:  # the printer holds our job until the fault is cleared
                            deadline = max(deadline, time.monotonic() + 2 * t.poll_while_waiting_s)
                            self.down_since = self.down_since or time.monotonic()
                            if self._backup_ready():  # the kitchen should not wait: give up, fail over
                                return "held", f"printer {self.printer_name} holds the job: {status.detail}"
            if time.monotonic() >= next_poll and exact is None:
                try:
                    conn.write(STATUS_REQUEST)
                except PrinterUnreachable as error:
                    return "dropped", f"the connection failed before the job was confirmed ({error})"
                polls, next_poll = b"", time.monotonic() + t.poll_while_waiting_s

    # -- failover -------------------------------------------------------------------------
    def _backup_ready(self) -> PrinterWorker | None:
        """The backup printer, when this one has been down long enough and the backup is ok."""
        backup_name = getattr(self.printer, "backup", "") or ""
        if not backup_name or self.down_since is None:
            return None
        if time.monotonic() - self.down_since < self.timing.failover_after_s:
            return None
        backup = self.peers.get(backup_name)
        return backup if backup is not None and backup.status.ok else None

    def _maybe_fail_over(self, store: JobStore) -> None:
        backup = self._backup_ready()
        if backup is None:
            return
        backup_name = backup.printer_name
        reason = f"printer {self.printer_name} down ({self.status.detail}): printed on {backup_name}"
        moved = store.fail_over(self.printer_name, backup_name, backup.profile, reason)
        if moved:
            log.warning("printer %s: %d job(s) moved to backup printer %s", self.printer_name, len(moved),
                        backup_name)
            for job in moved:
                self._changed(job, origin_printer=self.printer_name)
            backup.wakeup.set()
