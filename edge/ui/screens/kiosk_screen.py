"""The base of every full kiosk screen: a top bar, language re-rendering, Escape to go back.

Screens keep what the customer chose in `app.draft` or in their own attributes, never only in
widgets, so re-composing a screen (language switch, menu reload) loses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

from edge.ui.i18n import t

if TYPE_CHECKING:
    from edge.ui.kiosk_app import KioskApp


class KioskScreen(Screen):
    BINDINGS = [Binding("escape", "back", "Back", show=False)]

    @property
    def kiosk(self) -> "KioskApp":
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
