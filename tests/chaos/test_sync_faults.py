"""Sync through a fault-injecting proxy on 127.0.0.1: upstream holds each event exactly once,
the device ends with 0 pending, no request sooner than Retry-After, no hot loop."""

from __future__ import annotations

import time

import pytest

from tests.sync.faultproxy import FaultProxy
from tests.sync.fixtures import (make_device, sqlite_upstream, sqlite_upstream_db,  # noqa: F401
                                 upstream_event_count)
from tests.support import wait_for

pytestmark = pytest.mark.chaos
# Exactly-once holds at any speed, so that test runs with the others; the tests that measure time
# between requests (Retry-After, backoff, a slow link) are `serial`: a busy neighbour would break them.


@pytest.fixture
def proxy(sqlite_upstream):  # noqa: F811
    p = FaultProxy(sqlite_upstream.port, seed=7).start()
    yield p
    p.stop()


def queued_device(make_device, proxy, up, n):  # noqa: F811
    device = make_device(proxy.url, up.db)
    for i in range(n):
        device.place(i)
    return device


@pytest.mark.parametrize("fault,params,evidence", [
    ("drop_response", {"p": 0.3}, "duplicates"),
    ("error_after", {"p": 0.3, "status": 500}, "duplicates"),
    ("reset", {"p": 0.3}, None),
    ("hang", {"times": 2}, None),
    ("delay", {"p": 0.5, "seconds": 0.2}, None),
])
def test_exactly_once_through_faults(make_device, proxy, sqlite_upstream, fault, params, evidence):  # noqa: F811
    device = queued_device(make_device, proxy, sqlite_upstream, 120)
    proxy.set(fault, path="/v1/ingest", **params)
    device.attach(pull=False, max_events=10, read_timeout=1.0).start()
    for i in range(120, 150):  # orders keep coming during the faults
        device.place(i)
    wait_for(lambda: device.worker.status()["pending"] == 0, timeout=40, what=f"drain through {fault}")
    assert upstream_event_count(sqlite_upstream.db) == (150, 150)
    assert sqlite_upstream.db.scalar("SELECT count(*) FROM orders") == 150
    log = proxy.requests("/v1/ingest")
    assert any(e["fault"] == fault for e in log), "the fault must actually happen"
    if evidence:
        assert any(e["duplicates"] for e in log), "events committed before a lost answer come back as duplicates"
    assert device.worker.status()["dead"] == 0


@pytest.mark.serial
def test_retry_after_is_honoured(make_device, proxy, sqlite_upstream):  # noqa: F811
    device = queued_device(make_device, proxy, sqlite_upstream, 30)
    proxy.set("retry_after", path="/v1/ingest", times=3, seconds=1)
    device.attach(pull=False, max_events=10).start()
    wait_for(lambda: device.worker.status()["pending"] == 0, timeout=20, what="drain after 503s")
    log = proxy.requests("/v1/ingest")
    for earlier, later in zip(log, log[1:], strict=False):
        if earlier["fault"] == "retry_after":
            assert later["t"] - earlier["t"] >= 0.99, "a request came sooner than Retry-After"
    assert sum(e["fault"] == "retry_after" for e in log) == 3
    assert upstream_event_count(sqlite_upstream.db) == (30, 30)


@pytest.mark.serial
def test_no_hot_loop_while_upstream_is_down(make_device, proxy, sqlite_upstream):  # noqa: F811
    device = make_device(proxy.url, sqlite_upstream.db)
    proxy.set("reset")
    device.attach(pull=False).start()  # test backoff: base 0.05 s, cap 0.5 s
    end = time.monotonic() + 3.0
    n = 0
    while time.monotonic() < end:  # a busy counter: 100+ commits, each waking the worker
        device.place(n)
        n += 1
        time.sleep(0.02)
    attempts = len(proxy.requests("/v1/ingest"))
    assert 2 <= attempts <= 3.0 / 0.1, f"{attempts} attempts in 3 s for {n} commits: a hot loop"
    proxy.set("pass")
    wait_for(lambda: device.worker.status()["pending"] == 0, timeout=10)
    assert upstream_event_count(sqlite_upstream.db) == (n, n)


@pytest.mark.serial
def test_slow_link_1kb_per_second(make_device, proxy, sqlite_upstream):  # noqa: F811
    device = queued_device(make_device, proxy, sqlite_upstream, 3)
    proxy.set("slow", bps=1024)
    device.attach(pull=False, read_timeout=5.0).start()
    wait_for(lambda: device.worker.status()["pending"] == 0, timeout=30, what="drain over 1 KB/s")
    assert upstream_event_count(sqlite_upstream.db) == (3, 3)
    assert all(e["fault"] == "slow" for e in proxy.requests("/v1/ingest"))
