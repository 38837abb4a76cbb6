"""Touch buttons: every press counts (no 0.2 s "active" lock-out) and toggles show their state.

A kiosk button is at least 3 rows high (Textual's default button with its borders); the
`ToggleButton` is used for options, note chips and the dine-in / takeaway choice. A label is
shown literally (a dish named "[red]Free[/red]" reads so), never as Textual markup.
"""

from __future__ import annotations

import re

from textual.content import Content, ContentText
from textual.reactive import reactive
from textual.widgets import Button


def safe_id(prefix: str, raw: str) -> str:
    """A DOM id from a menu id: 'item-har_gow'; characters Textual refuses become '_'."""
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9_-]", "_", raw)


class TouchButton(Button):
    """A Button that reacts to every tap: quick taps on '+' all count."""

    def __init__(self, label: str, *, id: str | None = None, classes: str | None = None,
                 variant: str = "default", disabled: bool = False, value: str = ""):
        super().__init__(Content(label), variant=variant, id=id, classes=classes, disabled=disabled)
        self.active_effect_duration = 0.0
        self.value = value  # the menu id (item, option, chip, digit …) this button stands for

    def validate_label(self, label: ContentText) -> Content:
        """A new label (`button.label = text`) is literal text too."""
        return Content(label) if isinstance(label, str) else super().validate_label(label)


class ToggleButton(TouchButton):
    """A TouchButton with an on/off state shown by colour and a check mark."""

    selected: reactive[bool] = reactive(False)

    def __init__(self, label: str, *, selected: bool = False, id: str | None = None,
                 classes: str | None = None, disabled: bool = False, value: str = ""):
        self.plain_label = label
        super().__init__(self._label_for(selected), id=id, classes=f"toggle {classes or ''}".strip(),
                         disabled=disabled, value=value)
        self.set_reactive(ToggleButton.selected, selected)
        self.set_class(selected, "-on")
        self.variant = "primary" if selected else "default"

    def _label_for(self, selected: bool) -> str:
        return f"✓ {self.plain_label}" if selected else self.plain_label

    def watch_selected(self, selected: bool) -> None:
        self.set_class(selected, "-on")
        self.variant = "primary" if selected else "default"
        self.label = self._label_for(selected)
