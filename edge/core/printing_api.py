"""Printing endpoints of the core's local API (documented in docs/protocol.md, "Printing").

    GET  /v1/printers                    printers: ok | problem | unknown, detail, queue counts
    GET  /v1/print-jobs?printer=&state=&limit=50
    GET  /v1/print-jobs/{id}             one job, with its ticket data
    POST /v1/print-jobs/{id}/reprint     print it again (补打 REPRINT) -> 202 {"job": ...}
    POST /v1/orders/{id}/receipt         {"pickup_code"?, "printer"?} -> 202 {"job": ...}
    POST /v1/print-test                  {"url", "profile"?, "wait"?} -> the printer's status and
                                         what happened to the test page

A print-test for a configured printer's url goes through that printer's queue (one connection
per printer at a time); any other url is tried directly, from a worker thread.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.ledger import print_jobs
from edge.core.service import EdgeService
from edge.core.errors import error

MAX_LIMIT = 500


def printing_router(service: EdgeService) -> APIRouter:
    router = APIRouter()

    def locked(fn, *args, **kwargs):
        with service._write_lock:  # noqa: SLF001 - the core's one write lock, shared by design
            return fn(service.db, *args, **kwargs)

    def write(fn, *args, **kwargs):
        with service._write_lock, service.db.atomic():  # noqa: SLF001
            return fn(service.db, *args, **kwargs)

    @router.get("/v1/printers")
    def printers() -> dict:
        states = service.spool.printer_states() if service.spool else {}
        counts = locked(print_jobs.queue_counts)
        for name, state in states.items():
            state["jobs"] = counts.get(name, {})
        return {"printers": states, "unassigned": counts.get("(none)", {})}

    @router.get("/v1/print-jobs")
    def jobs(printer: str | None = None, state: str | None = None, limit: int = 50) -> dict:
        return {"jobs": locked(print_jobs.list_jobs, printer, state, max(1, min(limit, MAX_LIMIT)))}

    @router.get("/v1/print-jobs/{job_id}")
    def job(job_id: str):
        found = locked(print_jobs.get_job, job_id)
        return found if found else error(404, "not_found", f"no print job {job_id}")

    @router.post("/v1/print-jobs/{job_id}/reprint")
    def reprint(job_id: str):
        try:
            new = write(print_jobs.reprint, service.config, job_id, int(time.time() * 1000))
        except KeyError:
            return error(404, "not_found", f"no print job {job_id}")
        except ValueError as exc:
            return error(409, "no_printer", str(exc))
        if service.spool:
            service.spool.wake()
        return JSONResponse({"job": locked(print_jobs.get_job, new)}, status_code=202)

    @router.post("/v1/orders/{order_id}/receipt")
    async def receipt(order_id: str, request: Request):
        body = await request.body()
        doc = {}
        if body:
            try:
                doc = await request.json()
            except ValueError:
                return error(400, "malformed_json", "the body is not valid JSON")
        if not isinstance(doc, dict):
            return error(422, "bad_request", "the body must be a JSON object")
        printer = doc.get("printer")
        if printer is not None and printer not in service.config.printers:
            return error(422, "unknown_printer", f"no printer {printer!r}", "printer")
        code = doc.get("pickup_code", "")
        if not isinstance(code, str) or len(code) > 512:
            return error(422, "bad_pickup_code", "pickup_code must be a string of at most 512 characters",
                          "pickup_code")
        try:
            new = await run_in_threadpool(write, print_jobs.queue_receipt, service.config, order_id,
                                          int(time.time() * 1000), code, printer)
        except KeyError:
            return error(404, "not_found", f"no order {order_id}")
        if new is None:
            return error(409, "no_printer", "no receipt printer: map one in [stations] (receipt = \"PRINTER\")")
        if service.spool:
            service.spool.wake()
        return JSONResponse({"job": locked(print_jobs.get_job, new)}, status_code=202)

    @router.post("/v1/print-test")
    async def print_test(request: Request):
        from edge.core.printer_test_page import queue_test_page
        from edge.printer.testing import print_test_direct

        try:
            doc = await request.json()
        except ValueError:
            return error(400, "malformed_json", "the body is not valid JSON")
        if not isinstance(doc, dict) or not isinstance(doc.get("url"), str):
            return error(422, "bad_request", "send {\"url\": \"tcp://HOST:PORT\", \"profile\": \"NAME\"}", "url")
        url, profile = doc["url"], doc.get("profile")
        wait = float(doc.get("wait", 10.0)) if isinstance(doc.get("wait", 10.0), (int, float)) else 10.0
        name = next((n for n, p in service.config.printers.items() if p.url.strip() == url.strip()), None)
        try:
            if name is not None and service.spool:
                result = await run_in_threadpool(queue_test_page, service, name, profile, min(wait, 60.0))
            else:
                result = await run_in_threadpool(print_test_direct, url, profile)
        except ValueError as exc:
            return error(422, "bad_request", str(exc))
        return result

    return router
