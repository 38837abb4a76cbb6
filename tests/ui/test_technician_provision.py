"""Provisioning a fresh device from the technician screens at 80x24 (SSH size), digits only:
PIN, device name and ticket prefix, enrollment by scanning the QR, a printer found by a LAN scan
(on loopback), a test page per profile, stations, camera, done — then the kitchen prints."""

from __future__ import annotations

import ipaddress
import uuid

import pytest

import edge.technician.netscan as netscan
from edge.printer_sim.simulator import PrinterSimulator
from edge.ui.kiosk_app import create_app
from edge.ui.technician.technician_app import TechnicianApp, create_technician_app
from edge.ui.technician.technician_home import HomeScreen
from edge.ui.technician.printers import PrintersScreen, PrinterSetupScreen
from edge.ui.technician.provision import DoneScreen, EnrollScreen
from tests.sync.fixtures import STORE, enroll_code, sqlite_upstream, sqlite_upstream_db  # noqa: F401 - fixtures
from tests.support.upstream_trust import trust_section
from tests.technician.helpers import PIN, Core, write_config

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    monkeypatch.setattr(netscan, "own_interfaces", lambda: [ipaddress.IPv4Interface("127.0.0.1/8")])


@pytest.fixture
def fresh_core(tmp_path):
    core = Core(write_config(tmp_path / "dev")).start()
    yield core
    core.stop()


@pytest.fixture
def installed_core(tmp_path, sqlite_upstream, sqlite_upstream_db):  # noqa: F811 - fixtures
    """A fresh device whose install allows (and pins the key of) the test's upstream."""
    core = Core(write_config(tmp_path / "dev", trust_section(sqlite_upstream.url, sqlite_upstream_db))).start()
    yield core
    core.stop()


@pytest.fixture
def sim():
    printer = PrinterSimulator(port=0).start()
    yield printer
    printer.stop()


async def type_pin(pilot, ui, pin: str = PIN) -> None:
    for digit in pin:
        await ui.tap(pilot, f"#key-{digit}")
    await ui.tap(pilot, "#key-ok")


def test_edge_ui_mode_technician_makes_the_technician_app(fresh_core):
    assert isinstance(create_app(fresh_core.url, mode="technician"), TechnicianApp)
    with pytest.raises(ValueError):
        create_app(fresh_core.url, mode="banana")


async def test_fresh_device_is_provisioned_end_to_end(installed_core, sim, sqlite_upstream, sqlite_upstream_db, ui):
    fresh_core = installed_core
    app = create_technician_app(fresh_core.url, scan_subnet="127.0.0.1/32", scan_ports=[sim.port])
    async with app.run_test(size=SIZE) as pilot:
        await ui.wait_for(pilot, lambda: "First setup" in ui.screen_text(app), what="first setup")
        await type_pin(pilot, ui)
        await ui.wait_for(pilot, lambda: "Enter it again" in ui.screen_text(app), what="confirmation")
        await type_pin(pilot, ui)
        await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="home")

        await ui.tap(pilot, "#go-provision")  # 1/6 device
        await ui.wait_for(pilot, lambda: "counter-1" in ui.screen_text(app), what="device screen")
        ui.assert_touch_sized(app)
        for key in ("#base-kiosk", "#key-del", "#key-2", "#prefix-next"):
            await ui.tap(pilot, key)
        assert "Device name: kiosk-2" in ui.screen_text(app)
        await ui.tap(pilot, "#next")

        await ui.wait_for(pilot, lambda: isinstance(app.screen, EnrollScreen), what="enroll step")  # 2/6
        assert app.screen.query_one("#enroll").disabled
        app.client.scan(enroll_code(sqlite_upstream_db, sqlite_upstream.url))  # as a wedge scanner would
        await ui.wait_for(pilot, lambda: not app.screen.query_one("#enroll").disabled, what="the held code")
        assert f"store {STORE}" in ui.screen_text(app)
        await ui.tap(pilot, "#enroll")
        await ui.wait_for(pilot, lambda: "Enrolled" in ui.screen_text(app), what="enrolled")
        await ui.tap(pilot, "#next")

        await ui.wait_for(pilot, lambda: isinstance(app.screen, PrintersScreen), what="printers step")  # 3/6
        await ui.tap(pilot, "#scan")
        await ui.wait_for(pilot, lambda: bool(app.screen.query("#found-0")), what="scan result")
        assert "printer ok" in ui.screen_text(app)
        await ui.tap(pilot, "#found-0")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PrinterSetupScreen)
                          and "ESC/POS printer" in ui.screen_text(app), what="printer status")
        await ui.wait_for(pilot, lambda: bool(app.screen.query("#profile-58mm-gb18030")), what="profiles")
        await ui.tap(pilot, "#profile-58mm-gb18030")
        await ui.tap(pilot, "#test-page")
        await ui.wait_for(pilot, lambda: "58mm-gb18030: printed" in ui.screen_text(app), timeout=20,
                          what="test page")
        assert "打印测试" in sim.tickets[-1].text and "58mm-gb18030" in sim.tickets[-1].text
        await ui.tap(pilot, "#use")
        name = f"printer-1-{sim.port}"
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PrintersScreen) and name in ui.screen_text(app),
                          what="the printer in the list")
        await ui.tap(pilot, "#next")

        await ui.wait_for(pilot, lambda: bool(app.screen.query("#st-dimsum")), what="stations step")  # 4/6
        await ui.tap(pilot, "#st-dimsum")
        assert str(app.screen.query_one("#st-dimsum").label) == name
        await ui.tap(pilot, "#next")
        await ui.wait_for(pilot, lambda: "fps" in ui.screen_text(app), what="camera step")  # 5/6
        await ui.tap(pilot, "#next")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, DoneScreen) and "kiosk-2" in ui.screen_text(app),
                          what="summary")  # 6/6
        shown = ui.screen_text(app)
        assert "prefix B" in shown and f"store {STORE} (enrolled)" in shown and f"dimsum→{name}" in shown
        await ui.tap(pilot, "#finish")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="home again")

    settings = (fresh_core.service.config.data_dir / "provisioned.toml").read_text()
    assert 'name = "kiosk-2"' in settings and f"[printers.{name}]" in settings and f'dimsum = "{name}"' in settings
    placed = fresh_core.http.post(fresh_core.url + "/v1/orders", timeout=10, json={
        "client_token": uuid.uuid4().hex, "lines": [{"item_id": "har_gow", "qty": 1}]}).json()
    assert placed["ticket_no"].startswith("B")
    assert placed["ticket_no"] in sim.wait_for_tickets(2, timeout=10)[-1].text


async def test_wrong_pins_lock_the_screen_with_a_growing_wait(fresh_core, ui):
    fresh_core.login()  # sets the PIN
    app = create_technician_app(fresh_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await ui.wait_for(pilot, lambda: "Technician PIN" in ui.text_of(app, "#pin-prompt"), what="login")
        for n in range(4):
            for key in "000000":
                await pilot.press(key)  # a keyboard over SSH works like the keypad
            await pilot.press("enter")
            await ui.wait_for(pilot, lambda n=n: f"({4 - n} tries" in ui.screen_text(app), what=f"try {n + 1}")
        await type_pin(pilot, ui, "000000")
        await ui.wait_for(pilot, lambda: "try again in 30 s" in ui.screen_text(app), what="the lockout")
        await type_pin(pilot, ui)  # the right PIN while locked: still refused
        await ui.wait_for(pilot, lambda: "try again in" in ui.screen_text(app), what="still locked")
        assert not isinstance(app.screen, HomeScreen)
        assert "305917" not in ui.screen_text(app) and "●" not in ui.text_of(app, "#pin-display")


async def test_over_ssh_a_device_in_use_without_a_pin_points_to_the_console(fresh_core, ui):
    """The technician app over SSH no longer offers to set the first PIN on a device in use: the
    core refuses it (403 pin_from_console), and the screen names the console command."""
    placed = fresh_core.http.post(fresh_core.url + "/v1/orders", timeout=10, json={
        "client_token": uuid.uuid4().hex, "lines": [{"item_id": "har_gow", "qty": 1}]})
    assert placed.status_code == 201
    app = create_technician_app(fresh_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await ui.wait_for(pilot, lambda: "No technician PIN" in ui.screen_text(app), what="the refusal")
        assert "edge technician set-pin" in ui.screen_text(app)
        assert not app.screen.query_one("#pin-pad").display
    assert not fresh_core.service.technician.auth.pin_set()
