"""What an endpoint of the core's local API is given (FastAPI dependencies): the service that
create_app put on app.state, the capability it needs from it, its parsed request body.

The dependencies are coroutines on purpose: FastAPI runs plain functions in a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from edge.cashier.cashier_desk import CashierDesk
from edge.core.bodies import Body, json_document
from edge.core.service import EdgeService
from edge.payments.manager import PaymentManager
from edge.technician.technician_desk import TechnicianDesk

B = TypeVar("B", bound=Body)


async def get_service(request: Request) -> EdgeService:
    return request.app.state.service


async def get_cashier(request: Request) -> CashierDesk:
    return request.app.state.service.cashier


async def get_payments(request: Request) -> PaymentManager:
    return request.app.state.service.payments


async def get_technician(request: Request) -> TechnicianDesk:
    return request.app.state.service.technician


Service = Annotated[EdgeService, Depends(get_service)]
Cashier = Annotated[CashierDesk, Depends(get_cashier)]
Payments = Annotated[PaymentManager, Depends(get_payments)]
Technician = Annotated[TechnicianDesk, Depends(get_technician)]


def json_body(model: type[B], context: Callable[[EdgeService], dict] | None = None) -> Any:
    """`Depends` on the request body parsed as `model` (edge.core.bodies); a broken body is refused
    with the model's refusal. `context` gives the model's checks what they need from the service."""

    async def parse(request: Request) -> B:
        raw = await request.body()
        return model.parse(raw, context(request.app.state.service) if context else None)

    return Depends(parse)


async def _document(request: Request) -> object:
    return json_document(await request.body())


JsonDocument = Annotated[object, Depends(_document)]
"""The body as any JSON value (the order, which the domain parses)."""
