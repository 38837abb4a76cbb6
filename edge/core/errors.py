"""The one error body of the core's local API: {"error": {"code", "message", "field", ...}}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from edge.refusal import Refused


def error(status: int, code: str, message: str, field: str | None = None, **extra: object) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "field": field, **extra}}, status_code=status)


def refused(exc: Refused) -> JSONResponse:
    return error(exc.status, exc.code, exc.message, exc.field, **exc.extra)


def install_refusal_handler(app: FastAPI) -> None:
    """Any Refused that leaves an endpoint becomes its error answer."""

    async def handle(request: Request, exc: Refused) -> JSONResponse:
        return refused(exc)

    app.add_exception_handler(Refused, handle)
