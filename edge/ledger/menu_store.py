"""Menu persistence: the menu tables <-> the pure Menu, replaced whole in one transaction."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from edge.menu import Category, Item, Menu, NoteChip, Option, OptionGroup, Station

MENU_TABLES = ("menu_item_option_groups", "menu_items", "menu_options", "menu_option_groups",
               "menu_note_chips", "menu_categories", "menu_stations")


def save_menu(db: sqlite_utils.Database, menu: Menu) -> None:
    """Replace the device's menu with `menu` atomically (orders keep their own copies of names)."""
    with db.atomic():
        for table in MENU_TABLES:
            db.execute(f"DELETE FROM {table}")
        db.table("menu_stations").insert_all(
            {"id": s.id, "zh": s.zh, "en": s.en, "sort": n} for n, s in enumerate(menu.stations))
        db.table("menu_categories").insert_all(
            {"id": c.id, "zh": c.zh, "en": c.en, "sort": n, "notes": _notes_text(c.notes)}
            for n, c in enumerate(menu.categories))
        db.table("menu_note_chips").insert_all(
            {"id": c.id, "zh": c.zh, "en": c.en, "sort": n} for n, c in enumerate(menu.note_chips))
        for n, g in enumerate(menu.option_groups.values()):
            db.table("menu_option_groups").insert({"id": g.id, "zh": g.zh, "en": g.en, "required": int(g.required),
                                             "default_option": g.default, "sort": n})
            db.table("menu_options").insert_all(
                {"group_id": g.id, "id": o.id, "zh": o.zh, "en": o.en, "price_delta": o.price_delta, "sort": k}
                for k, o in enumerate(g.options))
        for n, i in enumerate(menu.items.values()):
            db.table("menu_items").insert({"id": i.id, "category_id": i.category, "zh": i.zh, "en": i.en,
                                     "price": i.price, "station_id": i.station, "sold_out": int(i.sold_out),
                                     "sort": n, "notes": _notes_text(i.notes)})
            db.table("menu_item_option_groups").insert_all(
                {"item_id": i.id, "group_id": gid, "sort": k} for k, gid in enumerate(i.option_groups))
        db.table("device_state").upsert({"key": "menu_version", "value": menu.version}, pk="key")


def _notes_text(notes: tuple[str, ...] | None) -> str | None:
    return None if notes is None else json.dumps(list(notes))


def _notes(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(json.loads(text))


def menu_version(db: sqlite_utils.Database) -> str | None:
    row = db.execute("SELECT value FROM device_state WHERE key = 'menu_version'").fetchone()
    return str(row[0]) if row else None


def load_menu(db: sqlite_utils.Database) -> Menu | None:
    """The menu stored on the device, or None before any menu was imported."""
    version = menu_version(db)
    if version is None:
        return None

    def q(sql: str) -> list[dict[str, Any]]:
        return list(db.query(sql))

    options: dict[str, list[Option]] = {}
    for o in q("SELECT * FROM menu_options ORDER BY group_id, sort"):
        options.setdefault(o["group_id"], []).append(Option(o["id"], o["zh"], o["en"], o["price_delta"]))
    groups = {
        g["id"]: OptionGroup(g["id"], g["zh"], g["en"], tuple(options.get(g["id"], ())),
                             bool(g["required"]), g["default_option"])
        for g in q("SELECT * FROM menu_option_groups ORDER BY sort")
    }
    item_groups: dict[str, list[str]] = {}
    for link in q("SELECT * FROM menu_item_option_groups ORDER BY item_id, sort"):
        item_groups.setdefault(link["item_id"], []).append(link["group_id"])
    items = {
        i["id"]: Item(i["id"], i["category_id"], i["zh"], i["en"], i["price"], i["station_id"],
                      tuple(item_groups.get(i["id"], ())), bool(i["sold_out"]), _notes(i["notes"]))
        for i in q("SELECT * FROM menu_items ORDER BY sort")
    }
    return Menu(
        version=version,
        categories=tuple(Category(c["id"], c["zh"], c["en"], _notes(c["notes"]))
                         for c in q("SELECT * FROM menu_categories ORDER BY sort")),
        stations=tuple(Station(s["id"], s["zh"], s["en"]) for s in q("SELECT * FROM menu_stations ORDER BY sort")),
        option_groups=groups,
        items=items,
        note_chips=tuple(NoteChip(c["id"], c["zh"], c["en"]) for c in q("SELECT * FROM menu_note_chips ORDER BY sort")),
    )


def set_sold_out(db: sqlite_utils.Database, item_id: str, sold_out: bool) -> bool:
    """Mark an item sold out / back in stock; False when there is no such item."""
    with db.atomic():
        cursor = db.execute("UPDATE menu_items SET sold_out = ? WHERE id = ?", [int(sold_out), item_id])
    return cursor.rowcount == 1
