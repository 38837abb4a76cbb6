"""Order placement rules (pure): the request a client sends, ids, ticket numbers, station split."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from edge.cart import MAX_NOTES, CartError, CartLine, PricedCart, PricedLine, price_cart
from edge.menu import Menu

SERVICES = ("dine_in", "takeaway")
PAYMENTS = ("counter", "code")  # pay at the counter (cash) / show a payment code (edge/payments)
MAX_TOKEN = 64


def new_id() -> str:
    """A random 128-bit id in lower-case base32 (26 chars); also a valid out_trade_no."""
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def ticket_number(prefix: str, sequence: int) -> str:
    """Per-device prefix + daily sequence: ('A', 17) -> 'A017'; grows past 999 ('A1000')."""
    if sequence < 1:
        raise ValueError("ticket sequence starts at 1")
    return f"{prefix}{sequence:03d}"


@dataclass(frozen=True)
class OrderRequest:
    client_token: str
    service: str
    table: str | None
    payment: str
    lines: tuple[CartLine, ...]
    notes: tuple[str, ...] = ()


def _text(doc: Mapping[str, object], key: str, default: str | None = None) -> str | None:
    value = doc.get(key, default)
    if value is None or isinstance(value, str):
        return value
    raise CartError("bad_request", f"'{key}' must be text", key)


def _ids(value: object, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CartError("bad_request", f"'{field}' must be a list of ids", field)
    return tuple(value)


def parse_order_request(doc: object) -> OrderRequest:
    """Validate the shape of a POST /v1/orders body. Prices in it are ignored on purpose."""
    if not isinstance(doc, dict):
        raise CartError("bad_request", "the order must be a JSON object")
    token = _text(doc, "client_token")
    if not token or len(token) > MAX_TOKEN or not token.isprintable():
        raise CartError("bad_request", f"'client_token' must be 1-{MAX_TOKEN} printable characters",
                        "client_token")
    service = _text(doc, "service", "dine_in")
    if service not in SERVICES:
        raise CartError("bad_request", f"'service' must be one of {', '.join(SERVICES)}", "service")
    table = _text(doc, "table")
    if table is not None and (not table.isalnum() or len(table) > 8):
        raise CartError("bad_table", "'table' must be 1-8 letters or digits", "table")
    if service == "takeaway":
        table = None
    payment = _text(doc, "payment", "counter")
    if payment not in PAYMENTS:
        raise CartError("bad_request", f"'payment' must be one of {', '.join(PAYMENTS)}", "payment")
    raw_lines = doc.get("lines")
    if not isinstance(raw_lines, list):
        raise CartError("bad_request", "'lines' must be a list", "lines")
    lines = []
    for n, raw in enumerate(raw_lines):
        if not isinstance(raw, dict) or not isinstance(raw.get("item_id"), str):
            raise CartError("bad_request", f"lines[{n}] needs an 'item_id'", f"lines[{n}]")
        lines.append(CartLine(raw["item_id"], raw.get("qty", 1),
                              _ids(raw.get("options"), f"lines[{n}].options"),
                              _ids(raw.get("notes"), f"lines[{n}].notes")))
    notes = _ids(doc.get("notes"), "notes")
    if len(notes) > MAX_NOTES:  # as for a line: each note is one more line on every kitchen ticket
        raise CartError("bad_note", f"at most {MAX_NOTES} notes per order", "notes")
    return OrderRequest(token, service, table, payment, tuple(lines), notes)


def price_order(menu: Menu, request: OrderRequest) -> PricedCart:
    """Price a request against the menu; order-level notes must be known chips too."""
    for chip in request.notes:
        if menu.note_chip(chip) is None:
            raise CartError("bad_note", f"unknown note '{chip}'", "notes")
    return price_cart(menu, list(request.lines))


def split_by_station(cart: PricedCart) -> dict[str, list[PricedLine]]:
    """Kitchen tickets: one per station, in the order stations first appear in the cart."""
    stations: dict[str, list[PricedLine]] = {}
    for line in cart.lines:
        stations.setdefault(line.item.station, []).append(line)
    return stations
