"""The demo out of the box: its staff (set on its upstream, synced down) are on the cashier's list
and log in with the PINs the demo prints and the README shows, in cashier mode through the kiosk's
Ctrl-K; a second demo, in the same folder or on the same ports, says so and starts nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from edge.demo.setup import DEMO_STAFF
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.login import LoginScreen
from edge.ui.kiosk_app import create_app
from tests.support import free_port, free_port_block, stop_process, wait_healthy

HOST = "127.0.0.1"
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    core_port, upstream_port = free_port(), free_port()
    printer_port = free_port_block(3, avoid=(core_port, upstream_port))
    ports = ["--core-port", str(core_port), "--printer-port", str(printer_port), "--upstream-port", str(upstream_port)]
    out = root.parent / f"{root.name}.out"
    with open(out, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "edge", "demo", "--dir", str(root), "--no-ui", *ports],
                                   stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://{HOST}:{core_port}"
    try:
        wait_healthy(f"{url}/v1/health", process, 120, "demo")
        deadline = time.monotonic() + 60  # the start lines come once the staff reached the device
        while "running without UI" not in out.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, out.read_text()
            time.sleep(0.2)
        yield {"root": root, "url": url, "ports": ports, "process": process, "out": out.read_text()}
    finally:
        stop_process(process)


def test_the_demo_staff_are_on_the_cashier_list_and_their_printed_pins_log_in(demo):
    listed = requests.get(f"{demo['url']}/v1/cashier/staff", timeout=10).json()["staff"]
    assert {(s["staff_id"], s["role"]) for s in listed} == {("cashier-1", "cashier"), ("manager-1", "manager")}
    readme = README.read_text(encoding="utf-8")
    for member in DEMO_STAFF:  # the start lines and the README both tell each PIN
        assert f"{member.name} " in demo["out"] and f"PIN {member.pin}" in demo["out"], demo["out"]
        assert member.name in readme and member.pin in readme
    for member in DEMO_STAFF[:2]:
        login = requests.post(f"{demo['url']}/v1/cashier/login",
                              json={"staff_id": member.staff_id, "pin": member.pin}, timeout=10)
        assert login.status_code == 200, login.text
        assert login.json()["staff"]["name"] == member.name
    technician = next(m for m in DEMO_STAFF if m.role == "technician")
    refused = requests.post(f"{demo['url']}/v1/cashier/login",
                            json={"staff_id": technician.staff_id, "pin": technician.pin}, timeout=10)
    assert refused.status_code == 403, refused.text  # the technician's PIN is for technician mode
    opened = requests.post(f"{demo['url']}/v1/technician/login", json={"pin": technician.pin}, timeout=10)
    assert opened.status_code == 200, opened.text
    device_pin = (demo["root"] / "technician-pin").read_text().strip()  # the device's own PIN is set too
    assert f"technician PIN (Ctrl-T): {device_pin}" in demo["out"]
    opened = requests.post(f"{demo['url']}/v1/technician/login", json={"pin": device_pin}, timeout=10)
    assert opened.status_code == 200, opened.text


def test_the_demo_prints_a_table_code_whose_page_orders_to_the_kitchen(demo):
    line = next(x for x in demo["out"].splitlines() if x.startswith("扫码点餐 phone ordering"))
    url = line.rsplit(" ", 1)[1]
    assert url.startswith(f"http://{HOST}:") and "/t/demo/12?k=" in url, line
    phone = requests.Session()
    page = phone.get(url, timeout=10)
    assert page.status_code == 200 and "粤点茶楼" in page.text and "matou_table" in phone.cookies
    base = url.split("/t/", 1)[0]
    added = phone.post(f"{base}/v1/table/cart", json={"op": "add", "item_id": "har_gow", "qty": 1}, timeout=10)
    assert added.status_code == 200, added.text
    sent = phone.post(f"{base}/v1/table/rounds", json={"client_token": "demo-round-1"}, timeout=10)
    assert sent.status_code == 201, sent.text
    deadline = time.monotonic() + 30
    tickets: list[str] = []
    while not tickets and time.monotonic() < deadline:
        tickets = [f.read_text(encoding="utf-8") for f in (demo["root"] / "tickets" / "dimsum").glob("*.txt")]
        tickets = [t for t in tickets if "第1轮" in t]
        time.sleep(0.1)
    assert tickets and "桌 12" in tickets[0] and "水晶虾饺皇" in tickets[0]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_ctrl_k_on_the_demo_kiosk_lists_its_staff_and_the_cashier_logs_in(demo, ui, size):
    cashier = next(m for m in DEMO_STAFF if m.role == "cashier")
    app = create_app(demo["url"])
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        await pilot.press("ctrl+k")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="the PIN screen")
        await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#staff-{cashier.staff_id}")),
                          what="the demo's staff")
        assert app.screen.query("#staff-manager-1") and not app.screen.query("#staff-tech-1")
        await ui.tap(pilot, f"#staff-{cashier.staff_id}")
        for digit in cashier.pin:
            await ui.tap(pilot, f"#key-{digit}")
        await ui.tap(pilot, "#key-ok")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the cashier home")
        assert cashier.name in ui.screen_text(app)


def test_a_second_demo_says_one_is_running_and_starts_nothing(demo, tmp_path):
    started = time.monotonic()
    same_dir = subprocess.run([sys.executable, "-m", "edge", "demo", "--dir", str(demo["root"]), "--no-ui",
                               *demo["ports"]], capture_output=True, text=True, timeout=60)
    assert same_dir.returncode != 0
    said = " ".join(same_dir.stderr.split())
    assert "a demo is already running" in said and f"pid {demo['process'].pid}" in said, said
    assert f"edge ui --url {demo['url']}" in said and f"kill {demo['process'].pid}" in said
    other_dir = subprocess.run([sys.executable, "-m", "edge", "demo", "--dir", str(tmp_path / "other"), "--no-ui",
                                *demo["ports"]], capture_output=True, text=True, timeout=60)
    assert other_dir.returncode != 0
    said = " ".join(other_dir.stderr.split())
    assert "already in use" in said and f"{demo['url'].rsplit(':', 1)[1]} (core)" in said, said
    assert not (tmp_path / "other" / "logs").exists(), "the second demo started processes"
    assert time.monotonic() - started < 50
    # the first demo runs on, untouched
    assert demo["process"].poll() is None
    assert requests.get(f"{demo['url']}/v1/health", timeout=10).ok
