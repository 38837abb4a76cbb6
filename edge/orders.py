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
# only a table round that upstream sent (edge/sync/downstream.py) is paid these ways: "table" on the
# table's bill at the end (先吃后付), "prepaid" on the phone before it was sent (先付后吃)
ROUND_PAYMENTS = ("table", "prepaid")
CHANNELS = ("alipay", "wechat", "unionpay")
MAX_TOKEN = 64
COUPON_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


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
    table_round: TableRound | None = None


@dataclass(frozen=True)
class TableRound:
    """Which table session and round (加菜) an order from the phones is; how long it waited upstream
    for this device; and, for a round paid on the phone, the gateway attempt that paid it and the
    member's coupon applied there (what it took off: the round's total less it is what was paid)."""
    session_id: str
    round_no: int
    waited_ms: int = 0
    prepaid_attempt: str | None = None
    prepaid_channel: str | None = None
    prepaid_discount: int = 0
    prepaid_coupon: str | None = None

    @property
    def late_minutes(self) -> int:
        """Whole minutes waited, when the round waited longer than LATE_AFTER_MS (else 0)."""
        return self.waited_ms // 60_000 if self.waited_ms > LATE_AFTER_MS else 0


LATE_AFTER_MS = 3 * 60_000


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


def _table_round(doc: Mapping[str, object], payment: str) -> TableRound:
    raw = doc.get("table_session")
    if not isinstance(raw, dict):
        raise CartError("bad_request", "a table round needs 'table_session'", "table_session")
    session, round_no, waited = raw.get("id"), raw.get("round"), raw.get("waited_ms", 0)
    if not isinstance(session, str) or not 1 <= len(session) <= MAX_TOKEN or not session.isalnum():
        raise CartError("bad_request", "'table_session.id' must be an id", "table_session.id")
    for name, value in (("round", round_no), ("waited_ms", waited)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**12:
            raise CartError("bad_request", f"'table_session.{name}' must be a whole number", f"table_session.{name}")
    assert isinstance(round_no, int) and isinstance(waited, int)
    if round_no < 1:
        raise CartError("bad_request", "'table_session.round' starts at 1", "table_session.round")
    attempt = channel = coupon = None
    discount = 0
    if payment == "prepaid":
        paid = doc.get("prepaid")
        if not isinstance(paid, dict) or not isinstance(paid.get("attempt_id"), str) \
                or paid.get("channel") not in CHANNELS:
            raise CartError("bad_request", "a prepaid round needs 'prepaid': {attempt_id, channel}", "prepaid")
        attempt, channel = str(paid["attempt_id"])[:MAX_TOKEN], str(paid["channel"])
        discount, coupon = parse_discount(paid, "prepaid")
    return TableRound(session, round_no, waited, attempt, channel, discount, coupon)


def coupon_fields(discount: int, coupon_id: str | None) -> dict[str, object]:
    """The `discount` and `coupon_id` of an event or command whose payment a member's coupon took
    part of on a phone (nothing when none did)."""
    return {"discount": discount, "coupon_id": coupon_id} if discount else {}


def parse_discount(doc: Mapping[str, object], field: str) -> tuple[int, str | None]:
    """(discount fen, coupon id) of a payment made on a phone with a member's coupon: both, or
    neither (0, None). CartError when they are malformed."""
    discount, coupon = doc.get("discount", 0), doc.get("coupon_id")
    if discount in (0, None) and coupon is None:
        return 0, None
    if not isinstance(discount, int) or isinstance(discount, bool) or not 0 < discount <= 10**9:
        raise CartError("bad_request", f"'{field}.discount' must be whole fen above 0", f"{field}.discount")
    if not isinstance(coupon, str) or not 1 <= len(coupon) <= 32 or not all(c in COUPON_ID_CHARS for c in coupon):
        raise CartError("bad_request", f"'{field}.coupon_id' must be a coupon id", f"{field}.coupon_id")
    return discount, coupon


def parse_order_request(doc: object, *, from_upstream: bool = False) -> OrderRequest:
    """Validate the shape of a POST /v1/orders body. Prices in it are ignored on purpose.
    `from_upstream`: a table round that upstream sent (payment "table" or "prepaid" and its
    `table_session`); the local API never passes it, so no local client can claim a prepaid order."""
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
    allowed = ROUND_PAYMENTS if from_upstream else PAYMENTS
    if payment not in allowed:
        raise CartError("bad_request", f"'payment' must be one of {', '.join(allowed)}", "payment")
    table_round = _table_round(doc, payment) if from_upstream else None
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
    return OrderRequest(token, service, table, payment, tuple(lines), notes, table_round)


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
