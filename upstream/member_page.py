"""The store's member page and its JSON API (served by `edge-upstream serve`):

    GET  /m/{store}                       the join form, or the member card with the coupons
    GET  /m/{store}/coupons/{id}.svg      a member's own coupon as a QR code (the cashier scans it)
    POST /v1/member/{store}/code          {phone}: a one-time code by text message
    POST /v1/member/{store}/join          {phone, code}: the member (and the member cookie)
    POST /v1/member/{store}/claim         {campaign_id}: a coupon (member cookie)
    POST /v1/member/{store}/erase         {}: the member and everything naming them, gone

JSON bodies only, from the page's own origin; a phone number never reaches a log.
"""

from __future__ import annotations

import io

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from upstream import campaigns, coupons, member_join, member_tokens, members, proxies, table_sessions
from upstream.errors import ApiError, now_ms
from upstream.member_html import join_page, member_page
from upstream.sql import Database
from upstream.web import MAX_SMALL_BODY, page_json

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}


def qr_svg(text: str) -> bytes:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def member_router(db: Database, trusted=(), clock=now_ms) -> APIRouter:
    router = APIRouter()

    def store_of(store_id: str) -> dict:
        row = db.one("SELECT store_id, name FROM stores WHERE store_id = ?", [store_id])
        if row is None:
            raise ApiError(404, "not_found", "no such store")
        return row

    def member_of(store_id: str, request: Request) -> dict | None:
        return member_tokens.member_of(db, store_id, request.cookies.get(member_tokens.COOKIE), clock())

    async def body_of(request: Request) -> dict:
        doc = await page_json(request, MAX_SMALL_BODY)
        return doc if isinstance(doc, dict) else {}

    @router.get("/m/{store_id}")
    async def page(store_id: str, request: Request):
        def work() -> str:
            store = store_of(store_id)
            member = member_of(store_id, request)
            if member is None:
                paid = table_sessions.token_hash(request.cookies.get(table_sessions.COOKIE))
                paid_here = paid is not None and db.one(
                    "SELECT 1 AS x FROM gateway_attempts WHERE store_id = ? AND started_by = ? AND state = 'succeeded'",
                    [store_id, paid]) is not None
                return join_page(store["name"], store_id, paid_here)
            now = clock()
            claimed = {r["campaign_id"]: r["claimed"] for r in db.query(
                "SELECT campaign_id, claimed FROM campaign_claims WHERE member_id = ?", [member["member_id"]])}
            offers = [{**c, "terms": {"zh": campaigns.terms(c, "zh"), "en": campaigns.terms(c, "en")}}
                      for c in campaigns.listing(db, store_id, only_open=True, now=now)
                      if c["delivery"] == "claim" and claimed.get(c["campaign_id"], 0) < c["per_member"]]
            return member_page(store["name"], store_id, member, members.favourites(db, member["member_id"]), offers,
                               coupons.of_member(db, member["member_id"], now))

        return HTMLResponse(await run_in_threadpool(work), headers=HEADERS)

    @router.get("/m/{store_id}/coupons/{coupon_id}.svg")
    async def coupon_qr(store_id: str, coupon_id: str, request: Request):
        def work() -> bytes:
            member = member_of(store_id, request)
            owned = member and db.one("SELECT 1 AS x FROM coupons WHERE coupon_id = ? AND member_id = ?"
                                      " AND store_id = ?", [coupon_id, member["member_id"], store_id])
            if not owned:
                raise ApiError(404, "not_found", "no such coupon of yours")
            return qr_svg(coupons.code(db, coupon_id))

        return Response(await run_in_threadpool(work), media_type="image/svg+xml", headers=HEADERS)

    @router.post("/v1/member/{store_id}/code")
    async def send_code(store_id: str, request: Request):
        doc = await body_of(request)
        client = proxies.client_address(request.client.host if request.client else None,
                                        request.headers.get("x-forwarded-for"), trusted)

        def work() -> dict:
            store_of(store_id)
            return member_join.send_code(db, store_id, doc.get("phone"), client, clock())

        return JSONResponse(await run_in_threadpool(work), headers=HEADERS)

    @router.post("/v1/member/{store_id}/join")
    async def join(store_id: str, request: Request):
        doc = await body_of(request)
        paid_by = table_sessions.token_hash(request.cookies.get(table_sessions.COOKIE))

        def work() -> tuple[str, str]:
            store_of(store_id)
            now = clock()
            member_id = member_join.join(db, store_id, doc.get("phone"), doc.get("code"), paid_by, now)
            return member_id, member_tokens.issue(db, store_id, member_id, now)

        member_id, token = await run_in_threadpool(work)
        answer = JSONResponse({"member": True}, headers=HEADERS)
        answer.set_cookie(member_tokens.COOKIE, token, max_age=member_tokens.LIFETIME_MS // 1000, httponly=True,
                          samesite="lax", path="/", secure=request.url.scheme == "https")
        return answer

    @router.post("/v1/member/{store_id}/claim")
    async def claim(store_id: str, request: Request):
        doc = await body_of(request)

        def work() -> dict:
            member = member_of(store_id, request)
            if member is None:
                raise ApiError(401, "no_member", "先成为会员 (join first)")
            return coupons.claim(db, str(doc.get("campaign_id") or ""), member["member_id"], clock())

        return JSONResponse(await run_in_threadpool(work), status_code=201, headers=HEADERS)

    @router.post("/v1/member/{store_id}/erase")
    async def erase(store_id: str, request: Request):
        await body_of(request)

        def work() -> None:
            member = member_of(store_id, request)
            if member is None:
                raise ApiError(401, "no_member", "not a member on this phone")
            members.erase(db, member["member_id"], clock())

        await run_in_threadpool(work)
        answer = JSONResponse({"erased": True}, headers=HEADERS)
        answer.delete_cookie(member_tokens.COOKIE, path="/")
        return answer

    return router
