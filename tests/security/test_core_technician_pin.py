"""The first technician PIN: through the API only on a fresh device, else from the device's console.

The attack (issue 12, item 3): on a device in use with no technician PIN (what `edge demo` made),
`POST /v1/technician/pin` set one without a session and returned a technician session, which
then re-pointed a kitchen printer. Now the API sets a first PIN only on a device that was never
set up (no enrollment, no printer, no provisioned.toml, no order); any other device answers 403
and the technician runs `edge technician set-pin` on the device's console. Real HTTP over
127.0.0.1 to a real core; the console command runs as a real process.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from edge.sync.enroll import enroll
from tests.support.upstream_trust import trust_section
from tests.sync.fixtures import enroll_code, sqlite_upstream, sqlite_upstream_db  # noqa: F401 - fixtures
from tests.technician.helpers import Core, write_config

PIN = "305917"
ATTACKER_PIN = "468213"


@pytest.fixture
def core_at(tmp_path):
    made: list[Core] = []

    def start(extra: str = "", name: str = "dev") -> Core:
        made.append(Core(write_config(tmp_path / name, extra)).start())
        return made[-1]

    yield start
    for core in made:
        core.stop()


def place(core: Core) -> None:
    doc = {"client_token": uuid.uuid4().hex, "lines": [{"item_id": "har_gow", "qty": 1}]}
    assert core.http.post(core.url + "/v1/orders", json=doc, timeout=30).status_code == 201


def console_set_pin(core: Core, pin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge", "technician", "set-pin", "--config", str(core.config_path)],
                          capture_output=True, text=True, input=f"{pin}\n{pin}\n", timeout=120)


def refused_without_a_session(core: Core) -> None:
    answer = core.post("/v1/technician/pin", {"pin": ATTACKER_PIN})
    assert answer.status_code == 403, answer.text
    error = answer.json()["error"]
    assert error["code"] == "pin_from_console" and "edge technician set-pin" in error["message"]
    assert "session" not in answer.json()
    state = core.get("/v1/technician/state").json()
    assert not state["pin_set"] and not state["fresh"]
    assert core.post("/v1/technician/login", {"pin": ATTACKER_PIN}).status_code == 409  # still no PIN at all
    printers = {"evil": {"url": "tcp://127.0.0.1:9", "profile": "80mm-gb18030"}}
    assert core.post("/v1/technician/settings", {"printers": printers}).status_code == 401


def test_a_device_with_printers_and_no_pin_refuses_a_pin_from_the_api(core_at):
    core = core_at('[printers.kitchen]\nurl = "tcp://127.0.0.1:9"\n[stations]\ndimsum = "kitchen"\n')
    refused_without_a_session(core)


def test_a_device_that_took_orders_refuses_a_pin_from_the_api(core_at):
    core = core_at()
    assert core.get("/v1/technician/state").json()["fresh"]
    place(core)
    refused_without_a_session(core)


def test_a_device_with_screen_settings_refuses_a_pin_from_the_api(core_at):
    core = core_at()
    (core.service.config.data_dir / "provisioned.toml").write_text("broken = [\n")  # even a broken file counts
    refused_without_a_session(core)


def test_an_enrolled_device_refuses_a_pin_from_the_api(core_at, sqlite_upstream, sqlite_upstream_db):
    core = core_at(trust_section(sqlite_upstream.url, sqlite_upstream_db))
    enroll(core.service.config, enroll_code(sqlite_upstream_db, sqlite_upstream.url))
    assert not core.get("/v1/technician/state").json()["fresh"]
    refused_without_a_session(core)


def test_the_console_sets_the_first_pin_on_a_device_in_use(core_at):
    core = core_at('[printers.kitchen]\nurl = "tcp://127.0.0.1:9"\n')
    place(core)
    done = console_set_pin(core, PIN)
    assert done.returncode == 0, done.stderr
    assert "technician PIN set" in done.stdout
    session = core.post("/v1/technician/login", {"pin": PIN})
    assert session.status_code == 200
    token = session.json()["session"]
    # changing it through the API needs the session
    assert core.post("/v1/technician/pin", {"pin": ATTACKER_PIN}).status_code == 401
    assert core.post("/v1/technician/pin", {"pin": "830261"}, token).status_code == 200
    assert core.post("/v1/technician/login", {"pin": "830261"}).status_code == 200


def test_a_fresh_device_sets_its_first_pin_through_the_api(core_at):
    core = core_at()
    state = core.get("/v1/technician/state").json()
    assert state["fresh"] and not state["pin_set"]
    answer = core.post("/v1/technician/pin", {"pin": PIN})
    assert answer.status_code == 200 and answer.json()["session"]
    assert core.post("/v1/technician/settings", {"device": {"name": "kiosk-2"}}, answer.json()["session"]) \
        .status_code == 200
    again = core.post("/v1/technician/pin", {"pin": ATTACKER_PIN})  # the next one needs the session
    assert again.status_code == 401 and "session" not in again.json()


def test_the_demo_sets_a_technician_pin_of_its_own_on_the_console(core_at, tmp_path):
    from edge.demo.setup import PIN_FILE, technician_pin

    core = core_at('[printers.kitchen]\nurl = "tcp://127.0.0.1:9"\n')  # a demo device: printers, so not fresh
    root = core.config_path.parent
    pin = technician_pin(root, core.config_path, core.url)
    assert pin and (root / PIN_FILE).stat().st_mode & 0o777 == 0o600
    assert core.post("/v1/technician/login", {"pin": pin}).status_code == 200
    assert technician_pin(root, core.config_path, core.url) == pin  # the next run keeps it
