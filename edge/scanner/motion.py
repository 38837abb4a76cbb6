"""Change detection: skip decoding when the camera sees what it saw at the last decode.

An idle kiosk looks at the same counter most of the day; decoding that scene 15 times a second
is wasted CPU on a Pi. Each frame is shrunk to a 32x24 thumbnail (area average, so sensor noise
cancels out) and compared with the thumbnail of the last decoded frame; when no cell moved by
more than `threshold` grey levels the frame counts as unchanged. A phone entering any part of
the view moves some cells by far more than that.

OpenCV is imported inside the functions: importing edge.scanner never loads it.
"""

from __future__ import annotations

THUMB = (32, 24)


class ChangeDetector:
    def __init__(self, threshold: float = 8.0) -> None:
        self.threshold = threshold
        self._reference = None

    @staticmethod
    def thumbnail(gray):
        import cv2

        return cv2.resize(gray, THUMB, interpolation=cv2.INTER_AREA).astype("int16")

    def changed(self, gray) -> bool:
        """True when `gray` differs from the reference (the last frame passed to `mark`)."""
        if self._reference is None:
            return True
        thumb = self.thumbnail(gray)
        if thumb.shape != self._reference.shape:
            return True
        return int(abs(thumb - self._reference).max()) > self.threshold

    def mark(self, gray) -> None:
        """Make `gray` the reference: it was decoded."""
        self._reference = self.thumbnail(gray)

    def reset(self) -> None:
        self._reference = None
