"""The one error body of the core's local API: {"error": {"code", "message", "field", ...}}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from edge.cart import CartError
from edge.ledger.placement import TokenReused
from edge.ledger.db import StorageError
from edge.refusal import Refused


def error(status: int, code: str, message: str, field: str | None = None, **extra: object) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "field": field, **extra}}, status_code=status)


def refused(exc: Refused) -> JSONResponse:
    return error(exc.status, exc.code, exc.message, exc.field, **exc.extra)


def install_refusal_handler(app: FastAPI) -> None:
    """Any refusal that leaves an endpoint becomes its error answer: a Refused as it says, an order
    the domain refuses (CartError: 422, a reused client token: 409 with the earlier order), a store
    that cannot write (StorageError: 503 storage), a query parameter of the wrong type (422
    bad_request)."""

    async def handle(request: Request, exc: Refused) -> JSONResponse:
        return refused(exc)

    async def cart(request: Request, exc: CartError) -> JSONResponse:
        if isinstance(exc, TokenReused):
            return error(409, exc.code, exc.message, exc.field, order_id=exc.order_id, ticket_no=exc.ticket_no)
        return error(422, exc.code, exc.message, exc.field)

    async def storage(request: Request, exc: StorageError) -> JSONResponse:
        return error(503, "storage", str(exc))

    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = exc.errors()[0]
        name = str(problem["loc"][-1]) if problem.get("loc") else None
        return error(422, "bad_request", f"'{name}': {problem['msg']}" if name else problem["msg"], name)

    app.add_exception_handler(Refused, handle)
    app.add_exception_handler(CartError, cart)
    app.add_exception_handler(StorageError, storage)
    app.add_exception_handler(RequestValidationError, invalid)
