"""Issue 12, item 3 (re-enrollment): no enrollment code sent to the core takes an enrolled device
to another upstream. Real HTTP over 127.0.0.1: the core (EdgeService + its API), the store's
upstream and a rogue upstream (each a real upstream with its own database and signing key).

The attack reproduced on the old code: an enrollment code naming a rogue upstream, sent to the
unauthenticated POST /v1/scans, was held, and one technician-session POST /v1/technician/enroll
moved the device to the rogue upstream (which then charged the next customer's payment code).
Now: codes must be signed by the upstream key pinned at install and name an upstream on the
install's allow-list ([upstream] in edge.toml), and an enrolled device moves only when a
logged-in technician confirms the held code by its id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest
import requests

from edge.protocol.enroll_code import make_enroll_code
from edge.protocol.signing import b64d, b64e, generate_key
from tests.support import wait_for
from tests.support.upstream_trust import trust_section
from tests.sync.fixtures import STORE, enroll_code, serve
from tests.technician.helpers import Core, write_config
from upstream.enroll import add_store, make_token
from upstream.schema import open_database


@pytest.fixture
def home(tmp_path):
    """The store's own upstream (the one the installer allows and pins)."""
    db = open_database(str(tmp_path / "home.sqlite"))
    server = serve(db)
    add_store(db, "s2", "二号店")
    yield server
    server.stop()
    db.close()


@pytest.fixture
def rogue(tmp_path):
    """An attacker's upstream: a real upstream with its own signing key, on loopback."""
    db = open_database(str(tmp_path / "rogue.sqlite"))
    server = serve(db)
    yield server
    server.stop()
    db.close()


@pytest.fixture
def start_core(tmp_path):
    made: list[Core] = []

    def start(extra: str) -> Core:
        made.append(Core(write_config(tmp_path / f"dev{len(made)}", extra)).start())
        return made[-1]

    yield start
    for core in made:
        core.stop()


def scan(core: Core, text: str) -> None:
    """What any local process (or a web page, before the Origin check) can do: no session."""
    answer = requests.post(core.url + "/v1/scans", json={"text": text}, timeout=10)
    assert answer.status_code == 202, answer.text


def state(core: Core) -> dict:
    return core.get("/v1/technician/state").json()


def enroll(core: Core, session: str | None, body: dict | None = None) -> requests.Response:
    headers = {"X-Technician-Session": session} if session else {}
    return requests.post(core.url + "/v1/technician/enroll", json=body or {}, headers=headers, timeout=60)


def enrolled_device(core: Core, home) -> tuple[str, dict]:
    """A device enrolled with `home` through the technician flow; returns (session, enrollment)."""
    session = core.login()
    scan(core, enroll_code(home.db, home.url))
    wait_for(lambda: state(core)["enroll_code"], what="the held code")
    done = enroll(core, session)
    assert done.status_code == 200, done.text
    return session, state(core)["enrollment"]


def wait_refused(core: Core, what: str) -> dict:
    """The core's verdict on the last scanned code: refused (not held), with a problem."""
    return wait_for(lambda: (s := state(core))["enroll_code_problem"] and s, timeout=15, what=what)


def assert_unchanged(core: Core, before: dict, *upstreams) -> None:
    after = state(core)
    assert after["enrollment"] == before, (before, after["enrollment"])
    row = core.service.db.execute("SELECT device_id, upstream_url FROM sync_enrollment").fetchall()
    assert row == [(before["device_id"], before["upstream"])]
    for upstream in upstreams:
        assert upstream.db.scalar("SELECT count(*) FROM devices") == 0, f"{upstream.url} got a device"


def old_unsigned_code(upstream_url: str, token: str) -> str:
    """Today's format (MT1E.0, a checksum only) built exactly as the old upstream did."""
    fields = {"u": upstream_url, "t": token, "s": STORE, "r": "kiosk", "x": int(time.time()) + 600}
    head = "MT1E.0." + b64e(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())
    return f"{head}.{b64e(hashlib.sha256(b'matou-enroll-v1' + bytes([10]) + head.encode()).digest()[:16])}"


def rogue_token(rogue) -> str:
    """A real one-time token on the rogue upstream (so only the device's checks stand in the way)."""
    return json.loads(base64.urlsafe_b64decode(make_token(rogue.db, STORE, "kiosk", rogue.url)[0]
                                               .split(".")[2] + "==="))["t"]


def test_first_enrollment_of_a_fresh_device_with_the_installed_key(start_core, home):
    from upstream.code_signing import public_key

    core = start_core(trust_section(home.url, home.db))
    assert state(core)["upstream"] == {"allowed_urls": [home.url], "pinned_key": public_key(home.db)[:8]}
    _, e = enrolled_device(core, home)
    assert e["upstream"] == home.url and e["status"] == "enrolled"
    assert home.db.scalar("SELECT count(*) FROM devices") == 1


def test_first_enrollment_without_a_pinned_key_pins_the_upstreams_key(start_core, home, rogue):
    from upstream.code_signing import public_key

    core = start_core(trust_section(home.url, home.db, pin=False))
    assert state(core)["upstream"]["pinned_key"] is None
    session, before = enrolled_device(core, home)
    assert state(core)["upstream"]["pinned_key"] == public_key(home.db)[:8]  # learned, and kept
    # from now on a code for the allowed URL but signed by another key is refused
    scan(core, make_token(rogue.db, STORE, "kiosk", home.url)[0])
    assert "pinned upstream key" in wait_refused(core, "refusal")["enroll_code_problem"]
    assert enroll(core, session, {}).status_code == 409
    assert_unchanged(core, before)


def test_a_fresh_device_with_no_allow_list_enrolls_nowhere(start_core, rogue):
    core = start_core("")
    session = core.login()
    scan(core, enroll_code(rogue.db, rogue.url))
    problem = wait_refused(core, "refusal")["enroll_code_problem"]
    assert "allows no upstream" in problem and "allowed_urls" in problem
    assert enroll(core, session).json()["error"]["code"] == "no_code"
    assert state(core)["enrollment"] is None and rogue.db.scalar("SELECT count(*) FROM devices") == 0


def test_an_old_unsigned_code_for_a_rogue_upstream_is_refused(start_core, home, rogue):
    """Today's attack, step for step: the old checksummed code, /v1/scans, a technician session."""
    core = start_core(trust_section(home.url, home.db))
    session, before = enrolled_device(core, home)
    scan(core, old_unsigned_code(rogue.url, rogue_token(rogue)))
    problem = wait_refused(core, "refusal")["enroll_code_problem"]
    assert "old unsigned" in problem and "new one" in problem
    assert state(core)["enroll_code"] is None
    for body in ({}, {"confirm": "0" * 16}):
        answer = enroll(core, session, body)
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_code", answer.text
    assert_unchanged(core, before, rogue)


def test_a_forged_code_is_refused(start_core, home, rogue):
    """A signed code whose upstream was swapped for the rogue's: the signature no longer verifies."""
    core = start_core(trust_section(home.url, home.db))
    session, before = enrolled_device(core, home)
    head, _, signature = enroll_code(home.db, home.url).rpartition(".")
    fields = json.loads(b64d(head.split(".")[2]))
    forged_head = "MT1E.1." + b64e(json.dumps({**fields, "u": rogue.url}, sort_keys=True,
                                              separators=(",", ":")).encode())
    scan(core, f"{forged_head}.{signature}")
    assert "does not verify" in wait_refused(core, "refusal")["enroll_code_problem"]
    assert enroll(core, session, {}).json()["error"]["code"] == "no_code"
    assert_unchanged(core, before, rogue)


def test_a_code_signed_by_another_key_is_refused(start_core, home, rogue):
    """The rogue signs a well-formed code, even one naming the allowed URL: not the pinned key."""
    core = start_core(trust_section(home.url, home.db))
    session, before = enrolled_device(core, home)
    for url in (home.url, rogue.url):
        scan(core, make_token(rogue.db, STORE, "kiosk", url)[0])
        problem = wait_refused(core, "refusal")["enroll_code_problem"]
        assert "pinned upstream key" in problem or "allow-list" in problem, problem
        assert enroll(core, session, {}).json()["error"]["code"] == "no_code"
        core.service.technician.codes.last_problem = None  # the next scan's verdict
    # and a key the attacker made on the spot, with the token of a real rogue upstream
    scan(core, make_enroll_code(generate_key(), home.url, STORE, "kiosk", rogue_token(rogue), int(time.time()) + 600))
    assert "pinned upstream key" in wait_refused(core, "refusal")["enroll_code_problem"]
    assert_unchanged(core, before, rogue)


def test_a_code_for_an_upstream_off_the_allow_list_is_refused(start_core, home, rogue):
    """Signed by the pinned key itself, but naming another URL: refused whatever its signature."""
    core = start_core(trust_section(home.url, home.db))
    session, before = enrolled_device(core, home)
    scan(core, make_token(home.db, STORE, "kiosk", rogue.url)[0])
    problem = wait_refused(core, "refusal")["enroll_code_problem"]
    assert f"upstream {rogue.url} is not on this device's allow-list" in problem
    assert enroll(core, session, {}).json()["error"]["code"] == "no_code"
    assert_unchanged(core, before, rogue)


def test_a_valid_code_on_an_enrolled_device_waits_for_the_technicians_confirmation(start_core, home):
    core = start_core(trust_section(home.url, home.db))
    session, before = enrolled_device(core, home)
    scan(core, enroll_code(home.db, home.url, store="s2"))  # trusted: signed, allowed
    held = wait_for(lambda: state(core)["enroll_code"], what="the held code")
    assert held["store_id"] == "s2" and len(held["id"]) == 16
    time.sleep(0.5)
    assert_unchanged(core, before)  # holding changes nothing
    assert enroll(core, None, {"confirm": held["id"]}).status_code == 401  # no session: never
    asked = enroll(core, session, {})
    assert asked.status_code == 409 and asked.json()["error"]["code"] == "confirm_reenroll"
    assert "store s1" in asked.json()["error"]["message"] and "store s2" in asked.json()["error"]["message"]
    wrong = enroll(core, session, {"confirm": "0" * 16})
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "code_changed"
    assert enroll(core, session, {"confirm": "not an id"}).status_code == 422
    assert_unchanged(core, before)
    done = enroll(core, session, {"confirm": held["id"]})
    assert done.status_code == 200, done.text
    after = state(core)["enrollment"]
    assert after["store_id"] == "s2" and after["upstream"] == home.url and after["device_id"] != before["device_id"]


def test_a_code_swapped_after_the_technician_saw_it_is_not_enrolled(start_core, home, rogue):
    """The id binds the confirmation to the code shown: a newer (trusted) code needs its own."""
    core = start_core(trust_section(home.url, home.db))
    session, before = enrolled_device(core, home)
    scan(core, enroll_code(home.db, home.url, store="s2"))
    shown = wait_for(lambda: state(core)["enroll_code"], what="the held code")
    scan(core, enroll_code(home.db, home.url))  # another trusted code replaces it
    wait_for(lambda: state(core)["enroll_code"]["id"] != shown["id"], what="the new code")
    answer = enroll(core, session, {"confirm": shown["id"]})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "code_changed"
    assert_unchanged(core, before, rogue)
