"""Enrollment from the technician flow: the scanner's enrollment code stays in the core (the
event and the state show only store / role / upstream), the core enrolls with it against a real
upstream on loopback, and the doctor follows: enrolled, upstream reachable, then not."""

from __future__ import annotations

import base64
import json
import threading

import requests

from tests.sync.fixtures import STORE, enroll_code
from tests.support import wait_for as wait_until
from tests.support.upstream_trust import trust_section


def listen(core) -> tuple[list[str], threading.Event]:
    """Collect the raw SSE text of the core's event stream in a thread."""
    seen, ready = [], threading.Event()

    def run() -> None:
        with requests.get(core.url + "/v1/events", stream=True, timeout=(5, 30)) as answer:
            ready.set()
            for line in answer.iter_lines(decode_unicode=True):
                seen.append(line)
                if line.startswith("event: shutdown"):
                    return

    threading.Thread(target=run, daemon=True).start()
    ready.wait(5)
    return seen, ready


def test_enroll_with_the_last_scanned_code_never_lets_the_token_out(core_at, sqlite_upstream, sqlite_upstream_db):
    core = core_at(trust_section(sqlite_upstream.url, sqlite_upstream_db))
    session = core.login()
    nothing = core.post("/v1/technician/enroll", {}, session)
    assert nothing.status_code == 409 and "enrollment code" in nothing.json()["error"]["message"]
    events, _ = listen(core)
    wait_until(lambda: core.service.events.subscriber_count > 0, what="event stream")
    code = enroll_code(sqlite_upstream_db, sqlite_upstream.url)
    token = json.loads(base64.urlsafe_b64decode(code.split(".")[2] + "==="))["t"]
    assert core.http.post(core.url + "/v1/scans", json={"text": code}, timeout=5).status_code == 202
    state = wait_until(lambda: (s := core.get("/v1/technician/state").json())["enroll_code"] and s, what="held code")
    assert state["enroll_code"]["store_id"] == STORE and state["enroll_code"]["upstream"] == sqlite_upstream.url
    assert token not in json.dumps(state)
    assert core.post("/v1/technician/enroll", {}).status_code == 401  # a session is needed
    done = core.post("/v1/technician/enroll", {}, session)
    assert done.status_code == 200, done.text
    assert done.json()["store_id"] == STORE and token not in done.text
    state = core.get("/v1/technician/state").json()
    assert state["enrollment"]["status"] == "enrolled" and state["enroll_code"] is None
    assert core.post("/v1/technician/enroll", {}, session).status_code == 409  # used once
    wait_until(lambda: any("event: enrollment" in line for line in events), what="enrollment event")
    assert not any(token in line for line in events)
    checks = {c["name"]: c for c in core.get("/v1/doctor").json()["checks"]}
    assert checks["enrollment"]["ok"] and f"store {STORE}" in checks["enrollment"]["detail"]
    assert checks["upstream"]["ok"] and "answered" in checks["upstream"]["detail"]
    sqlite_upstream.stop()
    checks = {c["name"]: c for c in core.get("/v1/doctor").json()["checks"]}
    assert not checks["upstream"]["ok"] and "cannot reach" in checks["upstream"]["detail"]
    with core.service.ledger.step():
        core.service.db.execute("UPDATE sync_enrollment SET status = 'revoked', reason = 'stolen'")
    checks = {c["name"]: c for c in core.get("/v1/doctor").json()["checks"]}
    assert not checks["enrollment"]["ok"] and "revoked (stolen)" in checks["enrollment"]["detail"]


def test_an_old_unsigned_enrollment_code_is_not_held_and_says_why(core_at):
    core = core_at()
    core.http.post(core.url + "/v1/scans", json={"text": "MT1E.0.eyJ1IjoiaHR0cDovL2V2aWwifQ.AAAAAAAAAAAAAAAAAAAAAA"},
                   timeout=5)
    state = wait_until(lambda: (s := core.get("/v1/technician/state").json())["enroll_code_problem"] and s,
                       what="the problem")
    assert state["enroll_code"] is None and "old unsigned" in state["enroll_code_problem"]
    assert "new one" in state["enroll_code_problem"]
