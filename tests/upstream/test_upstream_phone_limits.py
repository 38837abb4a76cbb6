"""Phone-order limits: the token bucket, the client address behind proxies, a store's overrides
and the fleet commands that show and change them and show the refusals."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from upstream.cli import cli
from upstream.enroll import add_store
from upstream.errors import ApiError
from upstream.phone_guard import count_refusal, open_orders, prune
from upstream.phone_limits import DEFAULT_LIMITS, limits_from_doc, overrides, take_token
from upstream.proxies import client_address, parse_trusted
from upstream.store_settings import phone_limits, set_phone_limits


def test_token_bucket():
    assert take_token(5.0, 0, 0, 5) == (True, 4.0, 0)
    assert take_token(0.0, 0, 0, 5) == (False, 0.0, 12)
    allowed, left, _ = take_token(0.0, 0, 12_000, 5)  # 5 a minute: one token per 12 s
    assert allowed and left == pytest.approx(0.0)
    assert take_token(0.5, 0, 0, 5)[2] == 6
    assert take_token(4.0, 0, 3_600_000, 5) == (True, 4.0, 0)  # never above a full bucket
    assert take_token(0.0, 10_000, 0, 5)[0] is False  # a clock gone back refills nothing


def test_client_address():
    none = parse_trusted([])
    assert client_address("10.0.0.2", "203.0.113.7", none) == "10.0.0.2"  # default: the header is ignored
    proxy = parse_trusted("10.0.0.2, 10.1.0.0/16")
    assert client_address("10.0.0.2", "203.0.113.7", proxy) == "203.0.113.7"
    assert client_address("10.0.0.2", "192.0.2.1, 203.0.113.7, 10.1.2.3", proxy) == "203.0.113.7"
    assert client_address("198.51.100.1", "203.0.113.7", proxy) == "198.51.100.1"  # not a trusted peer
    assert client_address("10.0.0.2", "junk", proxy) == "10.0.0.2"
    assert client_address("10.0.0.2", None, proxy) == "10.0.0.2"
    assert client_address(None, None, none) == "unknown"
    assert client_address("::1", "2001:db8::5", parse_trusted(["::1"])) == "2001:db8::5"
    with pytest.raises(ValueError):
        parse_trusted("not-an-address")


def test_limits_from_a_store_doc():
    assert limits_from_doc(None) == DEFAULT_LIMITS
    assert limits_from_doc({"max_items": 30}).max_items == 30
    assert overrides(limits_from_doc({"max_items": 30, "max_dish_qty": 20})) == {"max_items": 30}
    for bad in ({"max_itemz": 3}, {"max_items": 0}, {"max_items": True}, {"max_items": 2.5}, []):
        with pytest.raises(ValueError):
            limits_from_doc(bad)


def test_store_limits_and_refusals(upstream_db):
    add_store(upstream_db, "s1", "一号店")
    assert phone_limits(upstream_db, "s1") == DEFAULT_LIMITS
    set_phone_limits(upstream_db, "s1", {"max_open_per_table": 5})
    assert set_phone_limits(upstream_db, "s1", {"max_items": 40}).max_open_per_table == 5
    with pytest.raises(ApiError) as bad:
        set_phone_limits(upstream_db, "s1", {"max_items": -1})
    assert bad.value.status == 422 and bad.value.field == "phone_limits"
    assert set_phone_limits(upstream_db, "s1", {}, reset=True) == DEFAULT_LIMITS
    with upstream_db.tx():
        for _ in range(3):
            count_refusal(upstream_db, "s1", "12", "rate_table", 1000)
    assert open_orders(upstream_db, "s1", "12", 1000) == 0
    upstream_db.execute("INSERT INTO rate_buckets (bucket, tokens, updated_ms) VALUES ('c:x', 1, 0), ('c:y', 1, ?)",
                        [10**9])
    prune(upstream_db, 10**9)
    assert [r["bucket"] for r in upstream_db.query("SELECT bucket FROM rate_buckets")] == ["c:y"]


def run(db, *args, ok=True):
    result = CliRunner().invoke(cli, list(args) + ["--database", db.url], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_fleet_commands(upstream_db):
    add_store(upstream_db, "s1", "一号店")
    shown = json.loads(run(upstream_db, "stores", "limits", "s1", "--json").output)["phone_limits"]
    assert shown == {"max_dish_qty": 20, "max_items": 50, "max_amount": 200_000, "max_open_per_table": 3,
                     "table_per_minute": 5, "client_per_minute": 20}
    out = run(upstream_db, "stores", "limits", "s1", "--max-amount", "800", "--max-open-per-table", "4").output
    assert "¥800.00" in out and "max_open_per_table   4" in out
    assert phone_limits(upstream_db, "s1").max_amount == 80_000
    assert "bad --max-amount" in run(upstream_db, "stores", "limits", "s1", "--max-amount", "lots", ok=False).output
    assert run(upstream_db, "stores", "limits", "s1", "--max-items", "0", ok=False).exit_code != 0
    assert "unknown_store" in run(upstream_db, "stores", "limits", "zz", ok=False).output
    run(upstream_db, "stores", "limits", "s1", "--reset")
    assert phone_limits(upstream_db, "s1") == DEFAULT_LIMITS
    assert "no refused phone orders" in run(upstream_db, "tables", "refusals").output
    with upstream_db.tx():
        for _ in range(2):
            count_refusal(upstream_db, "s1", "12", "open_orders", 1000)
    rows = json.loads(run(upstream_db, "tables", "refusals", "--store", "s1", "--json").output)["refusals"]
    assert [(r["table_no"], r["reason"], r["refused"]) for r in rows] == [("12", "open_orders", 2)]
    assert "open_orders" in run(upstream_db, "tables", "refusals").output
