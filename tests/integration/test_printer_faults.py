"""A printer that refuses the connection: the order is still placed, the job waits and prints later."""

from __future__ import annotations

import time

import requests

from edge.core.server import BackgroundCore
from edge.core.service import EdgeService
from edge.printer_sim.simulator import PrinterSimulator
from tests.conftest import make_config
from tests.support import free_port


def test_refused_printer_keeps_job_queued_then_prints(tmp_path):
    dead_port = free_port()
    live = PrinterSimulator(port=0, out_dir=tmp_path / "bar", name="bar")
    live.start()
    config = make_config(tmp_path / "data", {"dimsum": dead_port, "kitchen": dead_port, "bar": live.port})
    service = EdgeService(config).open()
    core = BackgroundCore(service).start()
    try:
        body = {"client_token": "t", "lines": [{"item_id": "har_gow", "qty": 1}, {"item_id": "milk_tea", "qty": 1}]}
        answer = requests.post(f"{core.url}/v1/orders", json=body, timeout=5)
        assert answer.status_code == 201
        assert "港式奶茶" in live.wait_for_tickets(1, timeout=5)[0].text  # the other printer carries on
        time.sleep(0.5)
        order = requests.get(f"{core.url}/v1/orders/{answer.json()['id']}", timeout=5).json()
        dimsum_job = next(j for j in order["print_jobs"] if j["station_id"] == "dimsum")
        assert dimsum_job["state"] in ("queued", "sending")
        assert dimsum_job["attempts"] >= 1 and "refused" in dimsum_job["last_error"]
        status = requests.get(f"{core.url}/v1/status", timeout=5).json()
        assert status["printers"]["dimsum"]["state"] == "problem"
        revived = PrinterSimulator(port=dead_port, out_dir=tmp_path / "dimsum", name="dimsum")
        revived.start()
        try:
            service.spool.wake()
            assert "水晶虾饺皇" in revived.wait_for_tickets(1, timeout=10)[0].text
        finally:
            revived.stop()
    finally:
        core.stop()
        service.close()
        live.stop()


def test_station_without_printer_is_flagged_not_lost(tmp_path):
    config = make_config(tmp_path / "data", {"bar": free_port()})
    # two printers make the station map explicit, so 'dimsum' has none
    config = make_config(tmp_path / "data", None, extra=(
        f'[printers.bar]\nurl = "tcp://127.0.0.1:{free_port()}"\n'
        f'[printers.spare]\nurl = "tcp://127.0.0.1:{free_port()}"\n[stations]\nbar = "bar"\n'))
    service = EdgeService(config).open(start_printing=False)
    try:
        order, created = service.place_order({"client_token": "x", "lines": [{"item_id": "har_gow", "qty": 1}]})
        assert created
        (job,) = order["print_jobs"]
        assert job["state"] == "attention" and "no printer" in job["last_error"]
    finally:
        service.close()
