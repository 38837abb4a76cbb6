"""What every frame source is: the `FrameSource` interface and the two ways a read can fail
(`SourceLost`: not there now, try again later; `SourceEnded`: a finite source has no more
frames). The sources themselves are in edge/scanner/sources.py and edge/scanner/picamera.py."""

from __future__ import annotations

from typing import Any, Protocol


class SourceLost(OSError):
    """The source is not there (unplugged, removed, not yet connected): try again later."""


class SourceEnded(EOFError):
    """A finite source has no more frames."""


class FrameSource(Protocol):
    name: str
    live: bool  # a camera paces itself; a file or folder is paced by the capture thread
    fps: float | None  # a file's own frame rate, when it has one

    def open(self) -> None: ...
    def read(self) -> Any: ...  # a BGR or grayscale numpy array
    def close(self) -> None: ...
