"""The phone page's routes: GET /t/<store>/<table>?k=&s= (the URL on the table's QR card) and its
style and script.

A scan checks the signed table code against the store's active table keys (edge.tables), opens or
joins the table's session (upstream/table_sessions.py), gives the phone the session's token in the
HttpOnly cookie `matou_table`, and answers the ordering page (upstream/phone_html.py). The same path
without `k` and `s` (where a payment page sends the phone back) answers the page only to a phone
whose cookie belongs to that table's open session. Anything
else gets a plain page in Chinese with the English below, never a traceback: a forged, altered,
other-store or malformed code (403), an unknown store (404), a table a strict store has not opened
(409), too many scans (429), no menu yet (503).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from edge.tables import Keyring, unb64url, verify_table_url
from upstream import phone_assets, proxies, table_sessions
from upstream.errors import ApiError, now_ms
from upstream.phone_guard import client_bucket, take_bucket
from upstream.phone_html import render_notice, render_page
from upstream.sql import Database
from upstream.store_settings import store_menu

log = logging.getLogger(__name__)
SCANS_PER_MINUTE = 60  # page loads a minute from one client address (a burst of that many)
SECURITY = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                               " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",  # the table's URL never leaves with a link or a payment page
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
# status -> (title zh, text zh, title en, text en)
NOTICES = {
    "bad_code": (403, "这个二维码无效", "无法用它点菜。请向店员求助，或扫描桌上的二维码。",
                 "This table code is not valid", "It cannot be used to order. Please ask the staff for help."),
    "unknown_store": (404, "这个二维码无效", "找不到这家店。请向店员求助。",
                      "This table code is not valid", "There is no such store. Please ask the staff."),
    "table_not_open": (409, "本桌还没有开台", "请店员为本桌开台后，再扫一次桌上的二维码。",
                       "This table is not open yet", "Ask the staff to open the table, then scan its code again."),
    "rate_limited": (429, "扫码太频繁", "请稍等一分钟再扫码。",
                     "Too many scans", "Please wait a minute and scan again."),
    "no_menu": (503, "菜单还没准备好", "这家店还没有发布菜单，请向店员点菜。",
                "The menu is not ready", "This store has not published its menu yet; please order with the staff."),
    "unavailable": (503, "暂时无法点菜", "请稍后再扫码，或向店员点菜。",
                    "Ordering is not available right now", "Please scan again later, or order with the staff."),
}


def _page(request: Request, text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body, encoding = phone_assets.encoded(request, text.encode("utf-8"))
    return Response(body, status_code=status, media_type="text/html; charset=utf-8",
                    headers={**SECURITY, **encoding, **(headers or {})})


def notice(request: Request, kind: str, headers: dict[str, str] | None = None) -> Response:
    status, *words = NOTICES[kind]
    return _page(request, render_notice(*words, assets=phone_assets.URLS), status, headers)


def verify_code(db: Database, store_id: str, table: str, kid: str, sig: str) -> str | None:
    """The table when k/s are this store's valid code for it (the host is not signed), else None."""
    keys = Keyring({r["kid"]: unb64url(r["key"]) for r in db.query(
        "SELECT kid, key FROM table_keys WHERE store_id = ? AND active = 1", [store_id])})
    url = f"https://table.invalid/t/{quote(store_id, safe='')}/{quote(table, safe='')}?k={quote(kid, safe='')}" \
          f"&s={quote(sig, safe='')}"
    verdict = verify_table_url(url, keys, store_id)
    return verdict.table if verdict.ok else None


def _over_https(request: Request, trusted) -> bool:
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and proxies.is_trusted(peer, trusted)


def _member(db: Database, store_id: str, table: str, cookie: str | None, now: int) -> dict | None:
    """The open session of this table the phone's cookie belongs to, else None."""
    if not cookie:
        return None
    try:
        session = table_sessions.session_of_token(db, cookie, now)
    except ApiError:
        return None
    same = session["store_id"] == store_id and session["table_no"] == table and session["state"] == "open"
    return session if same else None


def _scan(db: Database, store_id: str, table: str, client: str, cookie: str | None, now: int) -> tuple[dict, str]:
    """Open or join the table's session: (session, the phone's token). A phone that already holds
    a token of this session keeps it (a reload stores nothing); a new phone gets one, within the
    client address's scans a minute."""
    session = table_sessions.open_or_join(db, store_id, table, now)
    if cookie:
        try:
            if table_sessions.session_of_token(db, cookie, now)["session_id"] == session["session_id"]:
                return session, cookie
        except ApiError:
            pass  # an old table's or an expired token: a new one
    with db.tx():
        ok, wait = take_bucket(db, client_bucket(f"scan:{client}"), SCANS_PER_MINUTE, now)
    if not ok:
        raise ApiError(429, "rate_limited", f"too many scans: try again in {wait} s", retry_after=wait)
    return session, table_sessions.issue_token(db, session, now)


def phone_page_router(db: Database, trusted=(), clock=now_ms) -> APIRouter:
    """The table code's page and its assets; `trusted`: the proxies whose X-Forwarded-For and
    X-Forwarded-Proto are believed; `clock`: milliseconds."""
    router = APIRouter()

    @router.get("/static/{name}")
    def asset(name: str, request: Request):
        return phone_assets.asset_response(request, name) or Response(status_code=404)

    @router.get("/t/{store_id}/{table}")
    async def table_page(store_id: str, table: str, request: Request):
        kid, sig = request.query_params.get("k", ""), request.query_params.get("s", "")
        client = proxies.client_address(request.client.host if request.client else None,
                                        request.headers.get("x-forwarded-for"), trusted)
        cookie = request.cookies.get(table_sessions.COOKIE)

        def work():
            store = db.one("SELECT store_id, name FROM stores WHERE store_id = ?", [store_id])
            if store is None:
                return "unknown_store", None
            member = _member(db, store_id, table, cookie, clock()) if not (kid or sig) else None
            if member is None and verify_code(db, store_id, table, kid, sig) is None:
                return "bad_code", None
            menu_doc, _ = store_menu(db, store_id)
            if menu_doc is None:
                return "no_menu", None
            if member is not None:  # back at the table's page without its code: the phone's own session
                return None, (store, menu_doc, member, cookie)
            return None, (store, menu_doc, *_scan(db, store_id, table, client, cookie, clock()))

        try:
            refusal, found = await run_in_threadpool(work)
        except ApiError as exc:
            kind = exc.code if exc.code in NOTICES else "unavailable"
            headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
            if kind == "unavailable":
                log.warning("table page %s/%s refused: %s %s", store_id, table, exc.code, exc.message)
            return notice(request, kind, headers)
        except Exception:  # noqa: BLE001 - a guest sees a plain page, the log has the rest
            log.exception("table page %s/%s failed", store_id, table)
            return notice(request, "unavailable")
        if refusal is not None:
            return notice(request, refusal)
        store, menu_doc, session, token = found
        text = render_page(menu_doc, store_name=store["name"], table=session["table_no"], mode=session["mode"],
                           assets=phone_assets.URLS)
        answer = _page(request, text)
        answer.set_cookie(table_sessions.COOKIE, token, max_age=table_sessions.TOKEN_TTL_MS // 1000, path="/",
                          httponly=True, samesite="lax", secure=_over_https(request, trusted))
        return answer

    @router.get("/t/{rest:path}")
    def not_a_table(rest: str, request: Request):
        return notice(request, "bad_code")

    return router
