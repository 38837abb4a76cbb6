"""Read-only lookups over the menu document the core serves at GET /v1/menu.

The UI keeps the JSON document as it came (no import of the core's domain model) and asks this
view for categories, items, option groups, options, note chips and display prices.
"""

from __future__ import annotations


class MenuView:
    def __init__(self, doc: dict):
        self.doc = doc
        self.version: str = str(doc.get("version", ""))
        self.categories: list[dict] = list(doc.get("categories", []))
        self.items: dict[str, dict] = {i["id"]: i for i in doc.get("items", [])}
        self.groups: dict[str, dict] = {g["id"]: g for g in doc.get("option_groups", [])}
        self.chips: list[dict] = list(doc.get("note_chips", []))
        self.chip_by_id: dict[str, dict] = {c["id"]: c for c in self.chips}
        self.options: dict[str, tuple[dict, dict]] = {
            o["id"]: (g, o) for g in self.groups.values() for o in g.get("options", [])}

    def item(self, item_id: str) -> dict | None:
        return self.items.get(item_id)

    def items_in(self, category_id: str) -> list[dict]:
        return [i for i in self.items.values() if i.get("category") == category_id]

    def first_category(self) -> str:
        return self.categories[0]["id"] if self.categories else ""

    def is_available(self, item_id: str) -> bool:
        item = self.items.get(item_id)
        return item is not None and not item.get("sold_out", False)

    def groups_of(self, item: dict) -> list[dict]:
        return [self.groups[g] for g in item.get("option_groups", []) if g in self.groups]

    def default_choice(self, item: dict) -> dict[str, str]:
        """group id -> option id preselected for a new line: each group's default, else the
        first option of a required group; optional groups without a default start empty."""
        chosen = {}
        for group in self.groups_of(item):
            options = [o["id"] for o in group.get("options", [])]
            default = group.get("default")
            if default in options:
                chosen[group["id"]] = default
            elif group.get("required", True) and options:
                chosen[group["id"]] = options[0]
        return chosen

    def option(self, option_id: str) -> dict | None:
        found = self.options.get(option_id)
        return found[1] if found else None

    def group_of_option(self, option_id: str) -> dict | None:
        found = self.options.get(option_id)
        return found[0] if found else None

    def chip(self, chip_id: str) -> dict | None:
        return self.chip_by_id.get(chip_id)

    def chips_for(self, item: dict) -> list[dict]:
        """The note chips offered with `item`: its own `notes`, else its category's, else every chip
        (the same rule as the core's edge/menu.py `Menu.notes_for`)."""
        ids = item.get("notes")
        if ids is None:
            category = next((c for c in self.categories if c.get("id") == item.get("category")), {})
            ids = category.get("notes")
        if ids is None:
            return list(self.chips)
        return [self.chip_by_id[i] for i in ids if i in self.chip_by_id]

    def unit_price(self, item_id: str, option_ids: tuple[str, ...] | list[str]) -> int:
        """Display price in fen: item price plus the option deltas (the core re-prices)."""
        item = self.items.get(item_id)
        if item is None:
            return 0
        deltas = sum(int((self.option(o) or {}).get("price_delta", 0)) for o in option_ids)
        return int(item.get("price", 0)) + deltas
