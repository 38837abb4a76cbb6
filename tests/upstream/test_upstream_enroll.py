"""Enrollment tokens: one-time, 10 minutes, scoped to store + role; the code format (signed by the upstream)."""

from __future__ import annotations

import os
import stat

import pytest
import requests

from edge.codes import classify, make_signed_code
from edge.protocol.enroll_code import EnrollError, make_enroll_code, parse_enroll_code
from edge.protocol.signing import generate_key, public_key_text
from edge.sync.enroll import enroll
from tests.conftest import make_config
from tests.support.upstream_trust import trusting
from tests.sync.fixtures import enroll_code
from upstream.code_signing import public_key
from upstream.enroll import make_token


def post(server, token, key=None):
    key = key or generate_key()
    return requests.post(server.url + "/v1/enroll", json={"token": token, "public_key": public_key_text(key)},
                         timeout=5), key


def test_device_enrolls_with_its_own_key_and_signs(upstream, tmp_path):
    config = trusting(make_config(tmp_path / "dev"), upstream.url, upstream.db)
    e = enroll(config, enroll_code(upstream.db, upstream.url, role="cashier"))
    assert (e.store_id, e.role, e.status) == ("s1", "cashier", "enrolled")
    mode = stat.S_IMODE(os.stat(e.key_file).st_mode)
    assert mode == 0o600, oct(mode)
    device = upstream.db.one("SELECT * FROM devices WHERE device_id = ?", [e.device_id])
    assert device["public_key"] == e.public_key and device["role"] == "cashier"
    assert b"PRIVATE KEY" in open(e.key_file, "rb").read()


def test_token_is_one_time(upstream):
    code = parse_enroll_code(enroll_code(upstream.db, upstream.url))
    first, key = post(upstream, code.token)
    assert first.status_code == 201
    lost_answer, _ = post(upstream, code.token, key)  # the device retries after losing the answer
    assert lost_answer.status_code == 200 and lost_answer.json()["device_id"] == first.json()["device_id"]
    reused, _ = post(upstream, code.token)  # someone else
    assert reused.status_code == 410 and reused.json()["error"]["code"] == "token_used"
    assert upstream.db.scalar("SELECT count(*) FROM devices") == 1


def test_expired_token(upstream):
    text, _ = make_token(upstream.db, "s1", "kiosk", upstream.url, ttl_ms=-1)
    answer, _ = post(upstream, parse_enroll_code(text).token)
    assert answer.status_code == 410 and answer.json()["error"]["code"] == "token_expired"
    assert "10 minutes" in answer.json()["error"]["message"]


def test_unknown_token_and_bad_keys(upstream):
    answer, _ = post(upstream, "a" * 26)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "bad_token"
    code = parse_enroll_code(enroll_code(upstream.db, upstream.url))
    bad = requests.post(upstream.url + "/v1/enroll", json={"token": code.token, "public_key": "abc"}, timeout=5)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_public_key"
    garbage = requests.post(upstream.url + "/v1/enroll", data=b"\x00{", timeout=5)
    assert garbage.status_code == 400


def test_token_ttl_is_ten_minutes_and_scoped(upstream):
    import time

    text, expires = make_token(upstream.db, "s1", "kitchen", upstream.url)
    assert 599_000 <= expires - time.time_ns() // 10**6 <= 600_000
    code = parse_enroll_code(text)
    assert (code.store_id, code.role) == ("s1", "kitchen")
    with pytest.raises(Exception, match="unknown_store|no store"):
        make_token(upstream.db, "nowhere", "kiosk", upstream.url)
    with pytest.raises(Exception, match="role"):
        make_token(upstream.db, "s1", "boss", upstream.url)


def test_code_format_is_the_mt1_enrollment_code_of_edge_codes(upstream):
    text, _ = make_token(upstream.db, "s1", "kiosk", "https://up.example.com")
    assert text.startswith("MT1E.1.") and len(text.rsplit(".", 1)[1]) == 86  # a 64-byte Ed25519 signature
    assert len(text) < 400, "small enough for a scannable QR"
    code = parse_enroll_code(text)
    assert code.upstream_key == public_key(upstream.db)  # signed by the upstream's own key
    scanned = classify(text)
    assert scanned.kind == "enroll" and scanned.fields["store"] == "s1"
    with pytest.raises(ValueError, match="signed by the upstream"):
        make_signed_code("enroll", {"u": "https://up.example.com", "t": "a" * 26, "s": "s1", "r": "kiosk",
                                    "x": 1_800_000_000})


def test_the_signing_key_is_made_once_and_kept_in_the_database(upstream):
    first = public_key(upstream.db)
    assert first == public_key(upstream.db) and len(first) == 43
    assert upstream.db.scalar("SELECT count(*) FROM signing_keys") == 1


@pytest.mark.parametrize("text,reason", [
    ("hello", "not an enrollment code"),
    ("MT1E.0.eyJ1IjoiaHR0cDovL2V2aWwuZXhhbXBsZS5jb20ifQ.AAAAAAAAAAAAAAAAAAAAAA", "old unsigned.*new one"),
    ("MT1E.2.eyJ1IjoiaHR0cDovL2V2aWwuZXhhbXBsZS5jb20ifQ." + "A" * 86, "unknown enrollment code version"),
    ("MT1E.1.eyJ1IjoiaHR0cDovL2V2aWwuZXhhbXBsZS5jb20ifQ." + "A" * 86, "names no upstream key"),
])
def test_bad_codes_are_refused_locally(text, reason):
    with pytest.raises(EnrollError, match=reason):
        parse_enroll_code(text)


def test_plain_http_only_to_loopback():
    key = generate_key()
    with pytest.raises(EnrollError, match="https"):
        parse_enroll_code(make_enroll_code(key, "http://10.0.0.5:8800", "s1", "kiosk", "a" * 26, 1))
    assert parse_enroll_code(make_enroll_code(key, "http://127.0.0.1:8800", "s1", "kiosk", "a" * 26, 1))


def test_reused_code_fails_on_the_device_with_a_clear_message(upstream, tmp_path):
    text = enroll_code(upstream.db, upstream.url)
    enroll(trusting(make_config(tmp_path / "a"), upstream.url, upstream.db), text)
    with pytest.raises(EnrollError, match="used already"):
        enroll(trusting(make_config(tmp_path / "b"), upstream.url, upstream.db), text)
    assert not list((tmp_path / "b" / "keys").glob("*.key")), "a refused enrollment leaves no key behind"
