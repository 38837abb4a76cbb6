"""Printing endpoints of the core's local API (documented in docs/protocol.md, "Printing").

    GET  /v1/printers                    printers: ok | problem | unknown, detail, queue counts
    GET  /v1/print-jobs?printer=&state=&limit=50
    GET  /v1/print-jobs/{id}             one job, with its ticket data
    POST /v1/print-jobs/{id}/reprint     print it again (补打 REPRINT) -> 202 {"job": ...} (staff session)
    POST /v1/orders/{id}/receipt         {"pickup_code"?, "printer"?} -> 202 {"job": ...} (staff session)
    POST /v1/print-test                  {"printer" | "url", "profile"?, "wait"?} -> the printer's
                                         status and what happened to the test page (technician session)

A reprint and a receipt need a staff session (header X-Staff-Session, edge.core.cashier_api) and
are recorded with the staff member's id, like every printing a cashier asks for. A print-test
needs a technician session (header X-Technician-Session; checked once the body has
been read under its size limit, as on the technician endpoints) and goes only to a
configured printer (by name or url: through that printer's queue, one connection per printer at
a time) or to a tcp:// address on the LAN (tried directly, from a worker thread): see
edge/core/print_test_target.py. It never opens a file:// (or usb/serial) url it is given. Jobs are
read and written through the service's ledger (its one write lock; a transaction for writes).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.core.printer_test_page import queue_test_page
from edge.core.bodies import PrintTestBody, ReceiptBody
from edge.core.cashier_api import LoggedIn
from edge.core.depends import Cashier, Service, json_body
from edge.core.print_test_target import print_test_target
from edge.core.errors import error
from edge.core.service import EdgeService
from edge.core.technician_api import check_session
from edge.ledger import print_jobs
from edge.ledger.staff import Staff, record_action

MAX_LIMIT = 500

router = APIRouter()


def read(service: EdgeService, fn, *args, **kwargs):
    with service.ledger.reading() as db:
        return fn(db, *args, **kwargs)


def write(service: EdgeService, fn, *args, **kwargs):
    with service.ledger.step() as db:
        return fn(db, *args, **kwargs)


def configured_printers(service: EdgeService) -> dict:
    return {"printers": service.config.printers}


@router.get("/v1/printers")
def printers(service: Service) -> dict:
    states = service.spool.printer_states() if service.spool else {}
    counts = read(service, print_jobs.queue_counts)
    for name, state in states.items():
        state["jobs"] = counts.get(name, {})
    return {"printers": states, "unassigned": counts.get("(none)", {})}


@router.get("/v1/print-jobs")
def jobs(service: Service, printer: str | None = None, state: str | None = None, limit: int = 50) -> dict:
    return {"jobs": read(service, print_jobs.list_jobs, printer, state, max(1, min(limit, MAX_LIMIT)))}


@router.get("/v1/print-jobs/{job_id}")
def job(service: Service, job_id: str):
    found = read(service, print_jobs.get_job, job_id)
    return found if found else error(404, "not_found", f"no print job {job_id}")


@router.post("/v1/print-jobs/{job_id}/reprint")
async def reprint(desk: Cashier, job_id: str, staff: LoggedIn):
    """The cashier desk's reprint (edge.cashier.order_actions.reprint): the job, who asked."""
    done = await run_in_threadpool(desk.reprint, staff, job_id)
    return JSONResponse({"job": done["job"]}, status_code=202)


def queue_receipt(db, config, order_id: str, at_ms: int, pickup_code: str, printer: str | None,
                  staff: Staff) -> str | None:
    """The receipt job and its who-did-it record, in one transaction (None: no receipt printer)."""
    new = print_jobs.queue_receipt(db, config, order_id, at_ms, pickup_code, printer)
    if new is not None:
        record_action(db, staff, "receipt", order_id, {"job_id": new, "printer": printer}, at_ms)
    return new


@router.post("/v1/orders/{order_id}/receipt")
async def receipt(service: Service, order_id: str,
                  doc: Annotated[ReceiptBody, json_body(ReceiptBody, configured_printers)], staff: LoggedIn):
    try:
        new = await run_in_threadpool(write, service, queue_receipt, service.config, order_id,
                                      int(time.time() * 1000), doc.pickup_code, doc.printer, staff)
    except KeyError:
        return error(404, "not_found", f"no order {order_id}")
    if new is None:
        return error(409, "no_printer", "no receipt printer: map one in [stations] (receipt = \"PRINTER\")")
    if service.spool:
        service.spool.wake()
    return JSONResponse({"job": read(service, print_jobs.get_job, new)}, status_code=202)


@router.post("/v1/print-test")
async def print_test(service: Service, request: Request,
                     doc: Annotated[PrintTestBody, json_body(PrintTestBody)]):
    from edge.printer.testing import print_test_direct

    check_session(service.technician, request)  # after the body's streamed size limit, like every technician call

    target = await run_in_threadpool(print_test_target, service.config.printers, doc.printer, doc.url)
    try:
        if target.printer is not None and service.spool:
            result = await run_in_threadpool(queue_test_page, service, target.printer, doc.profile,
                                             min(doc.wait, 60.0))
        else:
            result = await run_in_threadpool(print_test_direct, target.url, doc.profile)
    except ValueError as exc:
        return error(422, "bad_request", str(exc))
    return result
