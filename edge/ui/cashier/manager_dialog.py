"""A cashier dialog that a manager approves: the store's managers to choose from (loaded from the
core), the chosen one, and the words for a wrong or locked manager PIN. The refund and the forced
清台 dialogs build on it; each keeps its own fields, buttons and request."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from textual import on
from textual.containers import Grid
from textual.widget import Widget
from textual.widgets import Button

from edge.ui.cashier.cashier_screen import CashierDialog
from edge.ui.widgets.buttons import ToggleButton

APPROVERS = ("manager", "owner")


class ManagerDialog(CashierDialog):
    def __init__(self) -> None:
        super().__init__()
        self.managers: list[dict] = []
        self.manager: str | None = None
        self.message = ""

    def manager_list(self, button_id: Callable[[str], str]) -> Iterator[Widget]:
        """The managers as toggle buttons (compose with `yield from`)."""
        with Grid(id="manager-list"):
            for m in self.managers:
                yield ToggleButton(m["name"], id=button_id(m["staff_id"]), classes="mgr", value=m["staff_id"],
                                   selected=m["staff_id"] == self.manager)

    def on_mount(self) -> None:
        super().on_mount()
        self.call("staff", self.client.staff_list)

    def managers_loaded(self, staff: list[dict]) -> None:
        self.managers = [s for s in staff if s["role"] in APPROVERS]
        if len(self.managers) == 1:
            self.manager = self.managers[0]["staff_id"]
        self.refresh(recompose=True)

    def refusal(self, error, known: dict[str, str] | None = None) -> str:
        """The words for the core's refusal: a locked or wrong manager PIN, `known` codes, else its message."""
        detail = getattr(error, "detail", {}) or {}
        words = {"locked": self.tr("locked", seconds=detail.get("retry_after_s", "?")),
                 "manager_pin": self.tr("bad_pin", left=detail.get("attempts_left", "?")), **(known or {})}
        return words.get(error.code, self.tr("error", message=error.message))

    @on(Button.Pressed, ".mgr")
    def choose(self, event: Button.Pressed) -> None:
        self.manager = event.button.value
        for button in self.query(".mgr").results(ToggleButton):
            button.selected = button.value == self.manager
