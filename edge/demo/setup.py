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
