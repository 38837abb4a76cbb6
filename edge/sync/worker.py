"""The sync worker: pushes the outbox upstream and pulls downstream, in two threads of the core.

Hook API for the core (EdgeService):

    worker = SyncWorker(config, place_order=service.place_order, import_menu=service.import_menu,
                        on_event=service.events.publish)
    worker.start(); worker.wake()  # after every local commit; worker.status(); worker.stop()

Push: oldest device_seq first, batches of <= 100 events / 256 KiB, results acked in one local
transaction. Network errors, 5xx and 429: full-jitter exponential backoff (cap 300 s), never
sooner than Retry-After; a local commit does not cut a backoff short. A 4xx on a batch: the
events upstream names are kept as dead, else the batch is halved until the bad event is alone
and kept as dead. 401/403: syncing stops (orders go on), status says "needs re-enrollment".
Pull: menu (ETag), table keys and PIN hashes (ETag; `staff.changed` is published once stored),
commands by long poll; applied once and acked by id.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from edge.config import Config
from edge.ledger.db import connect
from edge.menu import MenuError, menu_from_dict
from edge.protocol.signing import load_private_key
from edge.sync import downstream
from edge.sync.backoff import Backoff
from edge.sync.upstream_client import UpstreamClient, UpstreamError
from edge.sync.outbox import MAX_BATCH_BYTES, MAX_BATCH_EVENTS, batch_body, next_batch, pending_count, record_results
from edge.sync.state import (get_state, load_enrollment, now_ms, put_state, raise_alarm, set_enrollment_status,
                             sync_status)

log = logging.getLogger(__name__)
LONG_POLL_S = 20.0
IDLE_S = 30.0
NOT_ENROLLED_RECHECK_S = 5.0


class SyncWorker:
    def __init__(self, config: Config, db_path: str | Path | None = None, *,
                 place_order: Callable[..., tuple[dict, bool]] | None = None,
                 on_table_call: Callable[[dict], None] | None = None,
                 import_menu: Callable | None = None,
                 on_event: Callable[[str, dict], None] | None = None,
                 backoff: Backoff | None = None, long_poll_s: float = LONG_POLL_S, idle_s: float = IDLE_S,
                 connect_timeout: float | None = None, read_timeout: float | None = None,
                 max_events: int = MAX_BATCH_EVENTS, pull: bool = True, write_lock=None):
        self.config = config
        self.db_path = Path(db_path or config.db_path)
        self.place_order, self.import_menu, self.on_event = place_order, import_menu, on_event
        self.on_table_call = on_table_call
        self.backoff = backoff or Backoff()
        self.long_poll_s, self.idle_s = long_poll_s, idle_s
        self.timeouts = {k: v for k, v in (("connect_timeout", connect_timeout), ("read_timeout", read_timeout)) if v}
        self.max_events = self._batch_events = max_events
        self.pull_enabled = pull
        self.write_lock = write_lock  # the core's write lock: see edge.ledger.db.LockedDatabase
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: dict[str, tuple[tuple, object]] = {}
        self._status_lock = threading.Lock()
        self._status_db = None
        self.next_attempt_ms: dict[str, int] = {}
        self.requests_sent = 0
        self.last_auth_error = None

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> SyncWorker:
        self._stopping.clear()
        self._threads = [threading.Thread(target=self._push_loop, name="sync-push", daemon=True)]
        if self.pull_enabled:
            self._threads.append(threading.Thread(target=self._pull_loop, name="sync-pull", daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        pull = self._clients.get("pull")
        if pull is not None:
            pull[1].cut()  # the long poll in flight ends now, not when the upstream answers
        for thread in self._threads:
            thread.join(timeout)
        for _, client in self._clients.values():
            client.close()
        self._clients.clear()
        with self._status_lock:
            if self._status_db is not None:
                self._status_db.close()
                self._status_db = None

    def wake(self) -> None:
        """Call after every local commit that appended an outbox event."""
        self._wake.set()

    def status(self) -> dict:
        with self._status_lock:
            if self._status_db is None:
                self._status_db = connect(self.db_path, self.write_lock)
            doc = sync_status(self._status_db)
        now = now_ms()
        doc["next_attempt_in_s"] = {k: round(max(0, v - now) / 1000, 1) for k, v in self.next_attempt_ms.items()
                                   if v > now}
        return doc

    # -- shared -----------------------------------------------------------------------------
    def _client(self, db, slot: str):
        enrollment = load_enrollment(db)
        if enrollment is None or enrollment.status != "enrolled":
            return None, enrollment
        ident = (enrollment.device_id, enrollment.key_file, enrollment.upstream_url)
        cached = self._clients.get(slot)
        if cached and cached[0] == ident:
            return cached[1], enrollment

        try:
            key = load_private_key(Path(enrollment.key_file))
        except (OSError, ValueError) as exc:
            set_enrollment_status(db, enrollment.device_id, "needs_reenrollment",
                                  f"device key {enrollment.key_file} unusable ({exc}): enroll again")
            return None, enrollment
        if cached:
            cached[1].close()
        client = UpstreamClient(enrollment.upstream_url, enrollment.device_id, key, **self.timeouts)
        self._clients[slot] = (ident, client)
        return client, enrollment

    def _auth_failed(self, db, enrollment, error) -> None:
        status = "revoked" if error.code == "revoked" else "needs_reenrollment"
        log.error("sync stopped: %s", error)
        set_enrollment_status(db, enrollment.device_id, status, f"{error}; orders go on, enroll the device again")
        self._publish(db)

    def _failed(self, db, error) -> None:
        put_state(db, online="0", last_error=str(error)[:500], last_error_ms=str(now_ms()))
        self._publish(db)

    def _publish(self, db) -> None:
        self._announce("sync.changed", {"pending": pending_count(db), "state": sync_status(db)["state"]})

    def _announce(self, kind: str, data: dict) -> None:
        if self.on_event:
            try:
                self.on_event(kind, data)
            except Exception:  # noqa: BLE001 - a UI problem never stops syncing
                log.exception("%s publish failed", kind)

    def _sleep_after_failure(self, slot: str, failures: int, retry_after: float | None) -> None:
        delay = self.backoff.delay(failures, retry_after)
        self.next_attempt_ms[slot] = now_ms() + int(delay * 1000)
        self._stopping.wait(delay)  # a local commit does not cut the backoff short

    # -- push ----------------------------------------------------------------------------------
    def push_once(self, db, client) -> tuple[str, float | None]:
        """One batch. Returns (outcome, retry_after): idle | progress | retry | auth."""
        batch = next_batch(db, self._batch_events, MAX_BATCH_BYTES)
        if not batch:
            return "idle", None
        body = batch_body(batch)
        if len(batch) == 1 and len(body) > MAX_BATCH_BYTES:
            seq, event_id, _ = batch[0]
            record_results(db, [], [(seq, event_id, "too_large", f"event is {len(body)} bytes, over the batch limit")],
                           now_ms())
            return "progress", None
        try:
            self.requests_sent += 1
            reply = client.ingest(body)
        except UpstreamError as error:
            if error.auth:
                self.last_auth_error = error
                return "auth", None
            if error.retryable:
                self._failed(db, error)
                return "retry", error.retry_after
            return self._bad_batch(db, batch, error), None
        results = reply.body.get("results")
        if not isinstance(results, list):
            self._failed(db, UpstreamError("upstream answered without per-event results", 502))
            return "retry", None
        by_id = {r.get("event_id"): r for r in results if isinstance(r, dict)}
        synced, dead = [], []
        for seq, event_id, _ in batch:
            result = by_id.get(event_id)
            if result is None:
                continue
            if result.get("status") in ("stored", "duplicate"):
                synced.append(seq)
            elif result.get("status") == "rejected":
                dead.append((seq, event_id, str(result.get("code", "rejected")), str(result.get("reason", ""))[:500]))
        if not synced and not dead:
            self._failed(db, UpstreamError("upstream answered for none of the events sent", 502))
            return "retry", None
        record_results(db, synced, dead, now_ms(), {"last_ok_ms": str(now_ms()), "online": "1"})
        self._check_restore(db, reply.body)
        self._batch_events = min(self.max_events, self._batch_events * 2)
        self._publish(db)
        return "progress", None

    def _bad_batch(self, db, batch, error) -> str:
        rejected = error.body.get("error", {}).get("rejected") if error.body else None
        named = {r.get("event_id"): r for r in rejected or [] if isinstance(r, dict)}
        dead = [(seq, eid, str(named[eid].get("code", error.code)), str(named[eid].get("reason", error))[:500])
                for seq, eid, _ in batch if eid in named]
        if not dead and len(batch) > 1:
            self._batch_events = max(1, len(batch) // 2)  # find the bad event by halving
            return "progress"
        if not dead:
            seq, eid, _ = batch[0]
            dead = [(seq, eid, error.code or "rejected", str(error)[:500])]
        record_results(db, [], dead, now_ms(), {"last_error": str(error)[:500], "last_error_ms": str(now_ms())})
        return "progress"

    def _check_restore(self, db, body: dict) -> None:
        upstream_max = body.get("device", {}).get("max_seq") if isinstance(body.get("device"), dict) else None
        if not isinstance(upstream_max, int):
            return
        local_max = db.execute("SELECT coalesce(max(device_seq), 0) FROM outbox").fetchone()[0]
        if upstream_max > local_max:
            raise_alarm(db, "restored_backup",
                        f"upstream holds events up to #{upstream_max} from this device but this database only "
                        f"up to #{local_max}: it was restored from an older backup (syncing goes on)")

    def _push_loop(self) -> None:
        db = connect(self.db_path, self.write_lock)
        failures = 0
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    client, enrollment = self._client(db, "push")
                    if client is None:
                        self._wake.wait(NOT_ENROLLED_RECHECK_S)
                        continue
                    outcome, retry_after = self.push_once(db, client)
                except sqlite3.Error as exc:
                    log.error("sync: local database error: %s", exc)
                    self._stopping.wait(1.0)
                    continue
                if outcome == "progress":
                    failures = 0
                elif outcome == "idle":
                    failures = 0
                    self._wake.wait(self.idle_s)
                elif outcome == "auth":
                    self._auth_failed(db, enrollment, self.last_auth_error)
                else:
                    failures += 1
                    self._sleep_after_failure("push", failures, retry_after)
        finally:
            db.close()

    # -- pull ----------------------------------------------------------------------------------
    def pull_once(self, db, client, wait: float = 0.0) -> int:
        """Acks left over, menu, settings, then commands (long poll `wait` s); returns commands applied."""
        self._send_acks(db, client)
        state = get_state(db)
        if self.import_menu is not None:
            self._pull_menu(db, client, state.get("menu_etag"))
        self._pull_settings(db, client, state.get("settings_etag"))
        state = get_state(db)
        query = urlencode({"wait": wait, "menu_etag": state.get("menu_etag") or "",
                           "settings_etag": state.get("settings_etag") or ""})
        reply = client.get(f"/v1/devices/me/commands?{query}", read_timeout=wait + client.timeout[1])
        downstream.store_commands(db, reply.body.get("commands", []))
        applied = downstream.apply_pending(db, self.place_order, None, self.on_table_call)
        self._send_acks(db, client)
        put_state(db, last_ok_ms=str(now_ms()), online="1")
        return applied

    def _pull_menu(self, db, client, etag: str | None) -> None:
        reply = client.get("/v1/devices/me/menu", etag)
        if reply.status == 304 or not reply.body.get("menu"):
            return
        new_etag = reply.headers.get("ETag", "").strip('"') or None
        try:
            self.import_menu(menu_from_dict(reply.body["menu"]))
        except (MenuError, TypeError, AttributeError) as exc:
            raise_alarm(db, "bad_menu", f"menu {new_etag} from upstream refused: {exc}")
        put_state(db, menu_etag=new_etag)

    def _pull_settings(self, db, client, etag: str | None) -> None:
        reply = client.get("/v1/devices/me/settings", etag)
        if reply.status == 304:
            return
        new_etag = reply.headers.get("ETag", "").strip('"') or None
        try:
            downstream.store_settings(db, reply.body, new_etag)
        except downstream.BadCommand as exc:
            raise_alarm(db, "bad_settings", f"settings {new_etag} from upstream refused: {exc}")
            put_state(db, settings_etag=new_etag)
            return
        self._announce("staff.changed", {"staff": len(reply.body["staff"])})  # login screens re-read the list

    def _send_acks(self, db, client) -> None:
        acks = downstream.unacked(db)
        if not acks:
            return
        reply = client.post_json("/v1/devices/me/commands/ack", {"acks": acks})
        acked = [cid for cid in reply.body.get("acked", []) if isinstance(cid, str)]
        downstream.mark_acked(db, acked)

    def _pull_loop(self) -> None:
        db = connect(self.db_path, self.write_lock)
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    client, enrollment = self._client(db, "pull")
                    if client is None:
                        self._stopping.wait(NOT_ENROLLED_RECHECK_S)
                        continue
                    self.pull_once(db, client, wait=self.long_poll_s)
                    failures = 0
                except UpstreamError as error:
                    if self._stopping.is_set():
                        break  # stop() cut the long poll: not the upstream's failure
                    if error.auth:
                        self._auth_failed(db, enrollment, error)
                        continue
                    failures += 1
                    self._failed(db, error)
                    self._sleep_after_failure("pull", failures, error.retry_after)
                except sqlite3.Error as exc:
                    log.error("sync pull: local database error: %s", exc)
                    self._stopping.wait(1.0)
        finally:
            db.close()

    # -- one-shot (edge sync now) ----------------------------------------------------------------
    def run_once(self, deadline_s: float = 60.0) -> dict:
        """Push until the queue is empty, an error, or the deadline; then one pull without waiting."""
        db = connect(self.db_path, self.write_lock)
        sent_before = pending_count(db)
        error = None
        try:
            client, enrollment = self._client(db, "once")
            if client is None:
                return {"ok": False, "error": sync_status(db)["state"], **sync_status(db)}
            end = time.monotonic() + deadline_s
            while time.monotonic() < end:
                outcome, _ = self.push_once(db, client)
                if outcome == "auth":
                    error = f"{self.last_auth_error}: needs re-enrollment"
                    self._auth_failed(db, enrollment, self.last_auth_error)
                    break
                if outcome == "retry":
                    error = get_state(db).get("last_error")
                    break
                if outcome == "idle":
                    break
            if error is None:
                try:
                    self.pull_once(db, client, wait=0)
                except UpstreamError as exc:
                    if exc.auth:
                        self._auth_failed(db, enrollment, exc)
                    error = str(exc)
            status = sync_status(db)
            return {"ok": error is None, "error": error, "sent": sent_before - status["pending"], **status}
        finally:
            db.close()
