"""Signed requests: unsigned, badly signed, replayed with a changed body, unknown, revoked, skew."""

from __future__ import annotations

import time

import requests

from edge.protocol.signing import generate_key
from tests.sync.fixtures import batch, make_event, raw_device, signed


def test_unsigned_is_refused(upstream):
    answer = requests.post(upstream.url + "/v1/ingest", data=batch(make_event(1)), timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unsigned"


def test_badly_signed_is_refused(upstream):
    client = raw_device(upstream)
    client.key = generate_key()  # not the registered key
    answer = signed(client, "POST", "/v1/ingest", batch(make_event(1)))
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "bad_signature"
    assert upstream.db.scalar("SELECT count(*) FROM events") == 0


def test_replay_with_changed_body_is_refused(upstream):
    client = raw_device(upstream)
    original = batch(make_event(1))
    tampered = batch(make_event(1))
    answer = signed(client, "POST", "/v1/ingest", tampered, sign_body=original)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "bad_signature"
    assert upstream.db.scalar("SELECT count(*) FROM events") == 0


def test_signature_covers_method_and_path(upstream):
    from edge.protocol.signing import sign_headers

    client = raw_device(upstream)
    headers = sign_headers(client.key, client.device_id, "GET", "/v1/devices/me/menu", b"", time.time_ns() // 10**6)
    answer = requests.get(upstream.url + "/v1/devices/me/settings", headers=headers, timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "bad_signature"


def test_replay_of_identical_request_is_harmless(upstream):
    client = raw_device(upstream)
    body = batch(make_event(1))
    stamp = time.time_ns() // 1_000_000
    first = signed(client, "POST", "/v1/ingest", body, time_ms=stamp)
    second = signed(client, "POST", "/v1/ingest", body, time_ms=stamp)
    assert first.json()["results"][0]["status"] == "stored"
    assert second.json()["results"][0]["status"] == "duplicate"
    assert upstream.db.scalar("SELECT count(*) FROM events") == 1


def test_unknown_device_is_refused(upstream):
    client = raw_device(upstream)
    client.device_id = "a" * 26
    answer = signed(client, "POST", "/v1/ingest", batch(make_event(1)))
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unknown_device"


def test_revoked_device_is_refused_and_its_data_kept(upstream):
    from upstream.enroll import revoke

    client = raw_device(upstream)
    signed(client, "POST", "/v1/ingest", batch(make_event(1)))
    assert revoke(upstream.db, client.device_id)
    answer = signed(client, "POST", "/v1/ingest", batch(make_event(2)))
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "revoked"
    assert signed(client, "GET", "/v1/devices/me/commands").status_code == 403
    assert upstream.db.scalar("SELECT count(*) FROM events") == 1
    assert upstream.db.scalar("SELECT count(*) FROM orders") == 1


def test_clock_skew_is_refused_with_server_time_and_the_client_corrects(upstream):
    client = raw_device(upstream)
    answer = signed(client, "GET", "/v1/devices/me", time_ms=time.time_ns() // 10**6 - 3600_000)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "clock_skew" and answer.json()["error"]["server_time_ms"] > 0
    client.clock_offset_ms = -3600_000  # a device clock one hour behind
    assert client.request("GET", "/v1/devices/me").body["device_id"] == client.device_id
    assert abs(client.clock_offset_ms) < 60_000


def test_bad_time_header(upstream):
    client = raw_device(upstream)
    answer = signed(client, "GET", "/v1/devices/me", headers={"X-Matou-Time": "soon"})
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "bad_signature"
