"""The core's event bus: threads publish, each SSE subscriber reads its own bounded queue.

A subscriber that falls behind gets a `resync` event instead of an unbounded queue: it should
re-read the state it shows (GET /v1/status, /v1/orders) and carry on.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

QUEUE_SIZE = 256


@dataclass(frozen=True)
class Event:
    id: int
    type: str
    data: dict

    def sse(self) -> str:
        body = json.dumps({"type": self.type, "at_ms": int(time.time() * 1000), **self.data}, ensure_ascii=False)
        return f"id: {self.id}\nevent: {self.type}\ndata: {body}\n\n"


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[asyncio.Queue, asyncio.AbstractEventLoop] = {}
        self._ids = itertools.count(1)
        self.closed = False

    def publish(self, event_type: str, data: dict) -> None:
        """Safe from any thread; never blocks the publisher."""
        event = Event(next(self._ids), event_type, data)
        with self._lock:
            targets = list(self._subscribers.items())
        for queue, loop in targets:
            try:
                loop.call_soon_threadsafe(self._offer, queue, event)
            except RuntimeError:  # the subscriber's loop is closed
                self._drop(queue)

    @staticmethod
    def _offer(queue: asyncio.Queue, event: Event) -> None:
        if queue.full():
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(Event(event.id, "resync", {"reason": "subscriber fell behind"}))
        else:
            queue.put_nowait(event)

    def _drop(self, queue: asyncio.Queue) -> None:
        with self._lock:
            self._subscribers.pop(queue, None)

    def close(self) -> None:
        """End every subscriber's stream (the core is shutting down)."""
        self.closed = True
        self.publish("shutdown", {"reason": "core is stopping"})

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        with self._lock:
            self._subscribers[queue] = asyncio.get_running_loop()
            if self.closed:  # subscribed after close(): the stream still ends at once
                queue.put_nowait(Event(next(self._ids), "shutdown", {"reason": "core is stopping"}))
        try:
            yield queue
        finally:
            self._drop(queue)
