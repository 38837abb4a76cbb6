"""Request bodies are limited while they stream in: a real `edge core` answers 413 too_large to a
chunked upload of many MiB without ever holding it in memory; Content-Length over the limit is
refused before the body is read; the limit holds on every endpoint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from edge.demo.setup import MENU_FILE
from tests.support import CoreProcess
from tests.support import free_port

MiB = 1024 * 1024
UPLOAD = 48 * MiB
JSON = {"Content-Type": "application/json"}


def peak_rss(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) * 1024


def chunks(total: int, size: int = 64 * 1024):
    """A JSON-looking body sent chunked (no Content-Length), one chunk at a time."""
    yield b'{"client_token": "big", "notes": ["'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"]}'


@pytest.fixture
def core_process(tmp_path):
    port = free_port()
    config_file = tmp_path / "edge.toml"
    config_file.write_text(f'[device]\ndata_dir = "{tmp_path / "data"}"\n[core]\nport = {port}\n'
                           f'[menu]\nfile = "{MENU_FILE}"\n', encoding="utf-8")
    with open(tmp_path / "core.log", "ab") as log:
        core = CoreProcess(config_file, port, log)
        core.start()
        try:
            yield core
        finally:
            core.kill()


def test_a_chunked_upload_of_many_mib_is_refused_without_being_held(core_process):
    url = f"http://127.0.0.1:{core_process.port}"
    session = requests.Session()
    assert session.post(f"{url}/v1/orders", json={"client_token": "warm", "lines": [{"item_id": "har_gow"}]},
                        timeout=10).status_code == 201
    before = peak_rss(core_process.process.pid)
    answer = session.post(f"{url}/v1/orders", data=chunks(UPLOAD), timeout=60,
                          headers={"Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == {"code": "too_large", "message": "an order must be under 64 KiB", "field": None}
    grown = peak_rss(core_process.process.pid) - before
    assert grown < UPLOAD // 4, f"the core's peak RSS grew by {grown // MiB} MiB for a {UPLOAD // MiB} MiB body"
    assert requests.get(f"{url}/v1/health", timeout=5).json() == {"ok": True}
    assert requests.get(f"{url}/v1/status", timeout=5).json()["orders_today"] == 1


@pytest.mark.parametrize("path,limit,message", [
    ("/v1/orders", 64 * 1024, "an order must be under 64 KiB"),
    ("/v1/scans", 64 * 1024, "the body is too large (at most 64 KiB)"),
    ("/v1/print-test", 64 * 1024, "the body is too large (at most 64 KiB)"),
    ("/v1/orders/x/receipt", 64 * 1024, "the body is too large (at most 64 KiB)"),
    ("/v1/cashier/login", 16 * 1024, "the body is too large"),
    ("/v1/technician/settings", 16 * 1024, "the body is too large"),
    ("/v1/orders/x/payments", 4096, "the body is too large"),
    ("/v1/payments/x/abandon", 4096, "the body is too large"),
])
def test_every_endpoint_has_a_limit_streamed_or_declared(menu_core, path, limit, message):
    over = b'{"text": "' + b"x" * limit + b'"}'
    declared = requests.post(f"{menu_core.url}{path}", data=over, headers=JSON, timeout=10)  # with Content-Length
    streamed = requests.post(f"{menu_core.url}{path}", data=iter([over[:1000], over[1000:]]), headers=JSON,
                             timeout=10)  # chunked
    for answer in (declared, streamed):
        assert answer.status_code == 413, (path, answer.text)
        assert answer.json()["error"] == {"code": "too_large", "message": message, "field": None}


def test_a_body_at_the_limit_is_read(menu_core):
    text = "x" * (64 * 1024 - len('{"text": ""}'))
    answer = requests.post(f"{menu_core.url}/v1/scans", data=iter([b'{"text": "', text.encode(), b'"}']),
                           headers=JSON, timeout=10)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "bad_scan"  # over 4096 characters
    small = requests.post(f"{menu_core.url}/v1/scans", json={"text": "hello"}, timeout=10)
    assert small.status_code == 202
