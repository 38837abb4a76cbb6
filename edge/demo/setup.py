"""The demo: a dim-sum restaurant with a local upstream, one virtual printer per kitchen station,
and the device enrolled through the real enrollment path (one-time code, Ed25519 key)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MENU_FILE = Path(__file__).with_name("menu.toml")
STATION_PORTS = {"dimsum": 9101, "kitchen": 9102, "bar": 9103}
DEMO_STORE = "demo"


def demo_config_text(data_dir: Path, core_port: int = 8765, base_port: int = 9101,
                     upstream_url: str = "", upstream_key: str = "") -> str:
    """The demo's edge.toml; with `upstream_url`, its [upstream] allows that (loopback) upstream only
    and pins `upstream_key`, as hardware/setup.sh --upstream / --upstream-key would."""
    printers = "\n".join(
        f'[printers.{station}]\nurl = "tcp://127.0.0.1:{base_port + n}"\nprofile = "80mm-gb18030"\n'
        for n, station in enumerate(STATION_PORTS))
    stations = "\n".join(f'{station} = "{station}"' for station in STATION_PORTS)
    upstream = (f'[upstream]\nallowed_urls = ["{upstream_url}"]\npublic_key = "{upstream_key}"\n\n'
                if upstream_url else "")
    return f'''# Matou demo: 粤点茶楼, a Cantonese dim-sum restaurant (written by `edge demo`).
[device]
name = "demo-kiosk"
ticket_prefix = "A"
data_dir = "{data_dir}"

[core]
host = "127.0.0.1"
port = {core_port}

[menu]
file = "{MENU_FILE}"

[payments]
# pay_later: "pay at the counter" orders print at once; "pay by code" orders print once paid
mode = "pay_later"

{upstream}{printers}
[stations]
{stations}
'''


def printer_ports(base_port: int = 9101) -> dict[str, int]:
    return {station: base_port + n for n, station in enumerate(STATION_PORTS)}


def _run(args: list[str], module: str) -> str:
    """Run a CLI step of the demo (as an operator or technician would) and return its output."""
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"`{module} {' '.join(args[:3])}` failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def prepare_upstream(database: Path, upstream_url: str) -> None:
    """First run: the operator adds the store and publishes its menu."""
    if database.exists():
        return
    _run(["stores", "add", DEMO_STORE, "--name", "粤点茶楼", "--database", str(database)], "upstream")
    _run(["menu", "publish", DEMO_STORE, str(MENU_FILE), "--database", str(database)], "upstream")


def upstream_public_key(database: Path) -> str:
    """The key the demo's upstream signs enrollment codes with (`edge-upstream public-key`)."""
    return _run(["public-key", "--database", str(database)], "upstream").strip()


def enroll_device(root: Path, database: Path, upstream_url: str, config_file: Path) -> None:
    """The operator makes a one-time code; the technician gives it to the device (`edge enroll`)."""
    if json.loads(_run(["sync", "status", "--json", "--config", str(config_file)], "edge"))["enrolled"]:
        return
    output = _run(["enroll-token", DEMO_STORE, "--database", str(database), "--url", upstream_url,
                   "--png", str(root / "enroll-code.png")], "upstream")
    code = next(line.strip() for line in output.splitlines() if line.strip().startswith("MT1E."))
    _run(["enroll", code, "--config", str(config_file)], "edge")


def start_demo(processes, root: Path, core_port: int, printer_port: int, upstream_port: int | None = None):
    """Write the demo config under `root`; start printer-sims, (optionally) a local upstream with
    the device enrolled, and the core. `processes` is an edge.launcher.Processes.
    Returns (core URL, core process)."""
    from edge.launcher import wait_for_core, wait_for_port

    root.mkdir(parents=True, exist_ok=True)
    config_file = root / "edge.toml"
    database, upstream_url, upstream_key = root / "upstream.sqlite", "", ""
    if upstream_port:
        upstream_url = f"http://127.0.0.1:{upstream_port}"
        prepare_upstream(database, upstream_url)
        upstream_key = upstream_public_key(database)
    config_file.write_text(demo_config_text(root / "data", core_port, printer_port, upstream_url, upstream_key),
                           encoding="utf-8")
    for station, port in printer_ports(printer_port).items():
        processes.spawn(f"printer-{station}", ["printer-sim", "--port", str(port), "--name", station,
                                               "--out", str(root / "tickets" / station)])
        wait_for_port("127.0.0.1", port)
    if upstream_port:
        upstream = processes.spawn("upstream", ["serve", "--database", str(database), "--port", str(upstream_port)],
                                   module="upstream", env={"EDGE_UPSTREAM_GATEWAY": "sandbox"})
        wait_for_core(upstream_url, upstream, what="the upstream")
        enroll_device(root, database, upstream_url, config_file)
    core_process = processes.spawn("core", ["core", "--config", str(config_file)])
    url = f"http://127.0.0.1:{core_port}"
    wait_for_core(url, core_process)
    return url, core_process
