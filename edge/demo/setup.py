"""The demo: a config for a dim-sum restaurant with one virtual printer per kitchen station."""

from __future__ import annotations

from pathlib import Path

MENU_FILE = Path(__file__).with_name("menu.toml")
STATION_PORTS = {"dimsum": 9101, "kitchen": 9102, "bar": 9103}


def demo_config_text(data_dir: Path, core_port: int = 8765, base_port: int = 9101) -> str:
    printers = "\n".join(
        f'[printers.{station}]\nurl = "tcp://127.0.0.1:{base_port + n}"\nprofile = "80mm-gb18030"\n'
        for n, station in enumerate(STATION_PORTS))
    stations = "\n".join(f'{station} = "{station}"' for station in STATION_PORTS)
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

{printers}
[stations]
{stations}
'''


def printer_ports(base_port: int = 9101) -> dict[str, int]:
    return {station: base_port + n for n, station in enumerate(STATION_PORTS)}


def start_demo(processes, root: Path, core_port: int, printer_port: int):
    """Write the demo config under `root`, start one printer-sim per station and the core.

    `processes` is an edge.launcher.Processes; returns (core URL, core process)."""
    from edge.launcher import wait_for_core, wait_for_port

    root.mkdir(parents=True, exist_ok=True)
    config_file = root / "edge.toml"
    config_file.write_text(demo_config_text(root / "data", core_port, printer_port), encoding="utf-8")
    for station, port in printer_ports(printer_port).items():
        processes.spawn(f"printer-{station}", ["printer-sim", "--port", str(port), "--name", station,
                                               "--out", str(root / "tickets" / station)])
        wait_for_port("127.0.0.1", port)
    core_process = processes.spawn("core", ["core", "--config", str(config_file)])
    url = f"http://127.0.0.1:{core_port}"
    wait_for_core(url, core_process)
    return url, core_process
