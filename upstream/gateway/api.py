"""The gateway's HTTP routes on the upstream API (signed by the device, docs/protocol.md):

    PUT  /v1/payment-attempts/{id}?          create + pay (the code travels in this body only)
    GET  /v1/payment-attempts/{id}?after=V&wait=S   the attempt; long poll until version > V
    POST /v1/payment-attempts/{id}/abandon   give it up (unknown id: a tombstone)
    POST /v1/payment-attempts/{id}/query     act now (cashier's "retry query")
    POST /v1/payment-attempts/{id}/refunds   a merchant refund {refund_id, amount, reason} (idempotent)

and, public, the providers' notifies of in-app payments (upstream/gateway/inapp_notify.py):

    POST /v1/pay-notify/{provider}           verified, applied once, answered in the provider's words
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from upstream.enroll import authenticate
from upstream.errors import ApiError
from upstream.gateway.config import configured, load_gateway_config
from upstream.gateway import inapp
from upstream.gateway.engine import Gateway
from upstream.gateway.inapp_notify import handle_notice
from upstream.web import parse_json, read_body, signed_path

log = logging.getLogger(__name__)
MAX_BODY = 8 * 1024
MAX_NOTIFY_BODY = 16 * 1024
MAX_WAIT_S = 30.0
POLL_S = 0.02


def gateway_from_env(db):
    """The gateway `$EDGE_UPSTREAM_GATEWAY` asks for: a config file, `sandbox` (the sandbox
    providers in this process, for the demo), or none."""
    setting = configured()
    if not setting:
        return None
    if setting == "sandbox":
        # the sandbox providers (demo, tests) load only when asked for
        from upstream.gateway.sandbox import SandboxTimings, start_sandboxes

        sandboxes = start_sandboxes(SandboxTimings(password_s=3.0, outage_s=90.0))
        gateway = Gateway(db, sandboxes.config())
        gateway.sandboxes = sandboxes
        log.info("payment gateway: sandbox providers at %s and %s", sandboxes.alipay.url, sandboxes.wechat.url)
        return gateway.start()
    return Gateway(db, load_gateway_config(setting)).start()


def add_payment_routes(app: FastAPI, db, gateway) -> None:
    app.state.gateway = gateway
    if gateway is not None:
        inapp.attach(gateway)  # in-app payments of this database go through this gateway

    def require() -> object:
        if app.state.gateway is None:
            raise ApiError(503, "no_gateway", "this upstream takes no code payments (no payment gateway configured):"
                           " pay at the counter")
        return app.state.gateway

    async def device_of(request: Request, body: bytes = b"") -> dict:
        return await run_in_threadpool(authenticate, db, request.method, signed_path(request), body, request.headers)

    @app.put("/v1/payment-attempts/{attempt_id}")
    async def put_attempt(attempt_id: str, request: Request):
        started = time.perf_counter()
        body = await read_body(request, MAX_BODY)
        device = await device_of(request, body)
        gateway = require()
        doc = parse_json(body)
        del body
        view, status = await run_in_threadpool(gateway.submit, device, attempt_id, doc)
        view["gateway_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return JSONResponse(view, status_code=status)

    @app.get("/v1/payment-attempts/{attempt_id}")
    async def get_attempt(attempt_id: str, request: Request, after: int = 0, wait: float = 0.0):
        device = await device_of(request)
        gateway = require()
        deadline = time.monotonic() + max(0.0, min(wait, MAX_WAIT_S))
        while True:
            view = await run_in_threadpool(gateway.view, device, attempt_id)
            if view["version"] > after or time.monotonic() >= deadline or await request.is_disconnected():
                return view
            await asyncio.sleep(POLL_S)

    @app.post("/v1/payment-attempts/{attempt_id}/abandon")
    async def abandon(attempt_id: str, request: Request):
        body = await read_body(request, MAX_BODY)
        device = await device_of(request, body)
        return await run_in_threadpool(require().abandon, device, attempt_id, parse_json(body) if body else {})

    @app.post("/v1/payment-attempts/{attempt_id}/query")
    async def query(attempt_id: str, request: Request):
        body = await read_body(request, MAX_BODY)
        device = await device_of(request, body)
        return await run_in_threadpool(require().query_now, device, attempt_id)

    @app.post("/v1/payment-attempts/{attempt_id}/refunds")
    async def refund(attempt_id: str, request: Request):
        body = await read_body(request, MAX_BODY)
        device = await device_of(request, body)
        view, status = await run_in_threadpool(require().refund, device, attempt_id, parse_json(body) if body else {})
        return JSONResponse(view, status_code=status)

    @app.post("/v1/pay-notify/{provider}")
    async def pay_notify(provider: str, request: Request):
        body = await read_body(request, MAX_NOTIFY_BODY)
        client = request.client.host if request.client else None
        answer, media_type = await run_in_threadpool(handle_notice, require(), provider, body,
                                                     request.headers.get("content-type", ""), client)
        return Response(answer, media_type=media_type)


def dumps(doc: dict) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()
