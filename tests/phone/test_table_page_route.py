"""GET /t/<store>/<table>?k=&s= over real HTTP: a valid table code opens (or joins) the table's
session, gives the phone an HttpOnly cookie and the page; anything else gets a plain page in
Chinese with the English below (never a traceback, never a cookie, never a session)."""

from __future__ import annotations

import gzip

import pytest
import requests

from tests.phone.conftest import STORE
from upstream import table_sessions
from upstream.store_settings import table_code


@pytest.fixture
def up(bare_upstream):
    return bare_upstream


def path_of(db, table="12", store=STORE) -> str:
    return table_code(db, store, table, "order.example.com").split("order.example.com", 1)[1]


def get(up, path, **kw):
    return requests.get(up.url + path, timeout=10, allow_redirects=False, **kw)


def sessions(db) -> int:
    return int(db.scalar("SELECT count(*) AS n FROM table_sessions"))


def assert_refused(answer, status: int, zh: str):
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    assert zh in answer.text and 'lang="en"' in answer.text
    assert answer.text.index(zh) < answer.text.index('lang="en"')  # Chinese first, English below
    assert "Traceback" not in answer.text and "set-cookie" not in {k.lower() for k in answer.headers}


def test_a_valid_code_opens_the_session_sets_the_cookie_and_answers_the_page(up):
    answer = get(up, path_of(up.db))
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>粤点茶楼</h1>" in answer.text and "12 号桌" in answer.text and "水晶虾饺皇" in answer.text
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{table_sessions.COOKIE}=")
    for part in ("HttpOnly", "Path=/", "SameSite=lax", f"Max-Age={table_sessions.TOKEN_TTL_MS // 1000}"):
        assert part.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # plain http here: a Secure cookie would never come back
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    assert sessions(up.db) == 1
    token = answer.cookies[table_sessions.COOKIE]
    state = requests.get(up.url + "/v1/table/state", cookies={table_sessions.COOKIE: token}, timeout=10)
    assert state.status_code == 200 and state.json()["table"] == "12"


def test_a_second_phone_joins_the_same_session_and_a_reload_keeps_its_token(up):
    first = get(up, path_of(up.db))
    second = get(up, path_of(up.db))
    a, b = first.cookies[table_sessions.COOKIE], second.cookies[table_sessions.COOKIE]
    assert a != b and sessions(up.db) == 1
    states = [requests.get(up.url + "/v1/table/state", cookies={table_sessions.COOKIE: t}, timeout=10).json()
              for t in (a, b)]
    assert states[0]["session"]["id"] == states[1]["session"]["id"]
    tokens = up.db.scalar("SELECT count(*) AS n FROM table_tokens")
    again = get(up, path_of(up.db), cookies={table_sessions.COOKIE: a})
    assert again.status_code == 200 and again.cookies[table_sessions.COOKIE] == a
    assert up.db.scalar("SELECT count(*) AS n FROM table_tokens") == tokens


def test_the_cookie_is_secure_when_the_scan_came_over_https(up):
    answer = get(up, path_of(up.db), headers={"X-Forwarded-Proto": "https"})  # from the trusted proxy
    assert answer.status_code == 200 and "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize("change", ["other_table", "altered_mac", "other_kid", "no_mac", "no_params"])
def test_a_forged_or_altered_code_is_refused_with_a_page(up, change):
    path = path_of(up.db)
    forged = {"other_table": path.replace("/t/s1/12?", "/t/s1/13?"),
              "altered_mac": path[:-2] + ("AA" if not path.endswith("AA") else "BB"),
              "other_kid": path.replace("?k=", "?k=zz"),
              "no_mac": path.split("&s=")[0],
              "no_params": path.split("?")[0]}[change]
    assert_refused(get(up, forged), 403, "这个二维码无效")
    assert sessions(up.db) == 0


def test_another_stores_code_is_refused(up):
    path = path_of(up.db, store="s2")
    assert_refused(get(up, path.replace("/t/s2/", "/t/s1/")), 403, "这个二维码无效")
    assert sessions(up.db) == 0


@pytest.mark.parametrize("path", ["/t/nostore/12?k=a&s=b", "/t/s1", "/t/s1/12/13?k=a&s=b", "/t/", "/t/s1/%00?k=a",
                                  "/t/s1/" + "9" * 300 + "?k=a&s=b", "/t/s1/12?k=" + "%ff" * 50 + "&s=%00"])
def test_bad_input_gets_a_plain_page(up, path):
    answer = get(up, path)
    assert 400 <= answer.status_code < 500 and answer.headers["content-type"].startswith("text/html")
    assert "这个二维码无效" in answer.text and "Traceback" not in answer.text
    assert sessions(up.db) == 0


def test_a_strict_store_opens_no_session_from_a_scan(up):
    table_sessions.set_table_settings(up.db, STORE, strict=True)
    assert_refused(get(up, path_of(up.db)), 409, "本桌还没有开台")
    assert sessions(up.db) == 0
    table_sessions.open_session(up.db, STORE, "12", "cashier", 1)  # the cashier opens the table
    assert get(up, path_of(up.db)).status_code == 200


def test_a_store_without_a_menu_says_so(up):
    up.db.execute("UPDATE stores SET menu_doc = NULL WHERE store_id = ?", ["s2"])
    assert_refused(get(up, path_of(up.db, store="s2")), 503, "菜单还没准备好")


def test_the_page_and_its_assets_come_gzipped_within_60_kb(up):
    answer = get(up, path_of(up.db), headers={"Accept-Encoding": "gzip"}, stream=True)
    html = answer.raw.read()
    assert answer.headers["content-encoding"] == "gzip" and gzip.decompress(html).decode().startswith("<!doctype")
    total = len(html)
    page = gzip.decompress(html).decode()
    for kind in ("css", "js"):
        start = page.index("/static/phone." + kind)
        asset = get(up, page[start:page.index('"', start)], headers={"Accept-Encoding": "gzip"}, stream=True)
        body = asset.raw.read()
        assert asset.status_code == 200 and asset.headers["content-encoding"] == "gzip"
        assert "immutable" in asset.headers["cache-control"]
        total += len(body)
    assert total <= 60 * 1024, f"{total} bytes gzipped before the menu shows"
    assert get(up, "/static/other.js").status_code == 404
    assert get(up, "/static/..%2fapp.py").status_code == 404  # nothing but the page's own assets


def test_one_address_gets_a_bounded_number_of_new_phones_a_minute(up):
    from upstream.phone_page import SCANS_PER_MINUTE

    answers = [get(up, path_of(up.db)).status_code for _ in range(SCANS_PER_MINUTE)]
    assert answers == [200] * SCANS_PER_MINUTE  # the upstream's clock stands still in this test
    refused = get(up, path_of(up.db))
    assert_refused(refused, 429, "扫码太频繁")
    assert int(refused.headers["retry-after"]) >= 1
    tokens = up.db.scalar("SELECT count(*) AS n FROM table_tokens")
    assert tokens == SCANS_PER_MINUTE


def test_without_its_code_the_page_opens_only_for_a_phone_of_that_open_table(up):
    """Where a payment page sends the phone back: /t/<store>/<table> without k and s."""
    token = get(up, path_of(up.db)).cookies[table_sessions.COOKIE]
    back = get(up, "/t/s1/12", cookies={table_sessions.COOKIE: token})
    assert back.status_code == 200 and "12 号桌" in back.text
    assert back.cookies[table_sessions.COOKIE] == token
    assert_refused(get(up, "/t/s1/13", cookies={table_sessions.COOKIE: token}), 403, "这个二维码无效")
    assert_refused(get(up, "/t/s1/12"), 403, "这个二维码无效")
    assert_refused(get(up, "/t/s1/12", cookies={table_sessions.COOKIE: "x" * 43}), 403, "这个二维码无效")
    session = table_sessions.open_session_of(up.db, STORE, "12")
    table_sessions.close_session(up.db, STORE, session["session_id"], "test", 1, due=0)
    assert_refused(get(up, "/t/s1/12", cookies={table_sessions.COOKIE: token}), 403, "这个二维码无效")
    assert sessions(up.db) == 1  # nothing opened without a code
