"""Keyboard-wedge scanners: a handheld scanner that types the code and presses Enter.

`WedgeReader` reads such lines from a stream in a thread and hands each one (stripped, never
empty) to a callback. With a real file descriptor (stdin, a pipe, a tty, later an evdev bridge)
it polls with `select`, so `stop()` returns within a fraction of a second even while no one
scans; a stream without one (io.StringIO) is read to its end. Lines longer than `max_chars`
are dropped whole: no scanner types that much, and the tail must not pass as a new line.
"""

from __future__ import annotations

import io
import logging
import os
import select
import threading
from collections.abc import Callable, Iterator
from typing import IO

log = logging.getLogger(__name__)
MAX_CHARS = 512
POLL_S = 0.1


def split_lines(chunks: Iterator[bytes], max_chars: int = MAX_CHARS) -> Iterator[str]:
    """Bytes as they arrive -> typed lines (CR, LF or CRLF ends a line), decoded as UTF-8."""
    buffer, overflow = b"", False
    for chunk in chunks:
        buffer += chunk
        while True:
            cut = min((i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0), default=-1)
            if cut < 0:
                break
            line, buffer = buffer[:cut], buffer[cut + 1:]
            if not overflow:
                text = line.decode("utf-8", "replace").strip()
                if text and len(text) <= max_chars:
                    yield text
            overflow = False
        if len(buffer) > 4 * max_chars:  # a line without end: drop it up to its newline
            buffer, overflow = b"", True
    text = buffer.decode("utf-8", "replace").strip()
    if text and not overflow and len(text) <= max_chars:
        yield text


class WedgeReader:
    def __init__(self, stream: IO, on_line: Callable[[str], None], max_chars: int = MAX_CHARS) -> None:
        self.stream, self.on_line, self.max_chars = stream, on_line, max_chars
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> WedgeReader:
        self._thread = threading.Thread(target=self._run, name="wedge", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _fd(self) -> int | None:
        try:
            return self.stream.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            return None

    def _chunks(self) -> Iterator[bytes]:
        fd = self._fd()
        if fd is None:  # an in-memory stream: everything is there already
            data = self.stream.read()
            yield data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
            return
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], POLL_S)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:  # end of stream
                    return
                yield chunk

    def _run(self) -> None:
        try:
            for line in split_lines(self._chunks(), self.max_chars):
                if self._stop.is_set():
                    return
                try:
                    self.on_line(line)
                except Exception as error:  # the line may be a payment code: log the error type only
                    log.error("wedge line handler failed: %s", type(error).__name__)
        except OSError as error:
            log.warning("wedge input closed: %s", type(error).__name__)
