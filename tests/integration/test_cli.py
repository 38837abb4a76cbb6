"""The `edge` CLI: the commands exist, `edge init` writes a usable config, the demo runs for real."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from edge.cli import cli
from edge.config import load_config
from tests.support import free_port, free_port_block, wait_healthy


@pytest.mark.parametrize("command", [["core"], ["printer-sim"], ["init"], ["run"], ["demo"], ["ui"],
                                     ["menu", "import"], ["status"]])
def test_commands_have_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_init_writes_a_commented_config_that_loads(tmp_path):
    path = tmp_path / "edge.toml"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--path", str(path)]).exit_code == 0
    assert "ticket_prefix" in path.read_text() and path.read_text().count("#") > 10
    assert load_config(path, environ={}).device.ticket_prefix == "A"
    again = runner.invoke(cli, ["init", "--path", str(path)])
    assert again.exit_code != 0 and "--force" in again.output


def test_config_typo_is_reported_by_the_cli(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text("[core]\nprot = 1\n")
    result = CliRunner().invoke(cli, ["status", "--config", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: unknown key 'prot' in [core]; did you mean 'port'?" in result.output


def test_demo_prints_kitchen_tickets_per_station_and_syncs(tmp_path):
    core_port, upstream_port = free_port(), free_port()
    printer_port = free_port_block(3, avoid=(core_port, upstream_port))
    demo = subprocess.Popen([sys.executable, "-m", "edge", "demo", "--dir", str(tmp_path), "--no-ui",
                             "--core-port", str(core_port), "--printer-port", str(printer_port),
                             "--upstream-port", str(upstream_port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{core_port}"
        wait_healthy(f"{url}/v1/health", demo, 120, "demo")
        body = {"client_token": "demo-1", "service": "takeaway", "lines": [
            {"item_id": "har_gow", "qty": 2}, {"item_id": "fried_rice", "qty": 1, "options": ["large"]},
            {"item_id": "lemon_tea", "qty": 1, "options": ["iced", "sweet_less"]}]}
        order = requests.post(f"{url}/v1/orders", json={**body, "payment": "code"}, timeout=5).json()
        # paying by code: nothing reaches the kitchen before the money
        assert order["status"] == "awaiting_payment"
        time.sleep(0.5)
        assert not list((tmp_path / "tickets").rglob("*.txt"))
        placed_at = time.monotonic()  # pay with the sandbox's instant-success WeChat code
        paid = requests.post(f"{url}/v1/orders/{order['id']}/payments", json={"code": "138888888888888800"},
                             timeout=10)
        assert paid.status_code == 201, paid.text
        expected = {"dimsum": "水晶虾饺皇", "kitchen": "扬州炒饭", "bar": "柠檬茶"}
        tickets = {}
        while len(tickets) < 3 and time.monotonic() - placed_at < 10:
            for station in expected:
                files = list((tmp_path / "tickets" / station).glob("*.txt"))
                if files:
                    tickets[station] = files[0].read_text(encoding="utf-8")
            time.sleep(0.02)
        elapsed = time.monotonic() - placed_at
        assert set(tickets) == set(expected), f"missing tickets after {elapsed:.1f} s"
        assert elapsed < 5.0  # payment + printing: well under a second on a quiet machine
        for station, name in expected.items():
            assert name in tickets[station] and order["ticket_no"] in tickets[station]
            assert "外带" in tickets[station]
        deadline = time.monotonic() + 10  # the device was enrolled through the real path: it syncs
        while time.monotonic() < deadline:
            status = json.loads(subprocess.run([sys.executable, "-m", "edge", "status", "--url", url],
                                               capture_output=True, text=True, timeout=20).stdout)
            if status["outbox"]["unsynced"] == 0 and status["sync"].get("state") == "ok":
                break
            time.sleep(0.2)
        assert status["sync"]["enrolled"] and status["outbox"]["unsynced"] == 0, status["sync"]
        upstream_orders = json.loads(subprocess.run(
            [sys.executable, "-m", "upstream", "orders", "list", "--store", "demo", "--json",
             "--database", str(tmp_path / "upstream.sqlite")], capture_output=True, text=True, timeout=20).stdout)
        assert [o["ticket_no"] for o in upstream_orders["orders"]] == [order["ticket_no"]]
    finally:
        demo.terminate()
        demo.wait(10)
    time.sleep(0.5)
    for port in (core_port, printer_port, upstream_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, "demo left a process listening"
