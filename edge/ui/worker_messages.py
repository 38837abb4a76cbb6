"""Messages that worker threads post to the kiosk app (the app reacts on its own thread).

The threads only talk to the core and post one of these; all state changes and all screen
changes happen in the app's message handlers.
"""

from __future__ import annotations

from textual.message import Message

from edge.ui.core_client import CoreError


class MenuLoaded(Message):
    def __init__(self, doc: dict):
        super().__init__()
        self.doc = doc


class MenuFailed(Message):
    def __init__(self, error: CoreError):
        super().__init__()
        self.error = error


class CoreEvent(Message):
    """One event of the core's SSE stream (`order.placed`, `print.job`, `menu.changed`, `resync`,
    `scan`, `camera`)."""

    def __init__(self, kind: str, data: dict):
        super().__init__()
        self.kind = kind
        self.data = data


class CoreState(Message):
    """The event stream connected ("online") or broke ("offline")."""

    def __init__(self, state: str, detail: str = ""):
        super().__init__()
        self.state = state
        self.detail = detail


class StatusLoaded(Message):
    def __init__(self, status: dict):
        super().__init__()
        self.status = status


class OrderPlaced(Message):
    def __init__(self, order: dict):
        super().__init__()
        self.order = order


class OrderFailed(Message):
    def __init__(self, error: CoreError):
        super().__init__()
        self.error = error


class ScanFailed(Message):
    """A wedge scan could not be handed to the core (never carries the scanned text)."""

    def __init__(self, error: CoreError):
        super().__init__()
        self.error = error


class StartOver(Message):
    """Sent to the menu screen when the next customer starts."""
