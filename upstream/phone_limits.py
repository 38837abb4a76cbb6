"""The limits a store puts on phone orders, and the arithmetic that applies them (pure: no I/O).

`PhoneLimits` holds the caps (of one dish, items and amount per order), the open orders a
table may have, and the two rate buckets (orders per minute per table and per client); a
store's overrides are kept as a small JSON object (upstream/store_settings.py) and read with
`limits_from_doc`. `check_cart` refuses a priced order above the caps (422, naming the field);
`take_token` is one step of a token bucket (a full bucket holds `per_minute` tokens and refills
at `per_minute` a minute).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from edge.cart import PricedCart
from edge.money import format_fen
from upstream.errors import ApiError

MAX_SETTING = 1_000_000_000  # no limit is set above this (amounts in fen: ¥10,000,000)


@dataclass(frozen=True)
class PhoneLimits:
    max_dish_qty: int = 20  # of one dish (summed over the order's lines)
    max_items: int = 50  # items in one order (the sum of the quantities)
    max_amount: int = 200_000  # fen: ¥2,000 per order
    max_open_per_table: int = 3  # phone orders of a table not yet paid, voided or rejected
    table_per_minute: int = 5  # orders per minute per table (token bucket, burst = this)
    client_per_minute: int = 20  # orders per minute per client address (burst = this)


DEFAULT_LIMITS = PhoneLimits()
NAMES = tuple(f.name for f in fields(PhoneLimits))


def limits_from_doc(doc: object) -> PhoneLimits:
    """The defaults with a store's overrides ({name: whole number ≥ 1}); raises ValueError."""
    if doc is None:
        return DEFAULT_LIMITS
    if not isinstance(doc, dict):
        raise ValueError("phone-order limits must be an object of {name: number}")
    unknown = sorted(set(doc) - set(NAMES))
    if unknown:
        raise ValueError(f"unknown phone-order limit {unknown[0]!r} (known: {', '.join(NAMES)})")
    for name, value in doc.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SETTING:
            raise ValueError(f"phone-order limit {name} must be a whole number from 1 to {MAX_SETTING}")
    return replace(DEFAULT_LIMITS, **doc)


def overrides(limits: PhoneLimits) -> dict[str, int]:
    """Only the values that differ from the defaults (what a store keeps)."""
    default = asdict(DEFAULT_LIMITS)
    return {k: v for k, v in asdict(limits).items() if v != default[k]}


def check_cart(cart: PricedCart, limits: PhoneLimits) -> None:
    """Refuse (422) an order with too many of one dish, too many items or too high an amount."""
    per_dish: dict[str, int] = {}
    for n, line in enumerate(cart.lines):
        per_dish[line.item.id] = per_dish.get(line.item.id, 0) + line.qty
        if per_dish[line.item.id] > limits.max_dish_qty:
            raise ApiError(422, "too_many_of_dish",
                           f"lines[{n}].qty: at most {limits.max_dish_qty} of {line.item.en or line.item.zh} per phone"
                           f" order (this order has {per_dish[line.item.id]}); order more at the counter",
                           f"lines[{n}].qty", limit=limits.max_dish_qty)
    items = sum(line.qty for line in cart.lines)
    if items > limits.max_items:
        raise ApiError(422, "too_many_items",
                       f"lines: at most {limits.max_items} items per phone order (this order has {items});"
                       " order more at the counter", "lines", limit=limits.max_items)
    if cart.total > limits.max_amount:
        raise ApiError(422, "amount_too_high",
                       f"total: a phone order may come to at most {format_fen(limits.max_amount)} (this order comes"
                       f" to {format_fen(cart.total)}); order more at the counter", "total", limit=limits.max_amount)


def take_token(tokens: float, updated_ms: int, now_ms: int, per_minute: int) -> tuple[bool, float, int]:
    """One request against a bucket last left with `tokens` at `updated_ms`: (allowed, tokens now
    left, seconds until the next token when refused). A clock that went back refills nothing."""
    refilled = min(float(per_minute), tokens + max(0, now_ms - updated_ms) * per_minute / 60_000)
    if refilled >= 1.0:
        return True, refilled - 1.0, 0
    return False, refilled, max(1, math.ceil((1.0 - refilled) * 60 / per_minute))
