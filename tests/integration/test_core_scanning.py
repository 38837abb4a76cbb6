"""Scanning through the core: a video through VideoCapture and wedge input become `scan` events,
once each, classified with the store's synced table keys; payment codes never touch the disk."""

from __future__ import annotations

import json
import logging
import threading
import time

import requests

from edge.core.server import BackgroundCore
from edge.core.service import EdgeService
from edge.scanner.synth import Look, background, degrade, pay_frame, table_frame
from edge.tables import b64url, make_table_url
from tests.conftest import make_config
from tests.scanner.helpers import write_video

KEY = bytes(range(16, 48))


def held(frame, frames, seed):
    return [degrade(frame, Look(noise=2.5), seed * 1000 + i) for i in range(frames)]


def make_video(path):
    size = (1280, 720)
    frames = held(background(size, 1), 5, 1)
    pay, code = pay_frame(7, size, kind="alipay", look=Look(tilt=12, noise=4, jpeg=80, fill=0.8))
    frames += held(pay, 90, 2) + held(background(size, 3), 8, 3)  # held 3 s: still one scan
    url = make_table_url("order.example.com", "s1", "12", "k1", KEY)
    # held 2 s: a file plays in real time, so a busy machine decodes only some of its frames
    frames += held(table_frame(url, "12", size, 4, Look(tilt=-8, noise=3, jpeg=80, fill=0.8)), 60, 4)
    frames += held(background(size, 5), 5, 5)
    return write_video(path, frames, fps=30), code


def collect_events(url, stop, seen):
    with requests.get(f"{url}/v1/events", stream=True, timeout=30) as stream:
        kind = None
        for line in stream.iter_lines(decode_unicode=True):
            if stop.is_set():
                return
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("scan", "camera"):
                seen.append((kind, json.loads(line[5:])))


def test_camera_and_wedge_scans_reach_the_event_stream(tmp_path, caplog):
    video, pay_code = make_video(tmp_path / "counter.avi")
    config = make_config(tmp_path / "data", extra=f'[scanner]\nsource = "{video}"\nfps = 30\n')
    service = EdgeService(config).open(start_printing=False)
    with service.db.atomic():  # the keys that downstream sync delivers
        service.db.execute("INSERT INTO table_keys (kid, store_id, key, active) VALUES ('k1', 's1', ?, 1)",
                           [b64url(KEY)])
    server = BackgroundCore(service).start()
    seen, stop = [], threading.Event()
    listener = threading.Thread(target=collect_events, args=(server.url, stop, seen), daemon=True)
    caplog.set_level(logging.DEBUG)
    try:
        listener.start()
        time.sleep(0.3)
        service.scanner.start()
        assert service.scanner.loop.wait_ended(timeout=60)
        wechat = "134567890123456789"
        for text in (wechat, wechat, "hello\x1b world"):  # a double wedge read is one scan
            assert requests.post(f"{server.url}/v1/scans", json={"text": text}, timeout=5).status_code == 202
        assert requests.post(f"{server.url}/v1/scans", json={"text": ""}, timeout=5).status_code == 422
        deadline = time.monotonic() + 30
        while len([e for k, e in seen if k == "scan"]) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        server.stop()
        service.close()
    scans = [e for k, e in seen if k == "scan"]
    assert [(s["kind"], s.get("table")) for s in scans] == [
        ("alipay", None), ("table", "12"), ("wechat", None), ("unknown", None)]
    assert scans[0]["text_masked"] == pay_code[:4] + "*" * (len(pay_code) - 6) + pay_code[-2:]
    assert ("camera", {"type": "camera", "status": "camera online"}) in [
        (k, {kk: v for kk, v in e.items() if kk != "at_ms"}) for k, e in seen]
    for secret in (pay_code, wechat):
        assert all(secret not in json.dumps(e) for _, e in seen)
        assert secret not in caplog.text
        for path in (tmp_path / "data").rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), f"payment code written to {path.name}"
