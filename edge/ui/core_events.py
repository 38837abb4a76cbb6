"""An App mixin for the core's event stream: a thread worker follows GET /v1/events and posts
CoreState / CoreEvent messages to the app (toolong-style: the thread talks by messages);
reconnects with backoff. The app provides `client` (CoreClient) and `_stopping` (an Event)."""

from __future__ import annotations

from textual import work
from textual.worker import get_current_worker

from edge.ui.core_client import CoreError
from edge.ui.worker_messages import CoreEvent, CoreState

RECONNECT_MAX_S = 5.0


class CoreEvents:
    def _post(self, message) -> None:
        try:
            self.post_message(message)
        except RuntimeError:  # the app's loop closed while the thread was talking to the core
            pass

    @work(thread=True, exclusive=True, group="events")
    def watch_events(self) -> None:
        worker, delay = get_current_worker(), 0.25
        while not (worker.is_cancelled or self._stopping.is_set()):
            try:
                for kind, data in self.client.events(on_open=lambda: self._post(CoreState("online"))):
                    delay = 0.25
                    self._post(CoreEvent(kind, data))
                    if worker.is_cancelled or self._stopping.is_set():
                        return
                self._post(CoreState("offline", "event stream ended"))
            except CoreError as error:
                self._post(CoreState("offline", error.message))
            if self._stopping.wait(delay):
                return
            delay = min(RECONNECT_MAX_S, delay * 2)
