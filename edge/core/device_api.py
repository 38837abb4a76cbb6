"""What the device is doing, on the core's local API (docs/protocol.md):

    GET /v1/health     {"ok": true} while the core answers
    GET /v1/status     device, database, menu, outbox, printers, sync, scanner
    GET /v1/events     server-sent events (order.placed, print.job, menu.changed, ...), a heartbeat
                       comment every 15 s, `shutdown` when the core stops
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from edge.core.depends import Service

HEARTBEAT_S = 15.0

router = APIRouter()


@router.get("/v1/health")
def health() -> dict:
    return {"ok": True}


@router.get("/v1/status")
def status(service: Service) -> dict:
    return service.status()


@router.get("/v1/events")
async def events(service: Service, request: Request):
    async def stream():
        async with service.events.subscribe() as queue:
            yield "retry: 1000\n: connected\n\n"
            # no check of `closed` here: the bus's "shutdown" event ends the stream, so a stream
            # that sees the flag before the event still delivers it (a late subscriber gets one too)
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                yield event.sse()
                if event.type == "shutdown":
                    return

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
