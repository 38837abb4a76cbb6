"""A command that fails exits non-zero: a test page not printed, a demo whose core died."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from edge.cli import cli
from edge.printer_sim.control import SimControl
from edge.printer_sim.simulator import PrinterSimulator
from edge.running_core import runtime_file
from tests.support import free_port, free_port_block, wait_for, wait_healthy


@pytest.fixture
def controlled_printer(tmp_path):
    sim = PrinterSimulator(port=0, out_dir=tmp_path, name="test").start()
    control = SimControl(sim).start()
    yield sim, control.url
    control.stop()
    sim.stop()


@pytest.mark.parametrize("as_json", [False, True])
def test_print_test_to_a_printer_with_paper_out_exits_non_zero(controlled_printer, as_json):
    sim, control = controlled_printer
    args = ["print-test", "--direct", "--url", f"tcp://127.0.0.1:{sim.port}"] + (["--json"] if as_json else [])
    printed = CliRunner().invoke(cli, args)
    assert printed.exit_code == 0 and "printed" in printed.output, printed.output
    assert requests.put(f"{control}/faults/paper-out", timeout=5).status_code == 204
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1, refused.output
    assert "not printed" in refused.output and "paper" in refused.output.lower()


def test_print_test_to_a_printer_that_is_off_exits_non_zero():
    result = CliRunner().invoke(cli, ["print-test", "--direct", "--url", f"tcp://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1 and "not printed" in result.output, result.output


def test_demo_whose_core_dies_exits_non_zero_naming_the_core(tmp_path):
    core_port = free_port()
    printer_port = free_port_block(3, avoid=(core_port,))
    log = tmp_path / "demo.out"
    with open(log, "w") as out:
        demo = subprocess.Popen([sys.executable, "-m", "edge", "demo", "--dir", str(tmp_path / "demo"), "--no-ui",
                                 "--core-port", str(core_port), "--printer-port", str(printer_port),
                                 "--upstream-port", "0"], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{core_port}/v1/health", demo, 60, "demo")
        wait_for(lambda: "running without UI" in log.read_text(), 60, "the demo to be up")
        core_pid = json.loads(runtime_file().read_text())["pid"]
        assert core_pid != demo.pid
        os.kill(core_pid, signal.SIGKILL)
        demo.wait(60)
        output = log.read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode != 0, output
    assert f"core (exit code -{signal.SIGKILL})" in output and "ended" in output, output
