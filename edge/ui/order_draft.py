"""UI-side order state: the cart lines and the checkout choices, free of Textual.

Prices shown here are for display only (item price + option deltas); the core re-prices every
line when the order is placed. The client token is made when the customer taps "confirm" and
kept until the core has answered with an order, so a retry after a lost reply (or a double
tap) returns the same order instead of making a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from edge.ui.menu_view import MenuView

MAX_QTY = 99
MAX_LINES = 50
TABLE_DIGITS = 4  # typed on the keypad
TABLE_MAX = 8  # a scanned table code may name tables "A12" (the core takes 1-8 letters or digits)
SERVICES = ("dine_in", "takeaway")


@dataclass
class CartLine:
    item_id: str
    qty: int = 1
    options: tuple[str, ...] = ()  # chosen option ids
    notes: tuple[str, ...] = ()  # note chip ids

    def same_choice(self, other: CartLine) -> bool:
        return (self.item_id, sorted(self.options), sorted(self.notes)) == \
            (other.item_id, sorted(other.options), sorted(other.notes))

    def doc(self) -> dict:
        line: dict = {"item_id": self.item_id, "qty": self.qty}
        if self.options:
            line["options"] = list(self.options)
        if self.notes:
            line["notes"] = list(self.notes)
        return line


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)

    def add(self, item_id: str, qty: int = 1, options=(), notes=()) -> int:
        """Add a line (or more of an identical line); returns the line's index."""
        new = CartLine(item_id, _clamp(qty), tuple(options), tuple(notes))
        for index, line in enumerate(self.lines):
            if line.same_choice(new):
                line.qty = _clamp(line.qty + new.qty)
                return index
        if len(self.lines) >= MAX_LINES:
            raise ValueError(f"at most {MAX_LINES} different lines per order")
        self.lines.append(new)
        return len(self.lines) - 1

    def change_qty(self, index: int, delta: int) -> int:
        """Change a line's quantity within 1..99 (removing is a separate, explicit step)."""
        line = self.lines[index]
        line.qty = _clamp(line.qty + delta)
        return line.qty

    def remove(self, index: int) -> None:
        del self.lines[index]

    def clear(self) -> None:
        self.lines.clear()

    @property
    def count(self) -> int:
        return sum(line.qty for line in self.lines)

    def is_empty(self) -> bool:
        return not self.lines

    def unit_price(self, menu: MenuView, line: CartLine) -> int:
        return menu.unit_price(line.item_id, line.options)

    def line_total(self, menu: MenuView, line: CartLine) -> int:
        return self.unit_price(menu, line) * line.qty

    def total(self, menu: MenuView) -> int:
        return sum(self.line_total(menu, line) for line in self.lines)

    def unavailable(self, menu: MenuView) -> list[int]:
        """Indexes of lines whose item is sold out or gone from the (re-loaded) menu."""
        return [i for i, line in enumerate(self.lines) if not menu.is_available(line.item_id)]

    def order_lines(self) -> list[dict]:
        return [line.doc() for line in self.lines]


def _clamp(qty: int) -> int:
    return max(1, min(MAX_QTY, int(qty)))


@dataclass
class OrderDraft:
    """Everything the customer chose, kept across screens and failed attempts."""

    cart: Cart = field(default_factory=Cart)
    service: str | None = None  # "dine_in" | "takeaway"; the customer must choose
    table: str = ""
    table_scanned: bool = False  # the table came from its QR code (not typed on the keypad)
    notes: list[str] = field(default_factory=list)
    token: str | None = None
    token_payment: str = "counter"  # the way to pay the token was made for

    def choose_service(self, service: str) -> None:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}")
        self.service = service

    def bind_table(self, table: str) -> str:
        """A scanned (signed, verified by the core) table code: dine in at `table`.
        Returns the table it replaced ('' when there was none or it was the same)."""
        if not table or not table.isalnum() or len(table) > TABLE_MAX:
            raise ValueError(f"bad table {table!r}")
        old = self.table if self.table != table else ""
        self.service, self.table, self.table_scanned = "dine_in", table, True
        return old

    def _keypad(self) -> None:
        """The keypad overrides a scanned table: the first key starts a new number."""
        if self.table_scanned:
            self.table, self.table_scanned = "", False

    def press_key(self, digit: str) -> str:
        """A keypad digit for the table number (at most TABLE_DIGITS digits)."""
        self._keypad()
        if len(digit) == 1 and digit.isdigit() and len(self.table) < TABLE_DIGITS:
            self.table = (self.table + digit).lstrip("0")  # no table "0" or "007"
        return self.table

    def backspace(self) -> str:
        self._keypad()
        self.table = self.table[:-1]
        return self.table

    def clear_table(self) -> str:
        self.table, self.table_scanned = "", False
        return self.table

    def toggle_note(self, chip_id: str) -> bool:
        """Toggle an order-level note chip; returns whether it is now chosen."""
        if chip_id in self.notes:
            self.notes.remove(chip_id)
            return False
        self.notes.append(chip_id)
        return True

    def ready(self) -> bool:
        return not self.cart.is_empty() and self.service in SERVICES

    def confirm(self, payment: str = "counter") -> dict:
        """The order document for POST /v1/orders; makes the client token on the first tap
        and reuses it on every later tap until `placed()` or `forget_token()` — a retry after a
        lost answer is the same order. Choosing the other way to pay makes a new token."""
        if self.token is None or payment != self.token_payment:
            self.token, self.token_payment = uuid.uuid4().hex, payment
        doc: dict = {"client_token": self.token, "service": self.service or "dine_in",
                     "payment": payment, "lines": self.cart.order_lines()}
        if doc["service"] == "dine_in" and self.table:
            doc["table"] = self.table
        if self.notes:
            doc["notes"] = list(self.notes)
        return doc

    def forget_token(self) -> None:
        """After the core said the token belongs to another order: the next tap is a new order."""
        self.token = None

    def placed(self) -> None:
        """The core answered with the order: start afresh for the next customer."""
        self.cart.clear()
        self.service, self.table, self.table_scanned, self.notes, self.token = None, "", False, [], None
