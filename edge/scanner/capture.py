"""The capture thread: owns a frame source, keeps only the newest frame, reconnects when it is lost.

A camera delivers frames at its own pace; the thread reads them all and keeps the last one, so
a slow consumer always gets a fresh frame and nothing queues up. A file or folder has no pace
of its own: the thread plays it at its frame rate (or `fps`). When the source is lost (camera
unplugged, folder removed) the thread reports "camera offline", retries with exponential backoff
(0.2 s doubling to 5 s) and reports "camera online" once frames flow again. A finite source
that ends reports "source ended" and the thread stops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.scanner.frame_source import FrameSource, SourceEnded

log = logging.getLogger(__name__)
ONLINE, OFFLINE, ENDED = "camera online", "camera offline", "source ended"


@dataclass(frozen=True)
class Frame:
    image: Any
    seq: int
    captured_ns: int  # time.monotonic_ns() when the frame was read


class Capture:
    def __init__(self, source: FrameSource, on_status: Callable[[str], None], fps: float = 15.0,
                 backoff: tuple[float, float] = (0.2, 5.0)) -> None:
        self.source, self.on_status, self.fps, self.backoff = source, on_status, fps, backoff
        self.status: str | None = None
        self.reconnects = 0
        self._stop = threading.Event()
        self._ended = threading.Event()
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Capture:
        self._thread = threading.Thread(target=self._run, name=f"capture[{self.source.name}]", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def latest(self, after_seq: int, timeout: float) -> Frame | None:
        """The newest frame newer than `after_seq`, waiting up to `timeout`; None if none came."""
        with self._cond:
            self._cond.wait_for(lambda: self._stop.is_set() or self._ended.is_set()
                                or (self._frame is not None and self._frame.seq > after_seq), timeout)
            frame = self._frame
        return frame if frame is not None and frame.seq > after_seq else None

    def _report(self, status: str) -> None:
        if status == self.status:
            return
        self.status = status
        log.info("%s: %s", self.source.name, status)
        try:
            self.on_status(status)
        except Exception as error:  # a broken listener must not stop the camera
            log.error("status listener failed: %s", type(error).__name__)

    def _run(self) -> None:
        delay, opened, seq = self.backoff[0], False, 0
        next_due = time.monotonic()
        try:
            while not self._stop.is_set():
                if not opened:
                    try:
                        self.source.open()
                    except Exception as error:  # SourceLost, driver errors: all mean "not there yet"
                        log.debug("%s: open failed: %s", self.source.name, error)
                        self._report(OFFLINE)
                        self._stop.wait(delay)
                        delay = min(delay * 2, self.backoff[1])
                        continue
                    opened = True
                    self.reconnects += self.status == OFFLINE
                try:
                    image = self.source.read()
                except SourceEnded:
                    self._report(ENDED)
                    self._ended.set()
                    break
                except Exception as error:
                    log.debug("%s: read failed: %s", self.source.name, error)
                    self.source.close()
                    opened = False
                    self._report(OFFLINE)
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.backoff[1])
                    continue
                delay = self.backoff[0]
                seq += 1
                with self._cond:
                    self._frame = Frame(image, seq, time.monotonic_ns())
                    self._cond.notify_all()
                self._report(ONLINE)
                if not self.source.live:  # play files and folders in real time
                    next_due = max(next_due + 1.0 / (self.source.fps or self.fps), time.monotonic() - 0.5)
                    self._stop.wait(max(0.0, next_due - time.monotonic()))
        finally:
            self.source.close()
            with self._cond:
                self._cond.notify_all()
