"""bench/reports.py runs end to end at a small size on a real PostgreSQL and names its figures:
each query's p95 and the page's p95 against its baseline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "reports.py"


def test_the_reports_benchmark_runs_small_and_names_p95_and_the_baseline():
    done = subprocess.run([sys.executable, str(BENCH), "--n", "1", "--orders", "2000", "--samples", "6",
                           "--baseline-samples", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "2,000 orders in one year on PostgreSQL" in out
    for query in ("totals", "hours", "channels", "payments", "dishes", "tables", "members", "segments", "page"):
        assert re.search(rf"^{query}\s+[0-9.]+\s+[0-9.]+$", out, re.M), query
    assert re.search(r"dashboard page: p95 [0-9.]+ ms; baseline.* p95 [0-9.]+ ms .*= [0-9.]+x baseline speed", out)
    assert re.search(r"target dashboard page p95 < 500 ms at --n 100: p95 [0-9.]+ ms  OK", out)
