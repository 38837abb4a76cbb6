"""Widgets that show text literally: data never becomes Textual markup.

A menu name "[red]Free[/red]" or "[@click=app.quit]x[/]" is shown as typed, neither coloured
nor made clickable, and an unbalanced "[/]" cannot crash a screen. No screen of edge/ui uses
markup in its own texts, so every screen takes `Label` and `Static` from here instead of
`textual.widgets`; `TouchButton` (buttons.py) takes its label literally too, and `PlainNotices`
makes an app's notifications literal. Control sequences are removed earlier, where the text
arrives (edge/ui/core_client.py, edge/screen_text.py).
"""

from __future__ import annotations

from textual.notifications import SeverityLevel
from textual.visual import VisualType
from textual.widgets import Label as TextualLabel
from textual.widgets import Static as TextualStatic


class Label(TextualLabel):
    """A Label whose text (at creation and in `update`) is shown as it is."""

    def __init__(self, content: VisualType = "", *, markup: bool = False, **kwargs) -> None:
        super().__init__(content, markup=markup, **kwargs)


class Static(TextualStatic):
    """A Static whose text (at creation and in `update`) is shown as it is."""

    def __init__(self, content: VisualType = "", *, markup: bool = False, **kwargs) -> None:
        super().__init__(content, markup=markup, **kwargs)


class PlainNotices:
    """App mixin: a notification shows its message as it is (it may hold a name or a core's error).
    Screens' `self.notify` ends here too, whatever `markup` they pass."""

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)  # type: ignore[misc]
