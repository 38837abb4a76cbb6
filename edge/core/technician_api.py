"""Technician endpoints of the core's local API (docs/technician.md has the full list).

    GET  /v1/doctor                          the doctor's checks {"ok", "checks": [{name, ok, detail, fix}]}
    GET  /v1/technician/state                what the provisioning screens show (no secrets)
    POST /v1/technician/login {pin}          -> {session}; 401 wrong_pin {tries_left}; 429 locked {retry_after_s}
    POST /v1/technician/logout
    POST /v1/technician/pin {pin}            set the device's technician PIN (a session is needed once one exists)
    POST /v1/technician/settings {device?, scanner?, printers?, stations?}   -> provisioned.toml, applied at once
    POST /v1/technician/enroll               enroll with the last enrollment code the scanner saw
    POST /v1/technician/printers/scan {subnet?, ports?}   LAN scan for port 9100 (own subnet, at most a /24)
    POST /v1/technician/printers/probe {url}              one printer's DLE EOT status

Everything but the doctor and the state needs the header `X-Technician-Session` from a login.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.core.service import EdgeService
from edge.technician.auth import PinRefused
from edge.technician.technician_desk import Refused

SESSION_HEADER = "X-Technician-Session"
MAX_BODY = 16 * 1024


def technician_router(service: EdgeService) -> APIRouter:
    router = APIRouter()
    desk = service.technician  # built with the service (edge/core/service.py)

    async def body(request: Request) -> dict:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise Refused(413, "too_large", "the body is too large")
        try:
            doc = json.loads(raw) if raw else {}
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "malformed_json", "the body is not valid JSON") from None
        if not isinstance(doc, dict):
            raise Refused(422, "bad_request", "the body must be a JSON object")
        return doc

    def session(request: Request) -> None:
        if not desk.auth.valid(request.headers.get(SESSION_HEADER)):
            raise Refused(401, "technician_login", "technician PIN needed (log in again)")

    async def guarded(request: Request, fn, *args, needs_session: bool = True):
        if needs_session:
            session(request)
        return JSONResponse(await run_in_threadpool(fn, *args))

    @router.get("/v1/doctor")
    async def doctor():
        from edge.technician.doctor import run_doctor

        checks = await run_in_threadpool(lambda: run_doctor(service.config, service.status()))
        return {"ok": all(c.ok for c in checks), "checks": [c.to_json() for c in checks]}

    @router.get("/v1/technician/state")
    async def state(request: Request):
        return await guarded(request, desk.state, needs_session=False)

    @router.post("/v1/technician/login")
    async def login(request: Request):
        doc = await body(request)
        if not await run_in_threadpool(desk.auth.pin_set):
            raise Refused(409, "no_pin", "no technician PIN on this device yet: set one first")
        result = await run_in_threadpool(desk.auth.login, str(doc.get("pin", "")))
        if result.ok:
            return {"session": result.session}
        if result.retry_after_s:
            raise Refused(429, "locked", f"too many wrong PINs: try again in {result.retry_after_s} s",
                           retry_after_s=result.retry_after_s)
        raise Refused(401, "wrong_pin", f"wrong PIN ({result.tries_left} tries before a lockout)", "pin",
                       tries_left=result.tries_left)

    @router.post("/v1/technician/logout")
    async def logout(request: Request):
        desk.auth.logout(request.headers.get(SESSION_HEADER))
        return {"ok": True}

    @router.post("/v1/technician/pin")
    async def set_pin(request: Request):
        doc = await body(request)
        if await run_in_threadpool(desk.auth.pin_set):
            session(request)
        try:
            token = await run_in_threadpool(desk.auth.set_pin, str(doc.get("pin", "")))
        except PinRefused as exc:
            raise Refused(422, "bad_pin", str(exc), "pin") from None
        return {"session": token}

    @router.post("/v1/technician/settings")
    async def settings(request: Request):
        doc = await body(request)
        return await guarded(request, desk.save_settings, doc)

    @router.post("/v1/technician/enroll")
    async def enroll(request: Request):
        return await guarded(request, desk.enroll)

    @router.post("/v1/technician/printers/scan")
    async def scan(request: Request):
        from edge.technician.netscan import ScanRefused, scan_subnet

        doc = await body(request)
        subnet, ports = doc.get("subnet"), doc.get("ports") or [9100]
        if subnet is not None and not isinstance(subnet, str) or not isinstance(ports, list) \
                or not all(isinstance(p, int) and not isinstance(p, bool) for p in ports):
            raise Refused(422, "bad_request", "send {\"subnet\": \"192.168.1.0/24\", \"ports\": [9100]}")
        timeout = getattr(getattr(service.config, "technician", None), "scan_timeout_ms", 400) / 1000

        def run():
            try:
                return scan_subnet(subnet, tuple(ports), connect_timeout=timeout)
            except ScanRefused as error:
                raise Refused(422, "scan_refused", str(error), "subnet") from None

        return await guarded(request, run)

    @router.post("/v1/technician/printers/probe")
    async def probe(request: Request):
        from edge.printer_urls import parse_printer_url
        from edge.technician.devices import probe_printer

        doc = await body(request)
        url = doc.get("url")
        if not isinstance(url, str):
            raise Refused(422, "bad_request", "send {\"url\": \"tcp://HOST:PORT\"}", "url")
        try:
            parse_printer_url(url)
        except ValueError as error:
            raise Refused(422, "bad_url", str(error), "url") from None

        def run():
            state, detail = probe_printer(url)
            return {"url": url, "state": state, "detail": detail, "printer": state in ("ok", "problem")
                    and not detail.startswith("unreachable")}

        return await guarded(request, run)

    return router
