"""Keyboard-wedge scanners: tell a scanner's typed code from a person pressing keys (pure).

A USB scanner "types" the code it read as a burst of keystrokes, a few milliseconds apart,
ending with Enter. A person presses keys tens to hundreds of milliseconds apart. The app holds
every printable keystroke for a moment: a burst of at least `min_length` characters, each within
`gap` seconds of the one before, followed by Enter, is a scan (its keystrokes and the Enter are
swallowed: they never press a button or type into the keypad). Anything shorter or slower is
given back to the app, in order, as the keystrokes of a person. A fast burst that never ends in
Enter is machine input too and is dropped rather than replayed as keypad presses.

`WedgeDecoder` only decides; the app owns the timer (`hold_s`) and the replaying. The decoder
never logs and never keeps a finished code: the text may be a payment code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K")  # the app's key event (opaque here)

WEDGE_GAP_S = 0.05  # the longest pause between two keystrokes of one scan
WEDGE_MIN_LENGTH = 6  # shorter bursts are a person (a table number is at most 4 digits)
WEDGE_HOLD_S = 0.1  # how long a lone keystroke waits before it counts as a person's
END_KEYS = ("enter", "ctrl+j")  # Enter, as a terminal reports CR or LF


@dataclass
class Decision(Generic[K]):
    """What the app does with one keystroke: replay `replay` (held keystrokes of a person, in
    order), then handle the keystroke itself unless it was held or swallowed; `scan` is a code."""

    replay: list[K] = field(default_factory=list)
    held: bool = False
    swallowed: bool = False
    scan: str | None = None

    @property
    def pass_through(self) -> bool:
        return not (self.held or self.swallowed)


class WedgeDecoder(Generic[K]):
    def __init__(self, gap: float = WEDGE_GAP_S, min_length: int = WEDGE_MIN_LENGTH) -> None:
        self.gap = gap
        self.min_length = min_length
        self._held: list[tuple[K, str]] = []
        self._last = 0.0

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def key(self, event: K, key: str, character: str | None, at: float) -> Decision[K]:
        """One keystroke: `key` its name ("a", "enter"), `character` what it types (or None),
        `at` when it was pressed (seconds, monotonic)."""
        in_burst = bool(self._held) and at - self._last <= self.gap
        if character is not None and len(character) == 1 and character.isprintable():
            replay = [] if in_burst else self._end()
            self._held.append((event, character))
            self._last = at
            return Decision(replay=replay, held=True)
        if key in END_KEYS and in_burst and len(self._held) >= self.min_length:
            text = "".join(character for _, character in self._held)
            self._held.clear()
            return Decision(swallowed=True, scan=text)
        return Decision(replay=self._end())

    def timeout(self) -> list[K]:
        """No keystroke for `hold_s`: the held keystrokes were a person's (or a dropped burst)."""
        return self._end()

    def _end(self) -> list[K]:
        held, self._held = self._held, []
        if len(held) >= self.min_length:  # a held run is one burst (a slower key starts a new run)
            return []  # machine input without Enter: never replayed as presses
        return [event for event, _ in held]
