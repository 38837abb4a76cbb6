"""An App mixin that routes keystrokes through the wedge decoder (edge/ui/wedge_decoder.py) first.

A scanner's burst + Enter becomes one `send_scan(text)` (its keys act on nothing); a person's
keys are passed on as usual, held up to WEDGE_HOLD_S. Mix in before `App`:
`class KioskApp(WedgeKeys, App)`; the app provides `send_scan`.
"""

from __future__ import annotations

from textual import events

from edge.ui.wedge_decoder import WEDGE_HOLD_S, WedgeDecoder


class WedgeKeys:
    def init_wedge(self) -> None:
        self.wedge: WedgeDecoder = WedgeDecoder()
        self._wedge_timer = None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        decision = self.wedge.key(event, event.key, event.character, event.time)
        for held in decision.replay:
            await super().on_event(held)
        if self._wedge_timer is not None:
            self._wedge_timer.stop()
            self._wedge_timer = None
        if self.wedge.holding:
            self._wedge_timer = self.set_timer(WEDGE_HOLD_S, self._wedge_timeout, name="wedge")
        if decision.scan:
            self.send_scan(decision.scan)
        if decision.pass_through:
            await super().on_event(event)

    async def _wedge_timeout(self) -> None:
        self._wedge_timer = None
        for held in self.wedge.timeout():
            await super().on_event(held)
