"""The scan loop: frames in, one classified `ScannedCode` per code shown out (the core's hook).

    loop = ScanLoop(source, on_scan, on_status, fps=15, keyring_provider=lambda: context)
    loop.start() ... loop.stop()

A capture thread (`Capture`) keeps the newest frame; the decode thread takes a new frame as
soon as it arrives (so scan latency is decode time, not a sleep) but at most about `fps` a
second, converts it to grayscale and decodes it unless it did not change since the last decode
(then the codes read there count as still in view; an unchanged scene is decoded again twice a
second, zxing-cpp only, in case focus settled or a payment code refreshed). zbar runs on every
third miss in a row and once when a missed scene holds still. New codes are debounced per code
and classified with the store's current keys from `keyring_provider()` (called per new code, so
key rotation applies at once). A keyboard-wedge stream, when given, feeds the same debounce and callback. Callbacks run
on the loop's threads: `on_scan` should hand the code on (e.g. publish an event) and return.
`stop()` joins every thread the loop started.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from edge.codes import CodeContext, ScannedCode, classify_in
from edge.scanner.capture import Capture, Frame
from edge.scanner.debounce import DEFAULT_WINDOW, Debouncer
from edge.scanner.decode import Decoder, to_gray
from edge.scanner.frame_source import FrameSource
from edge.scanner.motion import ChangeDetector
from edge.scanner.sources import open_source
from edge.scanner.stats import LoopStats
from edge.scanner.wedge import WedgeReader

log = logging.getLogger(__name__)
RESETTLE_S = 0.5  # an unchanged scene is decoded again (zxing-cpp only) after this long


class ScanLoop:
    def __init__(self, source: FrameSource | str | int | Path | None, on_scan: Callable[[ScannedCode], None],
                 on_status: Callable[[str], None] = lambda status: None, fps: float = 15.0,
                 keyring_provider: Callable[[], CodeContext] = CodeContext, *, wedge: IO | None = None,
                 debounce_s: float = DEFAULT_WINDOW, change_threshold: float = 8.0, decoder=None) -> None:
        if source is not None and not hasattr(source, "read"):
            source = open_source(source)
        self.source, self.on_scan, self.on_status = source, on_scan, on_status
        self.fps, self.keyring_provider = fps, keyring_provider
        self.debouncer = Debouncer(debounce_s)
        self.stats = LoopStats()
        self._decoder, self.change_threshold = decoder, change_threshold
        self._stop = threading.Event()
        self._capture = Capture(source, on_status, fps) if source is not None else None
        self._wedge = WedgeReader(wedge, self._on_wedge_line) if wedge is not None else None
        self._thread: threading.Thread | None = None
        self._started = False

    def start(self) -> ScanLoop:
        if self._started:
            raise RuntimeError("a ScanLoop starts once; make a new one")
        self._started = True
        if self._capture is not None:
            if self._decoder is None:
                self._decoder = Decoder()
            self._capture.start()
            self._thread = threading.Thread(target=self._run, name="scan-decode", daemon=True)
            self._thread.start()
        if self._wedge is not None:
            self._wedge.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for part in (self._capture, self._wedge):
            if part is not None:
                part.stop(timeout)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> ScanLoop:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def status(self) -> str | None:
        """The camera's last status: "camera online", "camera offline", "source ended" or None."""
        return self._capture.status if self._capture else None

    @property
    def reconnects(self) -> int:
        return self._capture.reconnects if self._capture else 0

    def wait_ended(self, timeout: float | None = None) -> bool:
        """For finite sources (a video played once): True once every frame was processed."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        change, seq, misses, last_reads = ChangeDetector(self.change_threshold), 0, 0, []
        settled, decoded_at, next_at = False, 0.0, 0.0
        min_gap = 0.75 / self.fps if self.fps > 0 else 0.0  # the fps cap, with slack for jitter
        every = self._decoder.fallback_every
        while not self._stop.is_set():
            frame = self._capture.latest(seq, timeout=0.25)
            if frame is None:
                if self._capture.ended:
                    return
                continue
            seq = frame.seq
            if time.monotonic() < next_at:  # over the fps cap: wait for a newer frame
                continue
            started, next_at = time.perf_counter(), time.monotonic() + min_gap
            gray = to_gray(frame.image)
            changed = change.changed(gray)
            if changed:  # zbar on every `every`-th miss in a row only
                fallback = misses % every == every - 1
            elif not settled:  # a scene zxing-cpp missed holds still: give it to zbar once
                fallback = True
            elif time.monotonic() - decoded_at > RESETTLE_S:  # focus settling, a code refreshing: zxing again
                fallback = False
            else:  # the same scene: what was read there is still in view
                self.stats.frame(started, decoded=False)
                self._emit_all(last_reads, frame)
                continue
            reads = self._decoder.decode(gray, fallback=fallback)
            misses = 0 if reads else misses + 1
            if reads or changed:  # an unchanged scene keeps its codes through a miss
                last_reads = reads
            settled, decoded_at = bool(reads) or fallback or not changed, time.monotonic()
            change.mark(gray)
            self.stats.frame(started, decoded=True)
            self._emit_all(last_reads, frame)

    def _emit_all(self, reads, frame: Frame) -> None:
        for read in reads:
            self._emit(read.text, read.symbology, frame)

    def submit(self, text: str, symbology: str = "wedge") -> None:
        """A code typed by a keyboard-wedge scanner (or forwarded by a UI): same debounce and callback."""
        self._emit(text, symbology, Frame(None, 0, time.monotonic_ns()))

    def _on_wedge_line(self, line: str) -> None:
        self.submit(line)

    def _emit(self, text: str, symbology: str, frame: Frame) -> None:
        self.stats.read()
        if not self.debouncer.seen(text):
            return
        try:
            context = self.keyring_provider()
        except Exception as error:  # keys unavailable: classify without them (table codes are refused)
            log.error("keyring provider failed: %s", type(error).__name__)
            context = CodeContext()
        code = classify_in(text, context, symbology).replace(captured_ns=frame.captured_ns)
        self.stats.scan(code)
        try:
            self.on_scan(code)
        except Exception as error:  # never let a handler kill the camera; never log the code
            log.error("scan handler failed on %s: %s", code, type(error).__name__)
