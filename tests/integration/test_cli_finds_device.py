"""Commands find the device that runs without `--config`, and never create an empty database.

Resolution order (edge/config.py `find_config`): --config, $EDGE_CONFIG, the running core's runtime
file (edge/running_core.py), ./edge.toml, ./.demo/edge.toml, the user config, built-in defaults.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tarfile

import pytest
import requests
from click.testing import CliRunner

from edge.cli import cli
from edge.config import find_config
from edge.demo.setup import STATION_PORTS, demo_config_text
from edge.ledger.db import connect
from edge.ledger.migrations import migrate
from edge.running_core import runtime_file
from tests.support import free_port, wait_for, wait_healthy

ORDER = {"client_token": "cli-find-1", "service": "takeaway", "payment": "counter",
         "lines": [{"item_id": "har_gow", "qty": 1}]}


def _device_config(folder, core_port: int, printer_port: int) -> str:
    return (f'[device]\nname = "shop-7"\ndata_dir = "{folder / "data"}"\n\n[core]\nport = {core_port}\n\n'
            f'[menu]\nfile = "{_demo_menu()}"\n\n'
            f'[printers.kitchen]\nurl = "tcp://127.0.0.1:{printer_port}"\n\n[stations]\ndimsum = "kitchen"\n')


def _demo_menu() -> str:
    from edge.demo.setup import MENU_FILE

    return str(MENU_FILE)


def _edge(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _default_database(home) -> bool:
    return any(path.name == "edge.sqlite" for path in home.rglob("edge.sqlite"))


def test_commands_without_config_find_the_running_core(tmp_path, isolated_environment):
    device, elsewhere = tmp_path / "device", tmp_path / "elsewhere"
    device.mkdir()
    elsewhere.mkdir()
    core_port, printer_port = free_port(), free_port()
    config_file = device / "edge.toml"
    config_file.write_text(_device_config(device, core_port, printer_port), encoding="utf-8")
    # as the Pi's service runs it: the data dir given by the environment, not by the file
    core = subprocess.Popen([sys.executable, "-m", "edge", "core", "--config", str(config_file)], cwd=device,
                            env={**os.environ, "EDGE_DEVICE_DATA_DIR": str(device / "var")},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    advertised = runtime_file()
    try:
        url = f"http://127.0.0.1:{core_port}"
        wait_healthy(f"{url}/v1/health", core, 60, "core")
        assert requests.post(f"{url}/v1/orders", json=ORDER, timeout=10).status_code in (200, 201)
        wait_for(advertised.exists, 10, "the runtime file")
        doc = json.loads(advertised.read_text())
        assert doc["config"] == str(config_file.resolve()) and doc["pid"] == core.pid and doc["url"] == url
        assert doc["db"] == str(device / "var" / "edge.sqlite")
        assert stat.S_IMODE(advertised.stat().st_mode) == 0o600

        doctor = _edge("doctor", cwd=elsewhere)
        assert "printer kitchen" in doctor.stdout and f"127.0.0.1:{printer_port}" in doctor.stdout, doctor.stdout
        assert "no printer configured" not in doctor.stdout

        sync = _edge("sync", "status", "--json", cwd=elsewhere)
        assert sync.returncode == 0, sync.stderr
        assert json.loads(sync.stdout)["pending"] >= 1  # the order just taken, in the core's own queue

        bundle = elsewhere / "bundle.tar.gz"
        export = _edge("logs", "export", "--out", str(bundle), cwd=elsewhere)
        assert export.returncode == 0, export.stderr
        with tarfile.open(bundle) as tar:
            text = "\n".join(tar.extractfile(m).read().decode("utf-8", "replace")
                             for m in tar.getmembers() if m.isfile())
        assert "shop-7" in text and "counter-1" not in text
        assert not (isolated_environment / ".local" / "share" / "matou").exists()
        assert not (device / "data").exists()  # the config file's own data dir: never created by a command
    finally:
        core.send_signal(signal.SIGTERM)
        core.wait(30)
    assert not advertised.exists()  # removed on a clean exit


def test_a_dead_cores_runtime_file_is_ignored(tmp_path, monkeypatch):
    config_file = tmp_path / "edge.toml"
    config_file.write_text('[device]\nname = "gone"\n', encoding="utf-8")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    target = runtime_file()
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"config": str(config_file), "pid": int(dead.stdout), "url": "http://x"}))
    monkeypatch.chdir(tmp_path / "..")
    assert find_config().device.name == "counter-1"
    target.write_text(json.dumps({"config": str(config_file), "pid": os.getpid(), "url": "http://x"}))
    assert find_config().device.name == "gone"
    monkeypatch.setenv("EDGE_CONFIG", str(tmp_path / "other.toml"))
    (tmp_path / "other.toml").write_text('[device]\nname = "chosen"\n', encoding="utf-8")
    assert find_config().device.name == "chosen"  # $EDGE_CONFIG comes before the running core
    assert find_config(config_file).device.name == "gone"


def test_doctor_in_the_demo_folder_reports_the_demos_printers(tmp_path, monkeypatch):
    demo = tmp_path / ".demo"
    demo.mkdir()
    (demo / "edge.toml").write_text(demo_config_text(demo / "data", free_port(), 9101), encoding="utf-8")
    migrate(db := connect(demo / "data" / "edge.sqlite"))  # as the demo's core left it
    db.close()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["doctor"])
    for station in STATION_PORTS:
        assert f"printer {station}" in result.output, result.output
    assert "no printer configured" not in result.output


@pytest.mark.parametrize("command", [["doctor"], ["sync", "status"], ["sync", "dead"], ["sync", "retry-dead"],
                                     ["sync", "now"], ["logs", "export"], ["backup"],
                                     ["report", "day", "--core", "http://127.0.0.1:9"]])
def test_read_only_commands_refuse_when_there_is_no_device(tmp_path, monkeypatch, isolated_environment, command):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, command)
    assert result.exit_code != 0
    assert "no device database" in result.output or "no database to back up" in result.output
    assert not _default_database(isolated_environment) and not _default_database(tmp_path)
