"""emupos 0.4.0, an independent ESC/POS emulator, as a second oracle (in its own Python 3.13 venv).

`make emupos` makes `.venv-emupos` (`PYENV_VERSION=3.13.0 python3.13 -m venv .venv-emupos`,
`pip install emupos==0.4.0`); `make test` depends on it, so these tests never skip. emupos runs
as a subprocess: printers on TCP, its control API (faults, receipts) on another port. It
decodes text as code page 437; Chinese is recovered with `.encode("cp437").decode("gb18030")`.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import requests

from tests.support import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
EMUPOS = Path(os.environ.get("EDGE_EMUPOS", ROOT / ".venv-emupos" / "bin" / "emupos"))
FAULTS = ("paper-out", "cover-open", "offline", "paper-near-end")


def emupos_missing() -> str:
    if EMUPOS.exists():
        return ""
    return (f"emupos is not installed at {EMUPOS}: run `make emupos` (a Python 3.13 venv with emupos==0.4.0), "
            "or set EDGE_EMUPOS=/path/to/emupos")


def gb(text: str) -> str:
    """emupos's CP437 text back to what was sent as GB18030."""
    return text.encode("cp437", "replace").decode("gb18030", "replace")


class Emupos:
    def __init__(self, directory: Path, devices: tuple[str, ...]) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.devices = devices
        self.ports = {d: free_port() for d in devices}
        self.api_port = free_port()
        self.process: subprocess.Popen | None = None
        lines = ["schema: 1", f"api: {{ host: 127.0.0.1, port: {self.api_port} }}", "devices:"]
        for device, port in self.ports.items():
            lines += [f"  - id: {device}", "    type: printer", "    profile: epson-tm-t20iii",
                      "    connections:", f"      - tcp: {{ host: 127.0.0.1, port: {port} }}",
                      "    receipts_dir: ./receipts"]
        (self.dir / "emupos.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/api/v1"

    def url(self, device: str) -> str:
        return f"tcp://127.0.0.1:{self.ports[device]}"

    def start(self, timeout: float = 20.0) -> Emupos:
        log = open(self.dir / "emupos.log", "ab")
        self.process = subprocess.Popen([str(EMUPOS), "run", "--config", "emupos.yaml"], cwd=self.dir,
                                        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"emupos exited: {(self.dir / 'emupos.log').read_text()[-2000:]}")
            try:
                if requests.get(f"{self.api}/health", timeout=0.5).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("emupos did not start")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def restart(self, down_s: float = 0.5) -> None:
        """Power cycle: what the printer held is lost."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def fault(self, device: str, fault: str, active: bool = True) -> None:
        method = requests.put if active else requests.delete
        method(f"{self.api}/devices/{device}/faults/{fault}", timeout=5).raise_for_status()

    def receipts(self, device: str) -> list[dict]:
        """Completed receipts, oldest first: {"id", "boundary", "text" (decoded GB18030)}."""
        listing = requests.get(f"{self.api}/devices/{device}/receipts", timeout=5).json()
        out = []
        for meta in reversed(listing):
            text = requests.get(f"{self.api}/devices/{device}/receipts/{meta['id']}/text", timeout=5).text
            out.append({"id": meta["id"], "boundary": meta["boundary"], "text": gb(text)})
        return out

    def complete_texts(self, device: str) -> list[str]:
        return [r["text"] for r in self.receipts(device) if r["boundary"] == "cut"]
