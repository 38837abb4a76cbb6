"""The print_jobs table as the spool sees it: pick, move between states, re-render, fail over.

Every write runs under the core's one write lock (`lock`) in one transaction: holding the lock
keeps SQLite's busy handler, which sleeps in steps of milliseconds, out of the order path.

States: queued -> sending -> (sent ->) printed, where
- sending: the worker is writing the job or waiting (< SENT_AFTER_S) for its confirmation;
- sent: delivered, confirmation outstanding; with `unconfirmed = 1` it is final: the printer
  cannot confirm anything (it never answers status queries, or ignores `GS r`), shown as such;
- printed: the printer confirmed (`GS r 1` / `GS ( H` answered after the job);
- attention: a person must act (a station with no printer).
A job whose outcome became uncertain (connection lost after bytes went out, no confirmation,
paper ran out part-way, the core stopped while sending) goes back to queued with `reprint = 1`
and is rendered again from its ticket data with the 补打 REPRINT banner: a visible duplicate,
never a silent one, never a loss. Nothing here deletes or expires a job.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass

from edge.printer.jobs import mark_reprint, render_job
from edge.printer_profiles import DEFAULT_PROFILE, PrinterProfile, get_profile

COLUMNS = ("id", "kind", "printer", "station_id", "station_seq", "state", "payload", "ticket", "profile",
           "reprint", "attempts", "origin_printer", "last_error")


@dataclass
class Job:
    id: str
    kind: str
    printer: str
    station_id: str | None
    station_seq: int | None
    state: str
    payload: bytes
    ticket: str | None
    profile: str | None
    reprint: int
    attempts: int
    origin_printer: str | None
    last_error: str | None

    @property
    def transferred_from(self) -> str:
        """The 转自 banner text: the station's name (or the printer's) when failed over."""
        if not self.origin_printer:
            return ""
        try:
            doc = json.loads(self.ticket or "{}")
        except ValueError:
            doc = {}
        return doc.get("station_name") or self.origin_printer


def now_ms() -> int:
    return int(time.time() * 1000)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rerender(job: Job, profile: PrinterProfile, *, reprint: bool) -> bytes:
    """The job's bytes for `profile`, with 补打 when `reprint` and 转自 when failed over."""
    if job.ticket:
        return render_job(job.kind, job.ticket, profile, reprint=reprint, transferred_from=job.transferred_from)
    return mark_reprint(job.payload, profile) if reprint else job.payload


class JobStore:
    def __init__(self, db, lock: threading.Lock) -> None:
        self.db, self.lock = db, lock

    def _row(self, row) -> Job:
        return Job(*row)

    def next_job(self, printer: str) -> Job | None:
        row = self.db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM print_jobs WHERE printer = ? AND state = 'queued'"
            " ORDER BY created_wall_ms, rowid LIMIT 1", [printer]).fetchone()
        return self._row(row) if row else None

    def queued(self, printer: str) -> list[Job]:
        return [self._row(r) for r in self.db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM print_jobs WHERE printer = ? AND state = 'queued'"
            " ORDER BY created_wall_ms, rowid", [printer])]

    def has_printed(self, printer: str) -> bool:
        return self.db.execute("SELECT 1 FROM print_jobs WHERE printer = ? AND state = 'printed' LIMIT 1",
                               [printer]).fetchone() is not None

    def set_state(self, job: Job, state: str, *, error: str | None = None, keep_error: bool = False,
                  attempt: bool = False, unconfirmed: bool = False) -> None:
        stamp = now_ms()
        with self.lock, self.db.atomic():
            self.db.execute(
                "UPDATE print_jobs SET state = ?, last_error = CASE WHEN ? THEN last_error ELSE ? END,"
                " attempts = attempts + ?, unconfirmed = ?, updated_wall_ms = ?,"
                " sent_wall_ms = CASE WHEN ? IN ('sent', 'printed') THEN coalesce(sent_wall_ms, ?)"
                " ELSE sent_wall_ms END,"
                " printed_wall_ms = CASE WHEN ? = 'printed' THEN ? ELSE printed_wall_ms END WHERE id = ?",
                [state, keep_error, error, int(attempt), int(unconfirmed), stamp, state, stamp, state, stamp, job.id])
        job.state = state
        job.attempts += int(attempt)

    def note(self, job: Job, error: str, attempt: bool = False) -> bool:
        """Why the printer's queued jobs wait (written only when it changes, or on an attempt,
        which counts for the head job `job`); True when the reason changed."""
        changed = job.last_error != error
        stale = changed or self.db.execute(
            "SELECT 1 FROM print_jobs WHERE printer = ? AND state = 'queued' AND last_error IS NOT ? LIMIT 1",
            [job.printer, error]).fetchone() is not None  # jobs queued since the reason was written
        if not stale and not attempt:
            return False
        with self.lock, self.db.atomic():
            if stale:
                self.db.execute("UPDATE print_jobs SET last_error = ?, updated_wall_ms = ? WHERE printer = ?"
                                " AND state = 'queued' AND last_error IS NOT ?", [error, now_ms(), job.printer, error])
            if attempt:
                self.db.execute("UPDATE print_jobs SET attempts = attempts + 1 WHERE id = ?", [job.id])
        job.last_error = error
        job.attempts += int(attempt)
        return changed

    def requeue_as_reprint(self, job: Job, profile: PrinterProfile, reason: str, attempt: bool = False) -> None:
        """The outcome of `job` is uncertain: queue it again, rendered with 补打 REPRINT."""
        payload = rerender(job, profile, reprint=True)
        with self.lock, self.db.atomic():
            self.db.execute(
                "UPDATE print_jobs SET state = 'queued', reprint = 1, payload = ?, payload_sha256 = ?, profile = ?,"
                " last_error = ?, attempts = attempts + ?, updated_wall_ms = ? WHERE id = ?",
                [payload, sha256(payload), profile.name, reason, int(attempt), now_ms(), job.id])
        job.state, job.reprint, job.payload, job.last_error = "queued", 1, payload, reason
        job.profile, job.attempts = profile.name, job.attempts + int(attempt)

    def rerender(self, job: Job, profile: PrinterProfile) -> None:
        """Render `job` again for `profile` (same banners), e.g. after the printer's profile changed."""
        payload = rerender(job, profile, reprint=bool(job.reprint))
        with self.lock, self.db.atomic():
            self.db.execute("UPDATE print_jobs SET payload = ?, payload_sha256 = ?, profile = ?, updated_wall_ms = ?"
                            " WHERE id = ?", [payload, sha256(payload), profile.name, now_ms(), job.id])
        job.payload, job.profile = payload, profile.name

    def fail_over(self, printer: str, backup: str, profile: PrinterProfile, reason: str) -> list[Job]:
        """Move `printer`'s queued jobs (those with ticket data) to `backup`, rendered for its
        profile with 转自 <station>; returns them."""
        moved = []
        with self.lock, self.db.atomic():
            for job in self.queued(printer):
                if not job.ticket:
                    continue  # stored before ticket data existed: cannot be rendered for another printer
                job.origin_printer = job.origin_printer or printer
                payload = rerender(job, profile, reprint=bool(job.reprint))
                self.db.execute(
                    "UPDATE print_jobs SET printer = ?, origin_printer = ?, profile = ?, payload = ?,"
                    " payload_sha256 = ?, last_error = ?, updated_wall_ms = ? WHERE id = ?",
                    [backup, job.origin_printer, profile.name, payload, sha256(payload), reason, now_ms(), job.id])
                job.printer, job.payload, job.last_error = backup, payload, reason
                moved.append(job)
        return moved


def recover_uncertain(db, lock: threading.Lock, profiles: dict[str, str]) -> list[str]:
    """At start-up: every job left `sending`, or `sent` awaiting confirmation, when the core
    stopped may or may not have printed: queue it again as 补打 REPRINT. Returns their ids."""
    store = JobStore(db, lock)
    rows = [store._row(r) for r in db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM print_jobs WHERE state IN ('sending', 'sent') AND unconfirmed = 0"
        " ORDER BY created_wall_ms, rowid")]
    for job in rows:
        profile = get_profile(profiles.get(job.printer) or job.profile or DEFAULT_PROFILE)
        store.requeue_as_reprint(job, profile, "the core stopped while this ticket was being sent: "
                                               "printing it again, marked 补打 REPRINT")
    return [job.id for job in rows]
