"""A command that fails exits non-zero: a test page not printed, a demo whose core died."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time

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
        wait_healthy(f"http://127.0.0.1:{core_port}/v1/health", demo, 120, "demo")
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


def test_demo_in_a_terminal_ends_its_ui_and_exits_non_zero_when_its_core_dies(tmp_path):
    """`make run` in a real terminal: the demo sets its technician PIN without waiting on the
    terminal, shows the kiosk, and when the core is killed the UI ends and the demo exits 1."""
    core_port = free_port()
    printer_port = free_port_block(3, avoid=(core_port,))
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a terminal of its own, as in `make run`
        os.environ.update(TERM="xterm-256color", COLUMNS="100", LINES="30")
        os.execv(sys.executable, [sys.executable, "-m", "edge", "demo", "--dir", str(tmp_path / "demo"),
                                  "--core-port", str(core_port), "--printer-port", str(printer_port),
                                  "--upstream-port", "0"])
    screen, status, killed = b"", None, False
    deadline = time.monotonic() + 180
    try:
        while status is None and time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.2)[0]:
                try:
                    screen += os.read(terminal, 65536)
                except OSError:  # the demo closed its terminal
                    pass
            if not killed and b"\x1b[?1049h" in screen and runtime_file().exists():  # the kiosk is on screen
                try:
                    requests.get(f"http://127.0.0.1:{core_port}/v1/health", timeout=5).raise_for_status()
                except requests.RequestException:
                    continue
                os.kill(json.loads(runtime_file().read_text())["pid"], signal.SIGKILL)
                killed = True
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(code)
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(terminal)
    text = screen.decode("utf-8", "replace")
    assert killed, text[-2000:]
    assert status == 1, text[-2000:]
    assert f"core (exit code -{signal.SIGKILL}) ended" in text
