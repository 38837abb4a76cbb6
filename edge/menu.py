"""The menu as pure data: categories, items with zh/en names, option groups and note chips.

A category or an item may list the note chips offered with it (`notes = ["less_ice"]`): an item's
list wins over its category's, and with neither every note chip of the store is offered.

A menu is loaded from a plain dict (parsed from TOML or JSON by the caller) and validated here,
so that a typo in a menu file is refused with the item and field it concerns. `menu_to_dict`
gives the document form back (`MenuDoc`, the shape GET /v1/menu serves).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict


class MenuError(ValueError):
    """A menu document that cannot be used, with the place that is wrong."""


@dataclass(frozen=True)
class Option:
    id: str
    zh: str
    en: str
    price_delta: int = 0  # fen


@dataclass(frozen=True)
class OptionGroup:
    id: str
    zh: str
    en: str
    options: tuple[Option, ...]
    required: bool = True  # exactly one option must be picked when required
    default: str | None = None

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class NoteChip:
    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Category:
    id: str
    zh: str
    en: str
    notes: tuple[str, ...] | None = None  # note chip ids offered with its items; None: every chip


@dataclass(frozen=True)
class Station:
    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Item:
    id: str
    category: str
    zh: str
    en: str
    price: int  # fen
    station: str
    option_groups: tuple[str, ...] = ()
    sold_out: bool = False
    notes: tuple[str, ...] | None = None  # note chip ids offered with it; None: its category's


@dataclass(frozen=True)
class Menu:
    version: str
    categories: tuple[Category, ...]
    stations: tuple[Station, ...]
    option_groups: dict[str, OptionGroup]
    items: dict[str, Item]
    note_chips: tuple[NoteChip, ...] = field(default=())

    def items_in(self, category_id: str) -> list[Item]:
        return [i for i in self.items.values() if i.category == category_id]

    def station(self, station_id: str) -> Station:
        return next(s for s in self.stations if s.id == station_id)

    def note_chip(self, chip_id: str) -> NoteChip | None:
        return next((n for n in self.note_chips if n.id == chip_id), None)

    def notes_for(self, item: Item) -> tuple[str, ...]:
        """The note chip ids offered with `item`: its own list, else its category's, else all."""
        if item.notes is not None:
            return item.notes
        category = next((c for c in self.categories if c.id == item.category), None)
        if category is not None and category.notes is not None:
            return category.notes
        return tuple(n.id for n in self.note_chips)


class CategoryDoc(TypedDict):
    """A category, station or note chip in document form (`notes` on a category that lists them)."""

    id: str
    zh: str
    en: str
    notes: NotRequired[list[str]]


class OptionDoc(TypedDict):
    id: str
    zh: str
    en: str
    price_delta: int


class OptionGroupDoc(TypedDict):
    id: str
    zh: str
    en: str
    required: bool
    default: str | None
    options: list[OptionDoc]


class ItemDoc(TypedDict):
    id: str
    category: str
    zh: str
    en: str
    price: int
    station: str
    option_groups: list[str]
    sold_out: bool
    notes: NotRequired[list[str]]


class MenuDoc(TypedDict):
    """The document form of a whole menu (`menu_to_dict`)."""

    version: str
    categories: list[CategoryDoc]
    stations: list[CategoryDoc]
    option_groups: list[OptionGroupDoc]
    note_chips: list[CategoryDoc]
    items: list[ItemDoc]


def _present(doc: Mapping[str, Any], key: str, where: str) -> object:
    if key not in doc:
        raise MenuError(f"{where}: missing '{key}'")
    return doc[key]


def _require(doc: Mapping[str, Any], key: str, where: str) -> str:
    """A required non-empty text field."""
    value = _present(doc, key, where)
    if not (isinstance(value, str) and value.strip()):
        raise MenuError(f"{where}: '{key}' must be a non-empty text, got {value!r}")
    return value


def _require_fen(doc: Mapping[str, Any], key: str, where: str) -> int:
    """A required amount in fen (an integer, not a bool)."""
    value = _present(doc, key, where)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MenuError(f"{where}: '{key}' must be an integer (fen), got {value!r}")
    return value


def _notes(doc: Mapping[str, Any], where: str, chip_ids: tuple[str, ...]) -> tuple[str, ...] | None:
    """The optional `notes` list of a category or item: known note chip ids, each once."""
    if "notes" not in doc or doc["notes"] is None:
        return None
    value = doc["notes"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MenuError(f"{where}: 'notes' must be a list of note chip ids, got {value!r}")
    for chip in value:
        if chip not in chip_ids:
            known = ", ".join(chip_ids) or "none"
            raise MenuError(f"{where}: unknown note chip '{chip}' in 'notes' (the note chips are: {known})")
    if len(set(value)) != len(value):
        raise MenuError(f"{where}: 'notes' lists a note chip twice")
    return tuple(value)


def menu_from_dict(doc: Mapping[str, Any]) -> Menu:
    """Build and validate a Menu from its document form (see edge/demo/menu.toml)."""
    version = str(doc.get("version", "1"))
    chips = tuple(
        NoteChip(_require(c, "id", "note chip"), _require(c, "zh", "note chip"), c.get("en", ""))
        for c in doc.get("note_chips", [])
    )
    chip_ids = tuple(c.id for c in chips)
    categories = tuple(
        Category(_require(c, "id", f"category #{n}"), _require(c, "zh", f"category #{n}"),
                 c.get("en", ""), _notes(c, f"category '{c.get('id', f'#{n}')}'", chip_ids))
        for n, c in enumerate(doc.get("categories", []), 1)
    )
    stations = tuple(
        Station(_require(s, "id", f"station #{n}"), _require(s, "zh", f"station #{n}"),
                s.get("en", ""))
        for n, s in enumerate(doc.get("stations", []), 1)
    )
    groups: dict[str, OptionGroup] = {}
    for n, g in enumerate(doc.get("option_groups", []), 1):
        where = f"option group '{g.get('id', f'#{n}')}'"
        options = tuple(
            Option(_require(o, "id", where), _require(o, "zh", where), o.get("en", ""),
                   _require_fen(o, "price_delta", where) if "price_delta" in o else 0)
            for o in g.get("options", [])
        )
        if not options:
            raise MenuError(f"{where}: has no options")
        group = OptionGroup(_require(g, "id", where), _require(g, "zh", where), g.get("en", ""),
                            options, bool(g.get("required", True)), g.get("default"))
        if group.default is not None and group.option(group.default) is None:
            raise MenuError(f"{where}: default '{group.default}' is not one of its options")
        groups[group.id] = group
    category_ids = {c.id for c in categories}
    station_ids = {s.id for s in stations}
    items: dict[str, Item] = {}
    for n, i in enumerate(doc.get("items", []), 1):
        where = f"item '{i.get('id', f'#{n}')}'"
        item = Item(
            id=_require(i, "id", where), category=_require(i, "category", where),
            zh=_require(i, "zh", where), en=i.get("en", ""),
            price=_require_fen(i, "price", where), station=_require(i, "station", where),
            option_groups=tuple(i.get("option_groups", [])), sold_out=bool(i.get("sold_out", False)),
            notes=_notes(i, where, chip_ids),
        )
        if item.price < 0:
            raise MenuError(f"{where}: price must not be negative")
        if item.category not in category_ids:
            raise MenuError(f"{where}: unknown category '{item.category}'")
        if item.station not in station_ids:
            raise MenuError(f"{where}: unknown station '{item.station}'")
        for gid in item.option_groups:
            if gid not in groups:
                raise MenuError(f"{where}: unknown option group '{gid}'")
        if item.id in items:
            raise MenuError(f"{where}: duplicate item id")
        items[item.id] = item
    return Menu(version, categories, stations, groups, items, chips)


def _named(thing: Category | Station | NoteChip) -> CategoryDoc:
    return {"id": thing.id, "zh": thing.zh, "en": thing.en}


def _category_doc(category: Category) -> CategoryDoc:
    doc = _named(category)
    if category.notes is not None:
        doc["notes"] = list(category.notes)
    return doc


def _item_doc(item: Item) -> ItemDoc:
    doc: ItemDoc = {"id": item.id, "category": item.category, "zh": item.zh, "en": item.en, "price": item.price,
                    "station": item.station, "option_groups": list(item.option_groups), "sold_out": item.sold_out}
    if item.notes is not None:
        doc["notes"] = list(item.notes)
    return doc


def menu_to_dict(menu: Menu) -> MenuDoc:
    """The document form of a menu (what the core serves at GET /v1/menu)."""
    return {
        "version": menu.version,
        "categories": [_category_doc(c) for c in menu.categories],
        "stations": [_named(s) for s in menu.stations],
        "option_groups": [
            {"id": g.id, "zh": g.zh, "en": g.en, "required": g.required, "default": g.default,
             "options": [{"id": o.id, "zh": o.zh, "en": o.en, "price_delta": o.price_delta} for o in g.options]}
            for g in menu.option_groups.values()
        ],
        "note_chips": [_named(c) for c in menu.note_chips],
        "items": [_item_doc(i) for i in menu.items.values()],
    }
