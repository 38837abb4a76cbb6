"""The demo: a dim-sum restaurant with a local upstream, one virtual printer per kitchen station,
the device enrolled through the real enrollment path (one-time code, Ed25519 key), and a
technician PIN of its own, and staff (a cashier, a manager, a technician) with fixed demo PINs
that the README and the demo's start lines show.

A demo device is set up (printers, enrollment), so the core does not let anybody set its first
technician PIN through the API: the demo sets a random one with `edge technician set-pin`, as a
technician on the device's console would, keeps it in `<dir>/technician-pin` (0600) and prints it."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MENU_FILE = Path(__file__).with_name("menu.toml")
STATION_PORTS = {"dimsum": 9101, "kitchen": 9102, "bar": 9103}
DEMO_STORE = "demo"
PIN_FILE = "technician-pin"


@dataclass(frozen=True)
class DemoStaff:
    staff_id: str
    name: str
    role: str
    pin: str


# The demo's PINs are public (README): a real store sets its own with `edge-upstream staff set`.
DEMO_STAFF = (DemoStaff("cashier-1", "王小明", "cashier", "2468"),
              DemoStaff("manager-1", "李经理", "manager", "135790"),
              DemoStaff("tech-1", "陈师傅", "technician", "864213"))


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


def _run(args: list[str], module: str, input: str | None = None) -> str:
    """Run a CLI step of the demo (as an operator or technician would) and return its output."""
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=60,
                          input=input)
    if done.returncode != 0:
        raise RuntimeError(f"`{module} {' '.join(args[:3])}` failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def prepare_upstream(database: Path, upstream_url: str) -> None:
    """First run: the operator adds the store and publishes its menu."""
    if database.exists():
        return
    _run(["stores", "add", DEMO_STORE, "--name", "粤点茶楼", "--database", str(database)], "upstream")
    _run(["menu", "publish", DEMO_STORE, str(MENU_FILE), "--database", str(database)], "upstream")
    # the owner's coupon campaigns (docs/members-and-data.md): one members claim, one return coupon
    ends = time.strftime("%Y-%m-%d", time.localtime(time.time() + 90 * 24 * 3600))
    for name, terms, delivery in (("会员立减", ["--amount-off", "5", "--min-spend", "30"], "claim"),
                                  ("回头礼 9折", ["--percent-off", "10", "--max-off", "20", "--min-spend", "50"],
                                   "after_payment")):
        _run(["campaigns", "create", DEMO_STORE, "--name", name, *terms, "--ends", ends, "--quota", "1000",
              "--delivery", delivery, "--database", str(database)], "upstream")


DEMO_TABLE = "12"


def phone_page_url(database: Path, upstream_port: int, table: str = DEMO_TABLE) -> str:
    """The demo's table code for `table`, as a browser on this machine opens it: the operator's
    `edge-upstream tables code` (a real signed code), on the demo upstream's plain-http loopback
    address (a store's cards say https://<its ordering host>/t/...; the host is not signed)."""
    url = _run(["tables", "code", DEMO_STORE, table, "--host", f"127.0.0.1:{upstream_port}",
                "--database", str(database)], "upstream").strip().splitlines()[0]
    return "http://" + url.removeprefix("https://")


def set_demo_staff(database: Path) -> None:
    """The operator adds the demo's staff to the store (again at each start: the PINs stay the
    README's)."""
    for member in DEMO_STAFF:
        _run(["staff", "set", DEMO_STORE, member.staff_id, "--name", member.name, "--role", member.role,
              "--pin", member.pin, "--database", str(database)], "upstream")


def add_demo_staff(root: Path, core_url: str) -> bool:
    """Set the demo's staff on its upstream (after the device's own technician PIN: a store
    technician on the device would count as a PIN already set) and wait until the device has them."""
    set_demo_staff(root / "upstream.sqlite")
    return wait_for_staff(core_url)


def wait_for_staff(core_url: str, timeout: float = 30.0) -> bool:
    """True once the cashier's staff list (GET /v1/cashier/staff) shows the demo's cashier and
    manager, synced down from the upstream; False when they did not arrive within `timeout`."""
    import requests

    wanted = {m.staff_id for m in DEMO_STAFF if m.role != "technician"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            listed = requests.get(f"{core_url}/v1/cashier/staff", timeout=5).json().get("staff", [])
            if wanted <= {s.get("staff_id") for s in listed}:
                return True
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.2)
    return False


def staff_lines() -> list[str]:
    """The start lines that say who can log in where, with the demo's PINs."""
    roles = {"cashier": "收银员 cashier", "manager": "经理 manager", "technician": "技术员 technician"}
    cashier = "   ".join(f"{m.name} ({roles[m.role]}) PIN {m.pin}" for m in DEMO_STAFF if m.role != "technician")
    technician = "   ".join(f"{m.name} ({roles[m.role]}) PIN {m.pin}" for m in DEMO_STAFF if m.role == "technician")
    return [f"cashier mode (Ctrl-K): {cashier}", f"technician mode (Ctrl-T): {technician}"]


def upstream_public_key(database: Path) -> str:
    """The key the demo's upstream signs enrollment codes with (`edge-upstream public-key`)."""
    return _run(["public-key", "--database", str(database)], "upstream").strip()


def enroll_device(root: Path, database: Path, upstream_url: str, config_file: Path) -> None:
    """The operator makes a one-time code; the technician gives it to the device (`edge enroll`)."""
    if (root / "data" / "edge.sqlite").is_file() and json.loads(
            _run(["sync", "status", "--json", "--config", str(config_file)], "edge"))["enrolled"]:
        return
    output = _run(["enroll-token", DEMO_STORE, "--database", str(database), "--url", upstream_url,
                   "--png", str(root / "enroll-code.png")], "upstream")
    code = next(line.strip() for line in output.splitlines() if line.strip().startswith("MT1E."))
    _run(["enroll", code, "--config", str(config_file)], "edge")


def new_demo_pin() -> str:
    """A random technician PIN that `edge technician set-pin` accepts (6 digits, not a run)."""
    from edge.technician.auth import PinRefused, check_new_pin

    while True:
        pin = f"{secrets.randbelow(900_000) + 100_000}"
        try:
            check_new_pin(pin)
        except PinRefused:
            continue
        return pin


def technician_pin(root: Path, config_file: Path, core_url: str) -> str | None:
    """The demo's technician PIN: set when the device has none with `edge technician set-pin` (the
    console's way) and kept in `<root>/technician-pin`, readable by its owner only. None when a PIN
    was set some other way (the demo does not know it)."""
    import requests

    path = root / PIN_FILE
    if requests.get(f"{core_url}/v1/technician/state", timeout=10).json()["pin_set"]:
        return path.read_text(encoding="utf-8").strip() if path.exists() else None
    pin = new_demo_pin()
    _run(["technician", "set-pin", "--config", str(config_file)], "edge", input=f"{pin}\n{pin}\n")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(pin + "\n")
    return pin


def start_demo(processes, root: Path, core_port: int, printer_port: int, upstream_port: int | None = None):
    """Write the demo config under `root`; start printer-sims, (optionally) a local upstream with
    the device enrolled, and the core. `processes` is an edge.launcher.Processes.
    Returns (core URL, core process)."""
    from edge.launcher import wait_for_core, wait_for_port
    from edge.protocol.private_files import private_dir

    private_dir(root)  # config, both databases, logs, tickets: the demo user's only
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
