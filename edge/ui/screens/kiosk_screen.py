"""The base of every full kiosk screen: a top bar, language re-rendering, Escape to go back,
arrow keys to move between controls (edge/ui/screens/arrow_keys.py).

Screens keep what the customer chose in `app.draft` or in their own attributes, never only in
widgets, so re-composing a screen (language switch, menu reload) loses nothing. What a screen
may use of the kiosk app is the `Kiosk` protocol below (the app imports the screens, never the
other way round).
"""

from __future__ import annotations

from typing import Protocol

from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal

from edge.ui.core_client import CoreError
from edge.ui.i18n import t
from edge.ui.menu_view import MenuView
from edge.ui.screens.arrow_keys import ARROW_BINDINGS, ArrowKeys
from edge.ui.order_draft import OrderDraft


class Kiosk(Protocol):
    """What the kiosk screens use of their app (edge/ui/kiosk_app.py `KioskApp`), beyond Textual's
    `App`: the order being drafted, the menu, the signals they subscribe to, the actions they call."""

    lang: str
    draft: OrderDraft
    menu: MenuView | None
    menu_error: CoreError | None
    placing: bool
    placed_timeout: float
    lang_signal: Signal[str]
    menu_signal: Signal[object]
    cart_signal: Signal[object]
    placing_signal: Signal[bool]
    table_signal: Signal[str]

    def load_menu(self) -> object: ...
    def cart_changed(self) -> None: ...
    def table_changed(self) -> None: ...
    def submit_order(self, payment: str = "counter") -> None: ...
    def back_to_start(self) -> None: ...


class KioskScreen(ArrowKeys, Screen):
    BINDINGS = [Binding("escape", "back", "Back", show=False), *ARROW_BINDINGS]

    @property
    def kiosk(self) -> Kiosk:
        return self.app  # type: ignore[return-value]

    @property
    def lang(self) -> str:
        return self.kiosk.lang

    def tr(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def on_mount(self) -> None:
        self.kiosk.lang_signal.subscribe(self, self.language_changed)

    def language_changed(self, _: str) -> None:
        self.refresh(recompose=True)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1 and self.app.screen is self:
            self.app.pop_screen()
