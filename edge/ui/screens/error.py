"""An order that did not go through, in plain words, with "back" (and "try again" when a retry
can help: core offline, storage). Nothing the customer chose is lost: it lives in app.draft.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from edge.ui.core_client import CoreError
from edge.ui.i18n import t
from edge.ui.screens.arrow_keys import ARROW_BINDINGS, ArrowKeys
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label

PLAIN_WORDS = {"offline": "err_offline", "sold_out": "err_sold_out", "unknown_item": "err_sold_out",
               "storage": "err_storage", "token_reused": "err_token_reused"}


def plain_words(error: CoreError, lang: str) -> str:
    return t(PLAIN_WORDS.get(error.code, "err_other"), lang)


class ErrorDialog(ArrowKeys, ModalScreen[str]):
    """Dismisses with "back" or "retry"; arrow keys move between its buttons, Escape is "back"."""

    BINDINGS = [Binding("escape", "back", "Back", show=False), *ARROW_BINDINGS]

    def __init__(self, error: CoreError, can_retry: bool = False) -> None:
        super().__init__()
        self.error = error
        self.can_retry = can_retry

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        with Vertical(id="error-box"):
            with Horizontal(id="error-head"):
                yield Label(t("error_title", lang), id="error-title")
                yield TouchButton(t("lang_button", lang), id="lang")
            yield Label(plain_words(self.error, lang), id="error-message")
            if self.error.code != "offline":
                yield Label(self.error.message, id="error-detail")
            yield Label(t("error_kept", lang), id="error-kept")
            with Horizontal(id="error-buttons"):
                yield TouchButton(t("back", lang), id="error-back")
                if self.can_retry:
                    yield TouchButton(t("retry", lang), id="error-retry", variant="primary")

    @on(Button.Pressed, "#lang")
    def switch_language(self) -> None:
        self.app.toggle_language()
        self.refresh(recompose=True)

    @on(Button.Pressed, "#error-back")
    def action_back(self) -> None:
        self.dismiss("back")

    @on(Button.Pressed, "#error-retry")
    def retry(self) -> None:
        self.dismiss("retry")
