"""The device's sync worker against a real upstream over loopback (some through the fault proxy)."""

from __future__ import annotations

import json
import time

import pytest

from edge.sync.backoff import Backoff, parse_retry_after
from edge.sync.enroll import enroll
from edge.ledger.outbox import append_event
from edge.sync.outbox import MAX_BATCH_BYTES, batch_body, next_batch
from tests.sync.faultproxy import FaultProxy
from tests.sync.fixtures import enroll_code, upstream_event_count
from tests.support import wait_for
from tests.support.upstream_trust import trusting


@pytest.fixture
def proxy(sqlite_upstream):
    p = FaultProxy(sqlite_upstream.port).start()
    yield p
    p.stop()


@pytest.mark.serial  # measures the wake-up latency
def test_online_sync_is_exactly_once_and_fast(sqlite_upstream, make_device):
    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    device.attach().start()
    for n in range(40):
        device.place(n)
    wait_for(lambda: upstream_event_count(sqlite_upstream.db) == (40, 40), what="40 events upstream")
    latencies = []
    for n in range(5):
        start = time.monotonic()
        device.place(100 + n)
        wait_for(lambda n=n: upstream_event_count(sqlite_upstream.db)[0] == 41 + n, interval=0.002)
        latencies.append(time.monotonic() - start)
    assert sorted(latencies)[2] < 0.25, f"a commit must wake the worker (median {sorted(latencies)[2]:.3f}s)"
    wait_for(lambda: device.worker.status()["pending"] == 0)
    status = device.worker.status()
    assert status["state"] == "ok" and status["dead"] == 0 and status["last_ok"] and status["last_error"] is None
    assert sqlite_upstream.db.scalar("SELECT count(*) FROM orders") == 45


def test_offline_never_stops_ordering_and_syncs_when_back(proxy, sqlite_upstream, make_device):
    device = make_device(proxy.url, sqlite_upstream.db)
    proxy.set("reset")
    device.attach(pull=False).start()
    for n in range(30):
        start = time.monotonic()
        device.place(n)
        assert time.monotonic() - start < 1.0, "placing an order never waits for the network"
    wait_for(lambda: device.worker.status()["state"] == "offline", what="offline state")
    status = device.worker.status()
    assert status["pending"] == 30 and "unreachable" in status["last_error"] and status["message"] == "30 not synced"
    proxy.set("pass")
    wait_for(lambda: device.worker.status()["pending"] == 0, timeout=15, what="drain after outage")
    assert upstream_event_count(sqlite_upstream.db) == (30, 30)
    assert device.worker.status()["state"] == "ok"


def test_rejected_events_are_kept_dead_with_reason_and_never_block(sqlite_upstream, make_device):
    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    device.place(1)
    db = device.service.db
    with db.atomic():
        append_event(db, "order.placed", {"order_id": "x" * 26, "total": -100}, device.service.clock.now())
    device.place(2)
    device.attach().start()
    wait_for(lambda: device.worker.status()["pending"] == 0, what="drain")
    status = device.worker.status()
    assert status["dead"] == 1
    dead = db.execute("SELECT d.device_seq, d.code, d.reason FROM outbox_dead d").fetchall()
    assert dead[0][0] == 2 and dead[0][1] in ("bad_payload", "negative_money") and dead[0][2]
    assert upstream_event_count(sqlite_upstream.db) == (2, 2)


def test_401_403_stop_syncing_orders_go_on_and_reenrollment_resumes(proxy, sqlite_upstream, make_device):
    from upstream.enroll import revoke

    device = make_device(proxy.url, sqlite_upstream.db)
    # no pull loop: it could meet the revocation first, while a push that started before is in flight
    device.attach(pull=False).start()
    device.place(1)
    wait_for(lambda: upstream_event_count(sqlite_upstream.db)[0] == 1)
    revoke(sqlite_upstream.db, device.worker.status()["enrollment"]["device_id"], "lost device")
    device.place(2)
    wait_for(lambda: device.worker.status()["enrollment"]["status"] == "revoked", what="revoked state")
    status = device.worker.status()
    assert "needs re-enrollment" in status["state"] and not status["enrolled"]
    count = len(proxy.requests("/v1/ingest"))
    for n in range(3, 6):
        device.place(n)  # orders go on
    time.sleep(1.0)
    assert len(proxy.requests("/v1/ingest")) == count, "no requests after a 403"
    assert device.worker.status()["pending"] == 4
    # re-enrolling an enrolled (revoked) device from its console: --replace, with a trusted code
    enroll(trusting(device.config, proxy.url, sqlite_upstream.db), enroll_code(sqlite_upstream.db, proxy.url),
           replace=True)
    wait_for(lambda: device.worker.status()["pending"] == 0, timeout=15, what="sync after re-enrollment")
    assert upstream_event_count(sqlite_upstream.db) == (5, 5)


def test_restored_backup_raises_alarms_and_never_blocks(sqlite_upstream, make_device, tmp_path):
    import sqlite3

    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    worker = device.attach(pull=False).start()
    for n in range(3):
        device.place(n)
    wait_for(lambda: worker.status()["pending"] == 0)
    backup = sqlite3.connect(tmp_path / "backup.sqlite")
    device.service.db.conn.backup(backup)
    for n in range(3, 6):
        device.place(n)
    wait_for(lambda: upstream_event_count(sqlite_upstream.db)[0] == 6)
    device.close()
    db_path = device.config.db_path
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    backup.execute("PRAGMA wal_checkpoint")
    backup.close()
    db_path.write_bytes((tmp_path / "backup.sqlite").read_bytes())
    from edge.core.service import EdgeService

    device.service = EdgeService(device.config).open(start_printing=False)
    worker = device.attach(pull=False).start()
    device.place(10)  # numbered #4 again: upstream had #4..#6 from before the restore
    wait_for(lambda: worker.status()["pending"] == 0, what="drain after restore")
    assert upstream_event_count(sqlite_upstream.db) == (7, 7)
    # the alarm is raised right after the batch is recorded as synced: wait for it, not for pending == 0
    wait_for(lambda: "restored_backup" in [a["kind"] for a in worker.status()["alarms"]], what="restored_backup alarm")
    assert sqlite_upstream.db.scalar("SELECT count(*) FROM alarms WHERE kind = 'seq_regression'") == 1


def test_no_hidden_retries_and_explicit_timeouts(proxy, sqlite_upstream, make_device):
    from edge.protocol.signing import generate_key
    from edge.sync.upstream_client import UpstreamClient, UpstreamError

    client = UpstreamClient(proxy.url, "a" * 26, generate_key(), connect_timeout=1, read_timeout=0.5)
    adapter = client.session.get_adapter(proxy.url)
    assert adapter.max_retries.total == 0
    proxy.set("reset")
    with pytest.raises(UpstreamError) as caught:
        client.get("/v1/devices/me")
    assert caught.value.retryable and len(proxy.requests("/v1/devices/me")) == 1, "exactly one attempt"
    proxy.set("hang")
    start = time.monotonic()
    with pytest.raises(UpstreamError, match="unreachable"):
        client.get("/v1/devices/me")
    assert time.monotonic() - start < 3.0


def test_batches_are_oldest_first_and_bounded(make_device):
    device = make_device()
    for n in range(130):
        device.place(n)
    db = device.service.db
    first = next_batch(db)
    assert [seq for seq, _, _ in first] == list(range(1, 101))
    assert len(batch_body(first)) <= MAX_BATCH_BYTES
    small = next_batch(db, max_bytes=4000)
    assert 1 <= len(small) < 10 and len(batch_body(small)) <= 4000
    parsed = json.loads(batch_body(first))
    assert parsed["events"][0]["device_seq"] == 1 and parsed["events"][0]["payload"]["ticket_no"] == "A001"


@pytest.mark.parametrize("failures", [1, 2, 5, 9, 20, 60])
def test_full_jitter_backoff_is_capped_and_respects_retry_after(failures):
    import random

    backoff = Backoff(base_s=1.0, cap_s=300.0, rng=random.Random(failures))
    ceiling = min(300.0, 2 ** (failures - 1))
    delays = [backoff.delay(failures) for _ in range(200)]
    assert all(0 <= d <= ceiling for d in delays)
    assert max(delays) > ceiling * 0.5, "jitter spreads over the whole range"
    assert all(backoff.delay(failures, retry_after_s=42.0) >= 42.0 for _ in range(50))


def test_parse_retry_after():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
