"""Real processes for the kill -9 tests: `edge-upstream serve` with a gateway on the sandbox
providers (which run in the test process, so the provider's books survive), and `edge core`.
Both read MATOU_FAILPOINT_FILE: writing a point's name to the file arms it (edge/protocol/failpoints.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import requests
import sqlite_utils

from edge.ledger.steps import Ledger

from edge.demo.setup import MENU_FILE
from tests.support import free_port, kill9
from tests.support.upstream_trust import trust_section


class Proc:
    def __init__(self, name: str, args: list[str], env: dict, log: Path, health: str):
        self.name, self.args, self.env, self.log, self.health = name, args, env, log, health
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> Proc:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", *self.args], stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL, env={**os.environ, **self.env})
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}")
            try:
                if requests.get(self.health, timeout=0.5).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not come up; see {self.log}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_dead(self, timeout: float = 10.0) -> int:
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process is not None:
            kill9(self.process)


class Stack:
    """Upstream + core as processes, a failpoint file for each."""

    def __init__(self, root: Path, sandboxes, timings: dict):
        self.root = root
        self.sandboxes = sandboxes
        self.up_port, self.core_port = free_port(), free_port()
        self.up_db_path = root / "upstream.sqlite"
        gateway_toml = sandboxes.write_config(root / "gateway", timings)
        self.fp_up, self.fp_core = root / "fp-upstream", root / "fp-core"
        self.fp_up.write_text(""), self.fp_core.write_text("")
        from upstream.enroll import add_store, make_token
        from upstream.schema import open_database
        from upstream.store_settings import publish_menu_file

        self.up_db = open_database(str(self.up_db_path))
        add_store(self.up_db, "s1", "测试茶楼")
        publish_menu_file(self.up_db, "s1", str(MENU_FILE))
        self.upstream = Proc("upstream", ["upstream", "serve", "--database", str(self.up_db_path), "--port",
                                          str(self.up_port)],
                             {"EDGE_UPSTREAM_GATEWAY": str(gateway_toml), "MATOU_FAILPOINT_FILE": str(self.fp_up)},
                             root / "upstream.log", f"http://127.0.0.1:{self.up_port}/v1/health").start()
        self.config_file = root / "edge.toml"
        self.config_file.write_text(f'[device]\ndata_dir = "{root / "data"}"\n[core]\nport = {self.core_port}\n'
                                    f'[menu]\nfile = "{MENU_FILE}"\n[payments]\nmode = "pay_first"\n'
                                    + trust_section(f"http://127.0.0.1:{self.up_port}", self.up_db),
                                    encoding="utf-8")
        from edge.config import load_config
        from edge.sync.enroll import enroll

        self.config = load_config(self.config_file)
        enroll(self.config, make_token(self.up_db, "s1", "kiosk", f"http://127.0.0.1:{self.up_port}")[0])
        self.core = Proc("core", ["edge", "core", "-v", "--config", str(self.config_file)],
                         {"MATOU_FAILPOINT_FILE": str(self.fp_core)}, root / "core.log",
                         f"http://127.0.0.1:{self.core_port}/v1/health").start()
        self.url = f"http://127.0.0.1:{self.core_port}"
        self._device_db = None

    def arm(self, point: str) -> None:
        (self.fp_up if point.startswith("gw.") else self.fp_core).write_text(point)

    def device_view(self) -> SimpleNamespace:
        """What check_invariants needs, read from the core's database file (WAL: readers never block)."""
        import sqlite3

        if self._device_db is None:
            self._device_db = sqlite_utils.Database(sqlite3.connect(self.config.db_path, check_same_thread=False))
        return SimpleNamespace(db=self._device_db, ledger=Ledger(self._device_db, threading.Lock(), lambda *_: None),
                               config=self.config)

    def close(self) -> None:
        self.core.kill()
        self.upstream.kill()
        if self._device_db is not None:
            self._device_db.close()
        self.up_db.close()
