"""The dashboard's routes on the upstream (`/owner/{store_id}`…): the page (or the login page),
login / logout (JSON bodies, same-origin only), CSV exports, and sending a segment a coupon
campaign. Every answer is for one store and needs that store's manager session."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from upstream import campaigns, coupons
from upstream.dashboard import csv_export, owner_auth, page
from upstream.errors import ApiError, now_ms
from upstream.reports import figures, segments
from upstream.reports.periods import KINDS, period_of, previous, today
from upstream.sql import Database
from upstream.web import MAX_SMALL_BODY, page_json

HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def _store(db: Database, store_id: str) -> dict:
    row = db.one("SELECT store_id, name FROM stores WHERE store_id = ?", [store_id])
    if row is None:
        raise ApiError(404, "not_found", "no such store")
    return row


def _period(kind: str, day: str | None):
    if kind not in KINDS:
        raise ApiError(422, "bad_period", f"period is one of {', '.join(KINDS)}", "period")
    try:
        when = date.fromisoformat(day) if day else today()
    except ValueError:
        raise ApiError(422, "bad_date", "date is YYYY-MM-DD", "date") from None
    return period_of(kind, when), when


def report(db: Database, store_id: str, kind: str, day: str | None) -> tuple[dict, dict, list[dict], date]:
    period, when = _period(kind, day)
    return (figures.compute(db, store_id, period), figures.compute(db, store_id, previous(period)),
            segments.counts(db, store_id, now_ms()), when)


def dashboard_router(db: Database) -> APIRouter:
    router = APIRouter()

    def manager(store_id: str, request: Request) -> dict | None:
        return owner_auth.session_of(db, store_id, request.cookies.get(owner_auth.COOKIE), now_ms())

    async def json_body(request: Request) -> object:
        return await page_json(request, MAX_SMALL_BODY)

    @router.get("/owner/{store_id}")
    async def owner_page(store_id: str, request: Request, period: str = "day", date: str | None = None):
        def work() -> str:
            store = _store(db, store_id)
            base = f"/owner/{store_id}"
            who = manager(store_id, request)
            if who is None:
                return page.login_page(store["name"], base)
            now_doc, before_doc, segs, when = report(db, store_id, period, date)
            offers = [c for c in campaigns.listing(db, store_id, only_open=True, now=now_ms())
                      if c["delivery"] == "segment"]
            return page.dashboard(store["name"], base, now_doc, before_doc, segs, offers, who["name"], when)

        return HTMLResponse(await run_in_threadpool(work), headers=HEADERS)

    @router.post("/owner/{store_id}/login")
    async def owner_login(store_id: str, request: Request):
        doc = await json_body(request)
        doc = doc if isinstance(doc, dict) else {}

        def work() -> str:
            _store(db, store_id)
            return owner_auth.login(db, store_id, doc.get("staff_id"), doc.get("pin"), now_ms())

        token = await run_in_threadpool(work)
        answer = JSONResponse({"ok": True}, headers=HEADERS)
        answer.set_cookie(owner_auth.COOKIE, token, max_age=owner_auth.SESSION_MS // 1000, httponly=True,
                          samesite="strict", path=f"/owner/{store_id}",
                          secure=request.url.scheme == "https")
        return answer

    @router.post("/owner/{store_id}/logout")
    async def owner_logout(store_id: str, request: Request):
        await json_body(request)
        await run_in_threadpool(owner_auth.logout, db, request.cookies.get(owner_auth.COOKIE))
        answer = JSONResponse({"ok": True}, headers=HEADERS)
        answer.delete_cookie(owner_auth.COOKIE, path=f"/owner/{store_id}")
        return answer

    @router.get("/owner/{store_id}/export/{table}.csv")
    async def owner_export(store_id: str, table: str, request: Request, period: str = "day", date: str | None = None):
        def work() -> bytes:
            _store(db, store_id)
            if manager(store_id, request) is None:
                raise ApiError(401, "no_session", "log in as the store's manager first")
            if table not in csv_export.TABLES:
                raise ApiError(404, "not_found", f"tables: {', '.join(csv_export.TABLES)}")
            now_doc, before_doc, segs, _ = report(db, store_id, period, date)
            return csv_export.render(table, now_doc, before_doc, segs)

        body = await run_in_threadpool(work)
        name = f"{store_id}-{table}-{period}-{date or today().isoformat()}.csv"
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    @router.post("/owner/{store_id}/segments/{name}/send")
    async def owner_send(store_id: str, name: str, request: Request):
        doc = await json_body(request)
        doc = doc if isinstance(doc, dict) else {}

        def work() -> dict:
            _store(db, store_id)
            if manager(store_id, request) is None:
                raise ApiError(401, "no_session", "log in as the store's manager first")
            if name not in segments.NAMES:
                raise ApiError(404, "not_found", f"segments: {', '.join(segments.NAMES)}")
            campaign = campaigns.get(db, str(doc.get("campaign_id") or ""))
            if campaign is None or campaign["store_id"] != store_id or campaign["delivery"] != "segment":
                raise ApiError(422, "bad_campaign", "choose one of this store's segment campaigns", "campaign_id")
            now = now_ms()
            ids = segments.member_ids(db, store_id, name, now)
            return {"segment": name, "members": len(ids), "issued": coupons.grant_to_members(
                db, campaign["campaign_id"], ids, now)}

        return JSONResponse(await run_in_threadpool(work), headers=HEADERS)

    return router
