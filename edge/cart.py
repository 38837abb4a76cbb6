"""Cart pricing: turn requested lines into priced lines against the menu, or refuse clearly.

The core prices every order itself; a price sent by a client is never read.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.menu import Item, Menu, Option

MAX_QTY = 99
MAX_LINES = 50
MAX_NOTES = 10


class CartError(ValueError):
    """A cart line the core refuses, with a machine code and a plain message."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CartLine:
    item_id: str
    qty: object  # as the client sent it; price_line checks it is a whole number in 1..MAX_QTY
    options: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PricedLine:
    item: Item
    qty: int
    options: tuple[Option, ...]
    notes: tuple[str, ...]  # note chip ids
    unit_price: int  # fen, item price plus option deltas
    total: int  # fen


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    total: int


def _check_qty(qty: object, field: str) -> int:
    if isinstance(qty, bool) or not isinstance(qty, int):
        raise CartError("bad_quantity", f"quantity must be a whole number, got {qty!r}", field)
    if qty <= 0:
        raise CartError("bad_quantity", f"quantity must be at least 1, got {qty}", field)
    if qty > MAX_QTY:
        raise CartError("bad_quantity", f"quantity {qty} is more than {MAX_QTY}", field)
    return qty


def _pick_options(menu: Menu, item: Item, option_ids: tuple[str, ...], field: str) -> tuple[Option, ...]:
    chosen: dict[str, Option] = {}
    for option_id in option_ids:
        found = next(
            ((g, o) for gid in item.option_groups if (o := (g := menu.option_groups[gid]).option(option_id))),
            None,
        )
        if found is None:
            raise CartError("bad_option", f"option '{option_id}' does not belong to {item.zh} ({item.id})", field)
        owner, option = found
        if owner.id in chosen:
            raise CartError("bad_option", f"only one choice of {owner.zh} is allowed for {item.zh}", field)
        chosen[owner.id] = option
    for gid in item.option_groups:
        group = menu.option_groups[gid]
        if gid not in chosen and group.required:
            default = None if group.default is None else group.option(group.default)
            if default is None:  # no default, or (a menu not built by menu_from_dict) one that is not an option
                raise CartError("missing_option", f"{item.zh}: please choose {group.zh}", field)
            chosen[gid] = default
    return tuple(chosen[gid] for gid in item.option_groups if gid in chosen)


def price_line(menu: Menu, line: CartLine, index: int = 0) -> PricedLine:
    field = f"lines[{index}]"
    item = menu.items.get(line.item_id)
    if item is None:
        raise CartError("unknown_item", f"unknown item '{line.item_id}'", field)
    if item.sold_out:
        raise CartError("sold_out", f"{item.zh} ({item.en}) is sold out", field)
    qty = _check_qty(line.qty, field + ".qty")
    options = _pick_options(menu, item, tuple(line.options), field + ".options")
    if len(line.notes) > MAX_NOTES:
        raise CartError("bad_note", f"at most {MAX_NOTES} notes per line", field + ".notes")
    offered = menu.notes_for(item)
    for chip in line.notes:
        note = menu.note_chip(chip)
        if note is None:
            raise CartError("bad_note", f"unknown note '{chip}'", field + ".notes")
        if chip not in offered:
            raise CartError("bad_note", f"{note.zh} ({note.en}) is not offered with {item.zh} ({item.en})",
                            field + ".notes")
    unit = item.price + sum(o.price_delta for o in options)
    return PricedLine(item, qty, options, tuple(line.notes), unit, unit * qty)


def price_cart(menu: Menu, lines: list[CartLine]) -> PricedCart:
    if not lines:
        raise CartError("empty_order", "the order has no items", "lines")
    if len(lines) > MAX_LINES:
        raise CartError("too_many_lines", f"at most {MAX_LINES} lines per order", "lines")
    priced = tuple(price_line(menu, line, n) for n, line in enumerate(lines))
    return PricedCart(priced, sum(p.total for p in priced))
