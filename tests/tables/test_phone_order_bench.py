"""bench/phone_order.py: it runs end to end at a small size and names its figures; its page
weight counts the table code's page and the page's own scripts and style sheets, gzipped."""

from __future__ import annotations

import gzip
import importlib.util
import subprocess
import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from tests.support import AppServer

BENCH = Path(__file__).resolve().parents[2] / "bench" / "phone_order.py"
HTML = ('<!doctype html><html><head><link rel="stylesheet" href="/static/page.css">'
        '<script src="/static/page.js" defer></script><script src="https://cdn.example/big.js"></script></head>'
        '<body><h1>测试茶楼 桌 12</h1><img src="/static/har_gow.png" loading="lazy"></body></html>')
JS, CSS = "const menu = {};\n" * 400, "body { margin: 0 }\n" * 100


def bench_module():
    spec = importlib.util.spec_from_file_location("phone_order_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH.parent))
    return module


def test_page_weight_counts_the_page_and_its_own_scripts_and_styles_gzipped():
    app = FastAPI()
    app.get("/t/s1/12")(lambda: HTMLResponse(HTML))
    app.get("/static/page.js")(lambda: PlainTextResponse(JS, media_type="text/javascript"))
    app.get("/static/page.css")(lambda: PlainTextResponse(CSS, media_type="text/css"))
    app.get("/static/har_gow.png")(lambda: Response(b"\x89PNG" + bytes(50_000), media_type="image/png"))
    server = AppServer(app).start()
    try:
        weight, counted, phone = bench_module().page_weight(f"http://127.0.0.1:{server.port}/t/s1/12?k=a&s=b")
        assert weight == sum(len(gzip.compress(x.encode(), 6)) for x in (HTML, CSS, JS))
        assert counted == "page + page.css + page.js" and phone is not None
        missing = bench_module().page_weight(f"http://127.0.0.1:{server.port}/t/s1/13?k=a&s=b")
        assert missing[0] is None and "404" in missing[1]
    finally:
        server.stop()


def test_the_benchmark_runs_and_names_p95_and_the_page():
    run = subprocess.run([sys.executable, str(BENCH), "--n", "3"], capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stdout + run.stderr  # 1: the target missed on a busy machine
    lines = run.stdout.splitlines()
    assert any(line.startswith("| phone round POST /v1/table/rounds -> last byte") for line in lines), run.stdout
    assert any(line.startswith("| core order POST /v1/orders -> last byte (baseline)") for line in lines)
    assert any(line.startswith("| rush: 1 tables send at once, 3 times -> last byte") for line in lines)
    summary = next(line for line in lines if line.startswith("round p95 "))
    assert " ms (" in summary and "7 of 7 rounds 已下厨 upstream" in summary, summary  # 3 + a warm-up + 3 in the rush
    assert any(line.startswith(("page n/a (", "page ")) and ("KB" in line or "n/a" in line) for line in lines)
