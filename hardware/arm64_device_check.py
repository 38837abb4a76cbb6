"""The device check of `make arm64-check` (hardware/arm64-check.sh), run inside the emulated root
file system after hardware/setup.sh installed Matou there, with the installed venv's Python (the
aarch64 wheels). What a technician does on a new Pi, step by step (docs/install-pi.md 5-8):

- the units setup.sh installed are enabled (systemctl --root), the kiosk's packages are there and
  foot reads the kiosk's foot.ini (`foot --check-config`);
- a local upstream (the store's cloud, here on loopback) with the demo's store and menu, and three
  printer-sims (one per kitchen station) stand in for what is outside the device;
- edge.toml edited as install-pi.md step 6 says (menu, printers, stations, the upstream's key),
  the technician PIN set, then the core started with the command line, user and environment of
  the installed matou-core.service (read from the unit file: the unit is what is tested);
- enrollment through the real path (`edge-upstream enroll-token`, `edge enroll`), an order whose
  kitchen tickets at the printer-sims hold the Chinese dish names, `edge scan --image` of a payment
  code and of a signed table code, `edge print-test` to a printer-sim, `edge doctor --json`.

Every step prints `ok: …` or the run stops at `FAILED <step>: <why>`. The figures go to --result
as JSON for the summary line. Not a test of the suite: it needs the installed system.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

UNITS = Path("/etc/systemd/system")
CONFIG = Path("/etc/matou/edge.toml")
MENU = Path("/etc/matou/menu.toml")
SOURCE = Path("/root/matou")
WORK = Path("/root/arm64-check")
EDGE = "/usr/local/bin/edge"  # the technicians' wrapper: runs as the service user with the device's config
VENV_BIN = Path("/opt/matou/venv/bin")
STORE = "demo"
STATIONS = {"dimsum": 9101, "kitchen": 9102, "bar": 9103}
TECH_PIN = "864213"
PAYMENT_CODE = "284512345678901234"  # an Alipay-shaped payment code (never a real one)
# doctor checks that cannot be ok in a chroot without a camera: (check name, why)
CHROOT_ONLY = {"camera": "no camera in an emulated root: proven on the first real Pi (install-pi.md step 7)"}
EXPECTED_DISHES = ("水晶虾饺皇", "港式奶茶")  # har_gow at the dim-sum station, milk_tea at the bar

figures: dict = {}
processes: list[subprocess.Popen] = []


class Failed(Exception):
    def __init__(self, step: str, why: str):
        super().__init__(f"{step}: {why}")
        self.step, self.why = step, why


def run(step: str, argv: list[str], stdin: str | None = None, timeout: float = 180, check: bool = True,
        env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if check and done.returncode != 0:
        raise Failed(step, f"`{' '.join(argv[:4])}` exited {done.returncode}: "
                           f"{(done.stderr or done.stdout).strip()[-400:]}")
    return done


def start(argv: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - the process keeps it
    process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    processes.append(process)
    return process


def wait_until(step: str, what: str, test: Callable[[], object], timeout: float = 120.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = test()
        except (requests.RequestException, OSError, ValueError):
            value = None
        if value:
            return value
        time.sleep(every)
    raise Failed(step, f"{what}: not within {timeout:.0f} s")


def ok(text: str) -> None:
    print(f"ok: {text}", flush=True)


def unit(name: str) -> dict[str, list[str]]:
    """The keys of an installed unit file: {key: [values in order]} (all sections)."""
    path = UNITS / name
    if not path.is_file():
        raise Failed("units", f"{path} is not installed")
    keys: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def command_of(keys: dict[str, list[str]]) -> list[str]:
    """A unit's ExecStart as the program systemd runs (the units go through /usr/bin/env)."""
    argv = shlex.split(keys["ExecStart"][0].lstrip("-@:+!"))
    return argv[1:] if argv[0] == "/usr/bin/env" else argv


def check_units() -> None:
    for name in ("matou-core.service", "matou-backup.timer", "matou-kiosk.service"):
        state = run("units", ["systemctl", "--root=/", "is-enabled", name], check=False).stdout.strip()
        if state != "enabled":
            raise Failed("units", f"{name} is {state or 'unknown'}, not enabled")
    kiosk = command_of(unit("matou-kiosk.service"))
    missing = [p for p in kiosk if p.startswith("/") and not Path(p).exists() and not p.startswith("/dev")]
    if missing:
        raise Failed("units", f"matou-kiosk.service runs {missing}, missing here")
    ok("matou-core.service, matou-backup.timer and matou-kiosk.service enabled (systemctl --root)")
    for package in ("cage", "foot", "fonts-noto-cjk"):
        status = run("kiosk", ["dpkg-query", "-W", "-f=${Status}", package], check=False).stdout
        if status != "install ok installed":
            raise Failed("kiosk", f"{package} is not installed")
    run("kiosk", ["foot", "--check-config", "--config", "/etc/matou/foot.ini"],
        env={"XDG_RUNTIME_DIR": "/tmp"})
    ok("kiosk packages cage, foot, fonts-noto-cjk installed; foot --check-config reads /etc/matou/foot.ini")


def upstream_cli(*args: str) -> str:
    return run("upstream", [str(VENV_BIN / "edge-upstream"), *args, "--database", str(WORK / "upstream.sqlite")]).stdout


def start_upstream(port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    upstream_cli("stores", "add", STORE, "--name", "粤点茶楼")
    upstream_cli("menu", "publish", STORE, str(SOURCE / "edge/demo/menu.toml"))
    start([str(VENV_BIN / "edge-upstream"), "serve", "--database", str(WORK / "upstream.sqlite"), "--port", str(port)],
          WORK / "upstream.log")
    wait_until("upstream", "the upstream answering /v1/health",
               lambda: requests.get(f"{url}/v1/health", timeout=2).ok)
    ok(f"local upstream on {url} (store {STORE}, the demo menu)")
    return url


def start_printers() -> None:
    for station, port in STATIONS.items():
        (WORK / f"sim-{station}").mkdir(parents=True, exist_ok=True)
        start([str(VENV_BIN / "edge"), "printer-sim", "--port", str(port), "--name", station,
               "--out", str(WORK / f"sim-{station}"), "--no-png", "--no-echo"], WORK / f"sim-{station}.log")
    for station, port in STATIONS.items():
        wait_until("printers", f"printer-sim {station}", lambda port=port: _port_open(port))
    ok(f"printer-sims {', '.join(f'{s} :{p}' for s, p in STATIONS.items())}")


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def configure(upstream_key: str) -> None:
    """edge.toml as install-pi.md step 6 has the technician edit it."""
    shutil.copy(SOURCE / "edge/demo/menu.toml", MENU)
    MENU.chmod(0o644)
    text = CONFIG.read_text(encoding="utf-8")
    edits = [('name = "counter-1"', 'name = "arm64-check"'),
             ('[menu]\n# A menu file (TOML) imported at start-up when its version is new to this device.\nfile = ""',
              f'[menu]\nfile = "{MENU}"'),
             ('public_key = ""', f'public_key = "{upstream_key}"'),
             ("[payments]", "".join(f'[printers.{s}]\nurl = "tcp://127.0.0.1:{p}"\nprofile = "80mm-gb18030"\n\n'
                                    for s, p in STATIONS.items()) + "[payments]"),
             ("[stations]", "[stations]\n" + "".join(f'{s} = "{s}"\n' for s in STATIONS) + 'report = "bar"')]
    for old, new in edits:
        if old not in text:
            raise Failed("config", f"edge.toml written by setup.sh has no {old!r} to edit")
        text = text.replace(old, new, 1)
    CONFIG.write_text(text, encoding="utf-8")
    run("config", [EDGE, "technician", "set-pin"], stdin=f"{TECH_PIN}\n{TECH_PIN}\n")
    ok("edge.toml: menu, 3 printers, stations, the upstream's key; technician PIN set")


def start_core() -> str:
    """The core as matou-core.service runs it: its User, Environment, RuntimeDirectory, ExecStart."""
    keys = unit("matou-core.service")
    user = keys["User"][0]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    for item in keys.get("Environment", []):
        for pair in shlex.split(item):
            name, value = pair.split("=", 1)
            env[name] = value
    for runtime in keys.get("RuntimeDirectory", []):  # what systemd makes for the unit at start
        path = Path("/run") / runtime
        path.mkdir(mode=0o755, exist_ok=True)
        shutil.chown(path, user, user)
    argv = command_of(keys)
    started = time.monotonic()
    start(["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv],
          WORK / "core.log")
    wait_until("core", "the core answering /v1/health (see core.log)",
               lambda: requests.get("http://127.0.0.1:8765/v1/health", timeout=2).ok, timeout=180)
    figures["core_up_s"] = time.monotonic() - started
    ok(f"core up in {figures['core_up_s']:.1f} s as user {user}: {' '.join(argv)}")
    return "http://127.0.0.1:8765"


def enroll(upstream: str) -> None:
    text = upstream_cli("enroll-token", STORE, "--role", "kiosk", "--url", upstream,
                        "--png", str(WORK / "enroll.png"))
    token = re.search(r"MT1E[^\s]+", text)
    if token is None:
        raise Failed("enrollment", f"no MT1E code in the enroll-token output: {text[-200:]}")
    said = run("enrollment", [EDGE, "enroll", token.group(0)]).stdout.strip()
    doc = json.loads(run("enrollment", [EDGE, "sync", "status", "--json"]).stdout)
    if not doc.get("enrollment") or doc["enrollment"].get("store_id") != STORE:
        raise Failed("enrollment", f"edge sync status shows no enrollment with {STORE}: {doc}")
    wait_until("enrollment", "the upstream seeing the device", lambda: "arm64-check" in upstream_cli("devices", "list")
               or STORE in upstream_cli("devices", "list"), timeout=60, every=1.0)
    ok(f"enrolled through edge-upstream enroll-token + edge enroll ({said.splitlines()[-1][:90]})")


def tickets(station: str) -> list[Path]:
    return sorted((WORK / f"sim-{station}").glob("*.txt"))


def order_to_ticket(core: str) -> None:
    before = {s: len(tickets(s)) for s in STATIONS}
    started = time.monotonic()
    answer = requests.post(f"{core}/v1/orders", timeout=30, json={
        "client_token": f"arm64-{int(time.time())}", "service": "takeaway", "payment": "counter",
        "lines": [{"item_id": "har_gow", "qty": 1}, {"item_id": "milk_tea", "qty": 1}]})
    if answer.status_code not in (200, 201):
        raise Failed("order", f"POST /v1/orders answered {answer.status_code}: {answer.text[:200]}")

    def printed() -> str | None:
        texts = [p.read_text(encoding="utf-8") for s in ("dimsum", "bar") for p in tickets(s)[before[s]:]]
        joined = "\n".join(texts)
        return joined if all(dish in joined for dish in EXPECTED_DISHES) else None

    text = wait_until("order", "both kitchen tickets with 水晶虾饺皇 and 港式奶茶 at the printer-sims", printed,
                      timeout=60, every=0.02)
    figures["order_to_ticket_ms"] = (time.monotonic() - started) * 1000
    figures["ticket_sample"] = text.strip().splitlines()[:12]
    ok(f"order → both kitchen tickets in {figures['order_to_ticket_ms']:.0f} ms, the Chinese dish names on them")


def scans() -> None:
    """A payment code and a table card made on the device (`edge tables make-codes`, which reads
    each card back), both read by `edge scan --image` with the aarch64 decoders."""
    import qrcode

    key = WORK / "table.key"
    key.write_text(os.urandom(32).hex() + "\n", encoding="ascii")
    cards = WORK / "cards"
    run("scan", [str(VENV_BIN / "edge"), "tables", "make-codes", "--store", STORE, "--host", "order.example.com",
                 "--kid", "k1", "--key-file", str(key), "--tables", "12", "--out", str(cards)])
    card = next(iter(sorted(cards.glob("*12*.png"))), None)
    if card is None:
        raise Failed("scan", f"edge tables make-codes wrote no card for table 12 in {cards}")
    payment = WORK / "payment.png"
    qrcode.make(PAYMENT_CODE, border=4, box_size=8).save(payment)
    started = time.monotonic()
    out = run("scan", [str(VENV_BIN / "edge"), "scan", "--json", "--store", STORE, "--key", f"k1={key}",
                       str(payment), str(card)]).stdout
    figures["scan_ms"] = (time.monotonic() - started) * 1000 / 2
    found = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    kinds = [[c.get("kind") for c in doc.get("codes", [])] for doc in found]
    if kinds != [["alipay"], ["table"]]:
        raise Failed("scan", f"edge scan --image read {kinds}, not [alipay] and [table]: {out[-300:]}")
    if PAYMENT_CODE in out:
        raise Failed("scan", "edge scan printed the payment code in clear")
    ok(f"edge scan --image: the payment code (alipay, masked) and the signed table card (verified table), "
       f"{figures['scan_ms']:.0f} ms an image")


def print_test() -> None:
    before = len(tickets("kitchen"))
    started = time.monotonic()
    run("print-test", [EDGE, "print-test", "--url", f"tcp://127.0.0.1:{STATIONS['kitchen']}"],
        stdin=f"{TECH_PIN}\n")
    wait_until("print-test", "the test page at the kitchen printer-sim", lambda: len(tickets("kitchen")) > before,
               timeout=30, every=0.02)
    figures["print_test_ms"] = (time.monotonic() - started) * 1000
    ok(f"edge print-test to the kitchen printer-sim in {figures['print_test_ms']:.0f} ms")


def doctor() -> None:
    done = run("doctor", [EDGE, "doctor", "--json"], check=False)
    try:
        doc = json.loads(done.stdout)
    except ValueError:
        raise Failed("doctor", f"edge doctor --json did not answer JSON: {done.stdout[-300:]}"
                               f" {done.stderr[-300:]}") from None
    checks = doc.get("checks", doc) if isinstance(doc, dict) else doc
    if isinstance(checks, dict):
        checks = [{"name": k, **(v if isinstance(v, dict) else {"ok": v})} for k, v in checks.items()]
    bad = [c for c in checks if not c.get("ok") and c.get("name") not in CHROOT_ONLY]
    if bad:
        raise Failed("doctor", "not ok: " + "; ".join(f"{c.get('name')}: {c.get('detail') or c.get('fix') or c}"
                                                        for c in bad))
    figures["doctor_checks"] = {c.get("name"): bool(c.get("ok")) for c in checks}
    figures["doctor_ok"] = sum(1 for c in checks if c.get("ok"))
    figures["doctor_total"] = len(checks)
    figures["doctor_not_in_chroot"] = {c["name"]: CHROOT_ONLY[c["name"]] for c in checks
                                       if not c.get("ok") and c.get("name") in CHROOT_ONLY}
    ok(f"edge doctor --json: {figures['doctor_ok']}/{figures['doctor_total']} ok"
       + (f" (not here: {', '.join(figures['doctor_not_in_chroot'])})" if figures["doctor_not_in_chroot"] else ""))


def stop_all() -> None:
    for process in reversed(processes):
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream-port", type=int, default=8770)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    figures["machine"] = os.uname().machine
    try:
        check_units()
        upstream = start_upstream(args.upstream_port)
        key = upstream_cli("public-key").strip().split()[-1]
        start_printers()
        configure(key)
        core = start_core()
        enroll(upstream)
        order_to_ticket(core)
        scans()
        print_test()
        doctor()
    except Failed as failure:
        figures["failed"] = {"step": failure.step, "why": failure.why}
        args.result.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"FAILED {failure.step}: {failure.why}", flush=True)
        return 1
    finally:
        stop_all()
    args.result.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"device check passed on {figures['machine']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
