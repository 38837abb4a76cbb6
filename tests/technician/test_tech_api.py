"""The core's technician endpoints over HTTP: PIN and sessions, screen settings written to
provisioned.toml and applied at once (printers restarted, prefix in the next ticket), kept over
a restart, bad input refused; the LAN scan and printer probe from the core."""

from __future__ import annotations

import uuid

from edge.config import load_config
from edge.technician.doctor import run_doctor
from tests.technician.helpers import PIN, Core


def order(core: Core) -> dict:
    doc = {"client_token": uuid.uuid4().hex, "lines": [{"item_id": "har_gow", "qty": 1}]}
    answer = core.http.post(core.url + "/v1/orders", json=doc, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_pin_and_sessions_guard_every_change(core_at):
    core = core_at()
    assert core.post("/v1/technician/settings", {"device": {"name": "x-1"}}).status_code == 401
    assert core.post("/v1/technician/login", {"pin": PIN}).json()["error"]["code"] == "no_pin"
    assert core.post("/v1/technician/pin", {"pin": "123456"}).json()["error"]["code"] == "bad_pin"
    session = core.post("/v1/technician/pin", {"pin": PIN}).json()["session"]
    assert core.post("/v1/technician/pin", {"pin": "830261"}).status_code == 401  # a PIN exists: log in first
    assert core.post("/v1/technician/pin", {"pin": "830261"}, session).status_code == 200
    wrong = core.post("/v1/technician/login", {"pin": PIN})
    assert wrong.status_code == 401 and wrong.json()["error"]["tries_left"] == 4
    for _ in range(3):
        core.post("/v1/technician/login", {"pin": PIN})
    locked = core.post("/v1/technician/login", {"pin": PIN})
    assert locked.status_code == 429 and locked.json()["error"]["retry_after_s"] == 30
    assert core.post("/v1/technician/login", {"pin": "830261"}).status_code == 429
    state = core.get("/v1/technician/state").json()
    assert state["pin_set"] and not state["fresh"] and 0 < state["locked_for_s"] <= 30
    core.post("/v1/technician/logout", session=session)
    assert core.post("/v1/technician/settings", {"device": {"name": "x-1"}}, session).status_code == 401


def test_settings_apply_at_once_and_survive_a_restart(core_at, sims, tmp_path):
    core = core_at()
    config_text = core.config_path.read_text()
    session = core.login()
    answer = core.post("/v1/technician/settings", {"device": {"name": "kiosk-2", "ticket_prefix": "B"}}, session)
    assert answer.status_code == 200 and answer.json()["device"] == {"name": "kiosk-2", "ticket_prefix": "B"}
    assert order(core)["ticket_no"].startswith("B")
    sim = sims()
    printers = {"printer-1": {"url": f"tcp://127.0.0.1:{sim.port}", "profile": "58mm-gb18030"}}
    assert core.post("/v1/technician/settings", {"printers": printers, "stations": {"dimsum": "printer-1"}},
                     session).status_code == 200
    placed = order(core)
    tickets = sim.wait_for_tickets(1, timeout=10)
    assert placed["ticket_no"] in tickets[-1].text
    settings_file = core.service.config.data_dir / "provisioned.toml"
    assert 'ticket_prefix = "B"' in settings_file.read_text() and "[printers.printer-1]" in settings_file.read_text()
    assert core.config_path.read_text() == config_text  # the administrator's file is never rewritten
    core.stop()
    again = Core(core.config_path).start()
    try:
        state = again.get("/v1/technician/state").json()
        assert state["device"]["name"] == "kiosk-2" and state["stations"] == {"dimsum": "printer-1"}
        assert state["printers"]["printer-1"]["profile"] == "58mm-gb18030"
    finally:
        again.stop()


def test_bad_settings_are_refused_and_change_nothing(core_at):
    core = core_at()
    session = core.login()
    for body, words in (({"device": {"ticket_prefix": "7"}}, "ticket prefix"),
                        ({"device": {"name": "有 空格"}}, "device name"),
                        ({"stations": {"dimsum": "nowhere"}}, "not configured"),
                        ({"printers": {"p": {"url": "http://example.com"}}}, "scheme"),
                        ({"printers": {"p": {"url": "tcp://127.0.0.1:9100", "profile": "99mm"}}}, "profile"),
                        ({"scanner": {"source": "/etc/passwd-not-a-camera"}}, "camera source"),
                        ({"device": "x"}, "must be an object"), ({}, "send one of")):
        answer = core.post("/v1/technician/settings", body, session)
        assert answer.status_code == 422 and words in answer.json()["error"]["message"], (body, answer.text)
    assert not (core.service.config.data_dir / "provisioned.toml").exists()


def test_a_broken_settings_file_is_ignored_and_the_doctor_names_it(core_at, tmp_path):
    core = core_at()
    core.stop()
    config = load_config(core.config_path, environ={})
    (config.data_dir / "provisioned.toml").write_text('[device]\nticket_prefix = "123"\n')
    again = Core(core.config_path).start()
    try:
        assert again.get("/v1/technician/state").json()["device"]["ticket_prefix"] == "A"
        checks = {c["name"]: c for c in again.get("/v1/doctor").json()["checks"]}
        assert not checks["settings"]["ok"] and "ticket prefix" in checks["settings"]["detail"]
    finally:
        again.stop()
    assert not {c.name: c for c in run_doctor(config, None)}["settings"].ok


def test_lan_scan_and_probe_from_the_core(core_at, sims, not_a_printer):
    core = core_at()
    sim = sims()
    assert core.post("/v1/technician/printers/scan", {"subnet": "127.0.0.1/32"}).status_code == 401
    session = core.login()
    refused = core.post("/v1/technician/printers/scan", {"subnet": "10.0.0.0/16"}, session)
    assert refused.status_code == 422 and "at most one /24" in refused.json()["error"]["message"]
    own = core.post("/v1/technician/printers/scan", {}, session)  # own subnet: only loopback here
    assert own.status_code == 422 and "no network address" in own.json()["error"]["message"]
    found = core.post("/v1/technician/printers/scan",
                      {"subnet": "127.0.0.1/32", "ports": [sim.port, not_a_printer.port]}, session).json()["found"]
    assert [(f["port"], f["printer"]) for f in found] == sorted([(sim.port, True), (not_a_printer.port, False)])
    probe = core.post("/v1/technician/printers/probe", {"url": f"tcp://127.0.0.1:{not_a_printer.port}"}, session)
    assert probe.json()["printer"] is False and "not known" in probe.json()["detail"]
    assert core.post("/v1/technician/printers/probe", {"url": f"tcp://127.0.0.1:{sim.port}"},
                     session).json()["printer"] is True
    assert core.post("/v1/technician/printers/probe", {"url": "ftp://x"}, session).status_code == 422


def cli(*args, input: str | None = None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "edge.technician.cli", *args], capture_output=True, text=True,
                          input=input, timeout=60)


def test_set_pin_over_ssh_clears_a_lockout_while_the_core_runs(core_at):
    core = core_at()
    core.login()
    for _ in range(5):
        core.post("/v1/technician/login", {"pin": "000000"})
    assert core.post("/v1/technician/login", {"pin": PIN}).status_code == 429
    weak = cli("technician", "set-pin", "--config", str(core.config_path), input="111111\n111111\n")
    assert weak.returncode == 1 and "too easy" in weak.stderr
    done = cli("technician", "set-pin", "--config", str(core.config_path), input="830261\n830261\n")
    assert done.returncode == 0 and "lockout cleared" in done.stdout
    assert core.post("/v1/technician/login", {"pin": "830261"}).status_code == 200


def test_scan_printers_cli(sims):
    sim = sims()
    refused = cli("technician", "scan-printers", "--subnet", "10.0.0.0/16")
    assert refused.returncode == 1 and "at most one /24" in refused.stderr
    done = cli("technician", "scan-printers", "--subnet", "127.0.0.1/32", "--port", str(sim.port))
    assert done.returncode == 0 and f"tcp://127.0.0.1:{sim.port}" in done.stdout and "printer" in done.stdout
