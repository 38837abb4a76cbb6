"""POST /v1/print-test is a technician's tool, not a way to write files or reach other hosts.

The attack (issue 12, item 2): with no session, `{"url": "file://<data_dir>/provisioned.toml"}`
appended a test page to the technician screen's settings; after a restart every printer set up
on the screen was gone and every new ticket went to `attention`. Now print-test needs a
technician session and goes only to a configured printer or to a tcp:// address on the LAN.
Every request here is real HTTP over 127.0.0.1 to a real core; no packet leaves loopback (the
non-LAN addresses are refused before any connection: they are documentation ranges anyway).
"""

from __future__ import annotations

import uuid

import pytest

from edge.core.print_test_target import is_lan_ip, print_test_target
from edge.printer_sim.simulator import PrinterSimulator
from edge.refusal import Refused
from tests.support import wait_for
from tests.technician.helpers import Core, set_console_pin, write_config

PIN = "305917"


@pytest.fixture
def sims():
    started: list[PrinterSimulator] = []

    def start() -> PrinterSimulator:
        started.append(PrinterSimulator(port=0).start())
        return started[-1]

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def device(tmp_path, sims):
    """A device in use: a kitchen printer set up on the technician screen (provisioned.toml)."""
    kitchen = sims()
    core = Core(write_config(tmp_path / "dev")).start()
    set_console_pin(core.service, PIN)
    session = core.login(PIN)
    answer = core.post("/v1/technician/settings", {
        "printers": {"kitchen": {"url": f"tcp://127.0.0.1:{kitchen.port}", "profile": "80mm-gb18030"}},
        "stations": {"dimsum": "kitchen", "kitchen": "kitchen", "bar": "kitchen"}}, session)
    assert answer.status_code == 200, answer.text
    core.kitchen, core.session = kitchen, session
    yield core
    core.stop()


def place(core: Core) -> dict:
    doc = {"client_token": uuid.uuid4().hex, "lines": [{"item_id": "har_gow", "qty": 1}]}
    answer = core.http.post(core.url + "/v1/orders", json=doc, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_file_url_cannot_touch_provisioned_toml_and_the_printers_survive_a_restart(device, tmp_path):
    settings = device.service.config.data_dir / "provisioned.toml"
    before = settings.read_bytes()
    attack = {"url": f"file://{settings}"}
    no_session = device.post("/v1/print-test", attack)
    assert no_session.status_code == 401 and no_session.json()["error"]["code"] == "technician_login"
    with_session = device.post("/v1/print-test", attack, device.session)
    assert with_session.status_code == 403, with_session.text
    assert with_session.json()["error"]["code"] == "not_allowed" and with_session.json()["error"]["field"] == "url"
    assert "--direct" in with_session.json()["error"]["message"]
    assert settings.read_bytes() == before

    device.stop()
    again = Core(device.config_path).start()
    try:
        assert set(again.service.config.printers) == {"kitchen"}
        order = place(again)
        wait_for(lambda: len(device.kitchen.tickets) >= 1, 30, "the ticket printed after the restart")
        jobs = again.get("/v1/print-jobs").json()["jobs"]
        assert {j["state"] for j in jobs if j["order_id"] == order["id"]} <= {"queued", "sending", "sent", "printed"}
    finally:
        again.stop()


def test_any_other_file_is_left_alone(device, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    for session in (None, device.session):
        for url in (f"file://{victim}", f"file://{victim}?x=1", f"FILE://{victim}"):
            answer = device.post("/v1/print-test", {"url": url, "profile": "80mm-gb18030"}, session)
            assert 400 <= answer.status_code < 500, (url, answer.text)
            assert answer.json()["error"]["field"] in ("url", None)
    assert victim.read_text() == "keep me\n"


@pytest.mark.parametrize("url", ["usb://04b8:0e15", "serial:///dev/ttyS0?baud=9600", "file:///dev/null"])
def test_device_paths_are_only_for_configured_printers(device, url):
    answer = device.post("/v1/print-test", {"url": url}, device.session)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"


@pytest.mark.parametrize("url", ["tcp://192.0.2.10:9100", "tcp://198.51.100.7", "tcp://[2001:db8::1]:9100",
                                 "tcp://0.0.0.0:9100", "tcp://[::ffff:203.0.113.5]:9100"])
def test_addresses_off_the_lan_are_refused(device, url):
    answer = device.post("/v1/print-test", {"url": url}, device.session)
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]["code"] == "not_on_lan" and answer.json()["error"]["field"] == "url"


def test_no_session_no_test_page_even_for_a_configured_printer(device):
    for body in ({"printer": "kitchen"}, {"url": f"tcp://127.0.0.1:{device.kitchen.port}"}):
        assert device.post("/v1/print-test", body).status_code == 401
        assert device.post("/v1/print-test", body, "not-a-session").status_code == 401
    device.post("/v1/technician/logout", session=device.session)
    assert device.post("/v1/print-test", {"printer": "kitchen"}, device.session).status_code == 401
    assert device.kitchen.tickets == []


def test_a_technician_tests_a_configured_printer_and_a_lan_printer(device, sims):
    by_name = device.post("/v1/print-test", {"printer": "kitchen", "profile": "58mm-gbk"}, device.session)
    assert by_name.status_code == 200, by_name.text
    assert by_name.json()["via"] == "core queue" and by_name.json()["outcome"] == "printed"
    assert "[QR MATOU-PRINT-TEST]" in device.kitchen.tickets[-1].text
    spare = sims()
    for host in ("127.0.0.1", "localhost"):
        on_lan = device.post("/v1/print-test", {"url": f"tcp://{host}:{spare.port}"}, device.session)
        assert on_lan.status_code == 200, on_lan.text
        assert on_lan.json()["via"] == "direct" and on_lan.json()["outcome"] == "printed"
    assert len(spare.tickets) == 2
    ghost = device.post("/v1/print-test", {"printer": "ghost"}, device.session)
    assert ghost.status_code == 404 and ghost.json()["error"]["field"] == "printer"
    nothing = device.post("/v1/print-test", {"profile": "58mm-gbk"}, device.session)
    assert nothing.status_code == 422
    bad_profile = device.post("/v1/print-test", {"printer": "kitchen", "profile": {"x": 1}}, device.session)
    assert bad_profile.status_code == 422 and bad_profile.json()["error"]["field"] == "profile"


def test_lan_addresses_and_hostnames():
    assert all(is_lan_ip(a) for a in ("10.0.0.9", "172.31.255.1", "192.168.1.50", "169.254.3.4", "127.0.0.1",
                                      "::1", "fe80::1", "fd12:3456::1", "::ffff:192.168.1.50"))
    assert not any(is_lan_ip(a) for a in ("8.8.8.8", "172.32.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.251",
                                          "255.255.255.255", "2001:db8::1", "::", "::ffff:8.8.8.8", "printer.lan"))
    lan = print_test_target({}, url="tcp://printer.lan:9101", resolver=lambda host, port: ["192.168.1.77"])
    assert lan.printer is None and lan.url == "tcp://192.168.1.77:9101"  # the address that was checked
    for answers in (["93.184.216.34"], ["192.168.1.77", "93.184.216.34"], []):
        with pytest.raises(Refused) as refused:
            print_test_target({}, url="tcp://printer.example:9100", resolver=lambda host, port, a=answers: a)
        assert refused.value.status == 403 and refused.value.code == "not_on_lan"

    def unknown(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(Refused) as refused:
        print_test_target({}, url="tcp://nowhere.invalid", resolver=unknown)
    assert refused.value.status == 422 and refused.value.code == "unknown_host"
