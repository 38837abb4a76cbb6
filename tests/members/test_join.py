"""Joining with a phone number, on both engines: the one-time code's limits (wrong, expired, too
many tries, too many sends), the number encrypted and only its keyed hash searchable (no clear
number in any table or log), the same person's Alipay and WeChat payer ids merged into one member
by the number, a payer that joined with another number left alone, and the member API's front door
(JSON only, same origin)."""

from __future__ import annotations

import json
import logging

import pytest
import requests

from upstream import member_join, member_phones, members
from upstream.enroll import add_store
from upstream.errors import ApiError

NOW = 1_790_000_000_000
PHONE = "13912345678"


@pytest.fixture
def db(upstream_db, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # PostgreSQL: the key file's folder
    add_store(upstream_db, "s1", "Store")
    return upstream_db


def last_code(db) -> str:
    return db.scalar("SELECT text FROM sms_outbox ORDER BY id DESC LIMIT 1").split("验证码 ")[1][:6]


def paid(db, n: int, channel: str, payer: str, phone: str | None) -> None:
    with db.tx():
        db.execute("INSERT INTO gateway_attempts (attempt_id, store_id, device_id, order_id, out_trade_no, amount,"
                   " channel, request_sha256, state, created_ms, updated_ms, payer_id, payer_app, kind, started_by,"
                   " paid_amount) VALUES (?, 's1', 'upstream', ?, ?, 3000, ?, 'x', 'succeeded', ?, ?, ?, 'app',"
                   " 'inapp', ?, 3000)", [f"a{n}", f"o{n}", f"t{n}", channel, NOW, NOW, payer, phone])
        members.record_settled(db, db.one("SELECT * FROM gateway_attempts WHERE attempt_id = ?", [f"a{n}"]), NOW)


def test_the_codes_limits(db, caplog):
    caplog.set_level(logging.DEBUG)
    assert member_join.send_code(db, "s1", "+86 139 1234 5678", "1.2.3.4", NOW)["phone"] == "139****5678"
    with pytest.raises(ApiError) as soon:
        member_join.send_code(db, "s1", PHONE, "1.2.3.4", NOW + 5_000)
    assert soon.value.status == 429
    with pytest.raises(ApiError) as bad:
        member_join.send_code(db, "s1", "12345", "1.2.3.4", NOW)
    assert bad.value.code == "bad_phone"
    code = last_code(db)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(ApiError) as refused:
            member_join.join(db, "s1", PHONE, wrong, None, NOW + 10_000)
        assert refused.value.code == "wrong_code" and f"{left} tries left" in refused.value.message
    with pytest.raises(ApiError) as locked:
        member_join.join(db, "s1", PHONE, code, None, NOW + 10_000)
    assert locked.value.code == "too_many_tries"
    member_join.send_code(db, "s1", PHONE, "1.2.3.4", NOW + 70_000)
    with pytest.raises(ApiError) as late:
        member_join.join(db, "s1", PHONE, last_code(db), None, NOW + 70_000 + 5 * 60_000 + 1)
    assert late.value.code == "code_expired"
    member_join.send_code(db, "s1", PHONE, "1.2.3.4", NOW + 140_000)
    member_id = member_join.join(db, "s1", PHONE, last_code(db), None, NOW + 150_000)
    row = db.one("SELECT * FROM members WHERE member_id = ?", [member_id])
    assert row["phone_masked"] == "139****5678" and member_phones.decrypt(db, row["phone_cipher"]) == PHONE
    everything = json.dumps([db.query(f"SELECT * FROM {t}") for t in ("members", "sms_outbox", "member_otps")])
    assert PHONE not in everything and PHONE not in caplog.text


def test_alipay_and_wechat_of_one_person_become_one_member(db):
    paid(db, 1, "alipay", "2088000000000001", "phone-a")
    paid(db, 2, "wechat", "oWeChatPayerOfTheSamePerson00", "phone-b")
    paid(db, 3, "alipay", "2088000000000003", "phone-c")  # somebody else
    assert db.scalar("SELECT count(*) FROM members") == 3
    for phone_cookie, at in (("phone-a", NOW + 100_000), ("phone-b", NOW + 200_000)):
        member_join.send_code(db, "s1", PHONE, f"10.0.0.{at % 7}", at)
        one = member_join.join(db, "s1", PHONE, last_code(db), phone_cookie, at + 1000)
    assert db.scalar("SELECT count(*) FROM members") == 2
    member = db.one("SELECT * FROM members WHERE member_id = ?", [one])
    assert (member["visits"], member["spend"]) == (2, 6000)
    assert {r["channel"] for r in db.query("SELECT channel FROM member_payers WHERE member_id = ?", [one])} == {
        "alipay", "wechat"}
    member_join.send_code(db, "s1", "13700000000", "10.0.0.9", NOW + 300_000)
    other = member_join.join(db, "s1", "13700000000", last_code(db), "phone-a", NOW + 301_000)
    assert other != one and db.scalar("SELECT count(*) FROM member_payers WHERE member_id = ?", [one]) == 2


def test_the_member_api_takes_json_from_its_own_page_only(upstream):
    url = upstream.url
    form = requests.post(f"{url}/v1/member/s1/code", data={"phone": PHONE}, timeout=10)
    assert form.status_code == 415
    foreign = requests.post(f"{url}/v1/member/s1/code", json={"phone": PHONE}, headers={"Origin": "https://x.example"},
                            timeout=10)
    assert foreign.status_code == 403
    assert requests.post(f"{url}/v1/member/nope/code", json={"phone": PHONE}, timeout=10).status_code == 404
    assert requests.post(f"{url}/v1/member/s1/claim", json={"campaign_id": "c1"}, timeout=10).status_code == 401
    assert requests.post(f"{url}/v1/member/s1/code", json={"phone": "hello"}, timeout=10).status_code == 422
    ok = requests.post(f"{url}/v1/member/s1/code", json={"phone": PHONE}, timeout=10)
    assert ok.status_code == 200 and ok.json() == {"sent": True, "phone": "139****5678"}
    assert "成为会员" in requests.get(f"{url}/m/s1", timeout=10).text
