"""Technician endpoints of the core's local API (docs/technician.md has the full list).

    GET  /v1/doctor                          the doctor's checks {"ok", "checks": [{name, ok, detail, fix}]}
    GET  /v1/technician/state                what the provisioning screens show (no secrets)
    POST /v1/technician/login {pin}          -> {session}; 401 wrong_pin {tries_left}; 429 locked / busy {retry_after_s}
    POST /v1/technician/logout
    POST /v1/technician/pin {pin}            set the device's technician PIN: a session is needed once one
                                             exists; the first one only on a fresh device (403 pin_from_console
                                             otherwise: `edge technician set-pin` on the device's console)
    POST /v1/technician/settings {device?, scanner?, printers?, stations?}   -> provisioned.toml, applied at once
    POST /v1/technician/enroll {confirm?}    enroll with the held enrollment code; on an enrolled device
                                             only with confirm = the held code's id (409 confirm_reenroll)
    POST /v1/technician/printers/scan {subnet?, ports?}   LAN scan for port 9100 (own subnet, at most a /24)
    POST /v1/technician/printers/probe {url}              one printer's DLE EOT status

Everything but the doctor, the state, the login and a fresh device's first PIN needs the header
`X-Technician-Session` from a login (so does POST /v1/print-test, in edge/core/printing_api.py).
The desk (edge.technician.technician_desk, made by create_app) does the work; its refusals become answers
in edge.core.errors.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.core.bodies import EnrollBody, PinBody, PrinterScanBody, ProbeBody, SettingsBody
from edge.core.depends import Service, Technician, json_body
from edge.technician.auth import PinRefused
from edge.technician.technician_desk import Refused, TechnicianDesk

SESSION_HEADER = "X-Technician-Session"
NO_PIN_IN_USE = ("this device is already set up (enrolled, printers configured or orders taken) and has no "
                 "technician PIN: set one on the device's own console with `edge technician set-pin` "
                 "(or use the store's technician PIN: `edge-upstream staff set --role technician`)")

router = APIRouter()


def check_session(desk: TechnicianDesk, request: Request) -> None:
    if not desk.auth.valid(request.headers.get(SESSION_HEADER)):
        raise Refused(401, "technician_login", "technician PIN needed (log in again)")


async def guarded(desk: TechnicianDesk, request: Request, fn, *args, needs_session: bool = True) -> JSONResponse:
    if needs_session:
        check_session(desk, request)
    return JSONResponse(await run_in_threadpool(fn, *args))


@router.get("/v1/doctor")
async def doctor(service: Service):
    from edge.technician.doctor import run_doctor

    checks = await run_in_threadpool(lambda: run_doctor(service.config, service.status()))
    return {"ok": all(c.ok for c in checks), "checks": [c.to_json() for c in checks]}


@router.get("/v1/technician/state")
async def state(desk: Technician, request: Request):
    return await guarded(desk, request, desk.state, needs_session=False)


@router.post("/v1/technician/login")
async def login(desk: Technician, doc: Annotated[PinBody, json_body(PinBody)]):
    if not await run_in_threadpool(desk.auth.pin_set):
        raise Refused(409, "no_pin", "no technician PIN on this device yet: set one first")
    result = await run_in_threadpool(desk.auth.login, doc.pin)
    if result.ok:
        return {"session": result.session}
    if result.busy:
        raise Refused(429, "busy", "another PIN is being checked: try again", retry_after_s=result.retry_after_s)
    if result.retry_after_s:
        raise Refused(429, "locked", f"too many wrong PINs: try again in {result.retry_after_s} s",
                      retry_after_s=result.retry_after_s)
    raise Refused(401, "wrong_pin", f"wrong PIN ({result.tries_left} tries before a lockout)", "pin",
                  tries_left=result.tries_left)


@router.post("/v1/technician/logout")
async def logout(desk: Technician, request: Request):
    desk.auth.logout(request.headers.get(SESSION_HEADER))
    return {"ok": True}


@router.post("/v1/technician/pin")
async def set_pin(desk: Technician, request: Request, doc: Annotated[PinBody, json_body(PinBody)]):
    if await run_in_threadpool(desk.auth.pin_set):
        check_session(desk, request)
    elif not await run_in_threadpool(desk.fresh):
        raise Refused(403, "pin_from_console", NO_PIN_IN_USE)
    try:
        token = await run_in_threadpool(desk.auth.set_pin, doc.pin)
    except PinRefused as exc:
        raise Refused(422, "bad_pin", str(exc), "pin") from None
    return {"session": token}


@router.post("/v1/technician/settings")
async def settings(desk: Technician, request: Request, doc: Annotated[SettingsBody, json_body(SettingsBody)]):
    return await guarded(desk, request, desk.save_settings, doc.sections())


@router.post("/v1/technician/enroll")
async def enroll(desk: Technician, request: Request, doc: Annotated[EnrollBody, json_body(EnrollBody)]):
    return await guarded(desk, request, desk.enroll, doc.confirm)


@router.post("/v1/technician/printers/scan")
async def scan(service: Service, desk: Technician, request: Request,
               doc: Annotated[PrinterScanBody, json_body(PrinterScanBody)]):
    from edge.technician.netscan import ScanRefused, scan_subnet

    timeout = getattr(getattr(service.config, "technician", None), "scan_timeout_ms", 400) / 1000

    def run():
        try:
            return scan_subnet(doc.subnet, tuple(doc.ports), connect_timeout=timeout)
        except ScanRefused as error:
            raise Refused(422, "scan_refused", str(error), "subnet") from None

    return await guarded(desk, request, run)


@router.post("/v1/technician/printers/probe")
async def probe(desk: Technician, request: Request, doc: Annotated[ProbeBody, json_body(ProbeBody)]):
    from edge.printer_urls import parse_printer_url
    from edge.technician.devices import probe_printer

    try:
        parse_printer_url(doc.url)
    except ValueError as error:
        raise Refused(422, "bad_url", str(error), "url") from None

    def run():
        state, detail = probe_printer(doc.url)
        return {"url": doc.url, "state": state, "detail": detail, "printer": state in ("ok", "problem")
                and not detail.startswith("unreachable")}

    return await guarded(desk, request, run)
