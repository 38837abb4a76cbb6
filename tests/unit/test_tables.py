"""Signed table codes: making, verifying, and every way a code can be refused."""

import hashlib
import hmac

import pytest
from hypothesis import given, settings, strategies as st

from edge import tables
from edge.tables import (FORGED, MALFORMED, NO_KEYS, OTHER_STORE, UNKNOWN_KID, Keyring, b64url, make_table_url,
                         parse_key, table_range, unb64url, verify_table_url)

KEY = hashlib.sha256(b"store s1 table key").digest()
RING = Keyring({"k1": KEY})


def url(table="12", store="s1", kid="k1", key=KEY, host="order.example.com"):
    return make_table_url(host, store, table, kid, key)


def test_round_trip():
    made = url()
    assert made.startswith("https://order.example.com/t/s1/12?k=k1&s=")
    verdict = verify_table_url(made, RING, "s1")
    assert (verdict.ok, verdict.table, verdict.store, verdict.kid) == (True, "12", "s1", "k1")


def test_mac_is_truncated_hmac_sha256_base64url():
    sig = url().rsplit("s=", 1)[1]
    expected = hmac.new(KEY, b"matou-table-v1\ns1\n12\nk1", hashlib.sha256).digest()[:16]
    assert sig == b64url(expected) and len(sig) == 22 and "=" not in sig


def test_forged_wrong_store_unknown_kid_tampered():
    good = url()
    sig = good.rsplit("s=", 1)[1]
    assert verify_table_url(url(key=hashlib.sha256(b"guess").digest()), RING, "s1").reason == FORGED
    assert verify_table_url(good.replace("/12?", "/13?"), RING, "s1").reason == FORGED  # tampered table
    assert verify_table_url(good.replace(sig, sig[:-1] + ("A" if sig[-1] != "A" else "B")), RING, "s1").reason == FORGED
    assert verify_table_url(url(store="s2"), RING, "s1").reason == OTHER_STORE
    assert verify_table_url(url(kid="k2"), RING, "s1").reason == UNKNOWN_KID
    assert verify_table_url(good.replace("k=k1", "k=k2"), Keyring({"k1": KEY, "k2": KEY}), "s1").reason == FORGED
    assert verify_table_url(good, None, "s1").reason == NO_KEYS
    assert verify_table_url(good, RING, None).reason == NO_KEYS


def test_key_rotation_keeps_old_cards_valid():
    new_key = hashlib.sha256(b"rotated").digest()
    ring = Keyring({"k1": KEY, "k2": new_key})
    assert verify_table_url(url(), ring, "s1").table == "12"
    assert verify_table_url(url(kid="k2", key=new_key), ring, "s1").table == "12"


@pytest.mark.parametrize("bad", [
    "http://order.example.com/t/s1/12?k=k1&s=AAAAAAAAAAAAAAAAAAAAAA",  # not https
    "https://order.example.com/t/s1/12",  # no query
    "https://order.example.com/t/s1/12?s=AAAAAAAAAAAAAAAAAAAAAA&k=k1",  # order of parameters
    "https://order.example.com/t/s1/12?k=k1&s=AAAAAAAAAAAAAAAAAAAAAA&x=1",  # extra parameter
    "https://order.example.com/t/s1/12?k=k1&k=k1&s=AAAAAAAAAAAAAAAAAAAAAA",  # repeated parameter
    "https://order.example.com/t/s1/12?k=k1&s=AAAAAAAAAAAAAAAAAAAAAA#frag",
    "https://order.example.com/t/s1/12/x?k=k1&s=AAAAAAAAAAAAAAAAAAAAAA",
    "https://order.example.com/t/s1/table-12?k=k1&s=AAAAAAAAAAAAAAAAAAAAAA",  # '-' not in a table id
    "https://user@order.example.com/t/s1/12?k=k1&s=AAAAAAAAAAAAAAAAAAAAAA",
    "https://order.example.com/t/s1/12?k=k1&s=AAAA\x00AAAAAAAAAAAAAAAAAA",
    "https://order.example.com/t/s1/桌12?k=k1&s=AAAAAAAAAAAAAAAAAAAAAA",
    "https://order.example.com/t/" + "s" * 40 + "/12?k=k1&s=AAAAAAAAAAAAAAAAAAAAAA",
])
def test_malformed(bad):
    assert verify_table_url(bad, RING, "s1").reason == MALFORMED


def test_mac_compare_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(tables.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    verify_table_url(url(), RING, "s1")
    assert len(calls) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=22, max_size=22))
def test_random_macs_never_verify(sig):
    good = url()
    candidate = good.rsplit("s=", 1)[0] + "s=" + sig
    assert verify_table_url(candidate, RING, "s1").ok == (candidate == good)


def test_make_rejects_bad_parts():
    for kwargs in ({"host": "bad host"}, {"store": "s/1"}, {"table": "123456789"}, {"kid": "k 1"},
                   {"key": b"short"}):
        with pytest.raises(ValueError):
            url(**kwargs)


def test_keyring_checks_and_hides_keys():
    with pytest.raises(ValueError):
        Keyring({"k1": b"too short"})
    with pytest.raises(ValueError):
        Keyring({"bad kid!": KEY})
    assert KEY.hex() not in repr(RING) and "k1" in repr(RING)
    assert dict(RING) == {"k1": KEY} and len(RING) == 1


def test_parse_key():
    assert parse_key(KEY.hex() + "\n") == KEY
    assert parse_key(b64url(KEY)) == KEY
    for bad in ("abc", "00" * 8, "not a key!"):
        with pytest.raises(ValueError):
            parse_key(bad)
    with pytest.raises(ValueError):
        unb64url("a")


def test_table_range():
    assert table_range("1-3,A1,2,B") == ["1", "2", "3", "A1", "B"]
    assert len(table_range("1-20")) == 20
    for bad in ("3-1", "A-B", "1-5000", "x y"):
        with pytest.raises(ValueError):
            table_range(bad)


def test_documented_vector():
    """The example in docs/scanning.md (and docs/protocol.md): key = bytes 0x00..0x1f."""
    assert make_table_url("order.example.com", "s1", "12", "k1", bytes(range(32))) == \
        "https://order.example.com/t/s1/12?k=k1&s=CsrXbf5higdO8r_q40TPqw"
