"""Arrow keys move the focus to the nearest control in that direction (a keypad or SSH user).

The dish grid, the categories, option rows and the bottom bar are all reached by ←↑→↓ by where
they are on screen: down from a dish goes to the dish below it (same column), and from the last
row to the bottom bar; left from the first column goes to the categories (sideways only to a
control on the same rows). A control in the same
scrolling list is preferred, so ↓ walks through dishes scrolled out of view before it leaves for
the bottom bar. Enter presses the focused button (Textual's Button), Escape goes back (the screen).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.widget import Widget

DIRECTIONS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}
ARROW_BINDINGS = [Binding(key, f"arrow('{key}')", show=False, priority=True) for key in DIRECTIONS]


def _centre(region: Region) -> tuple[float, float]:
    return region.x + region.width / 2, region.y + region.height / 2


def nearest(start: Region, direction: str, candidates: list[tuple[Widget, Region]]) -> Widget | None:
    """The candidate closest to `start` in `direction`: ahead of it along the direction, the
    least sideways offset weighing most (a grid's column or row is kept)."""
    dx, dy = DIRECTIONS[direction]
    sx, sy = _centre(start)
    best: tuple[float, Widget] | None = None
    for widget, region in candidates:
        cx, cy = _centre(region)
        ahead = (cx - sx) * dx + (cy - sy) * dy
        if ahead <= 0.5:
            continue
        if dx:  # sideways: how far the rows are apart (0 when they overlap)
            side = max(0, max(start.y, region.y) - min(start.bottom, region.bottom))
            side = side if side else abs(cy - sy) / 30
        else:
            side = max(0, max(start.x, region.x) - min(start.right, region.right))
            side = side if side else abs(cx - sx) / 30
        score = ahead + 3 * side
        if best is None or score < best[0]:
            best = (score, widget)
    return best[1] if best else None


def _scroller(widget: Widget) -> Widget | None:
    for node in widget.ancestors:
        if isinstance(node, ScrollableContainer):
            return node
    return None


def _beside(a: Region, b: Region, direction: str) -> bool:
    """True when b shares rows with a (for ← →) or columns with a (for ↑ ↓)."""
    if direction in ("left", "right"):
        return b.y < a.bottom and a.y < b.bottom
    return b.x < a.right and a.x < b.right


class ArrowKeys:
    """Screen mixin: `BINDINGS = [...] + ARROW_BINDINGS` and ←↑→↓ move the focus. Tried in turn:
    a control in line with the focused one in the same list, in line anywhere, then (↑ ↓ only)
    the nearest in the same list, the nearest anywhere."""

    def action_arrow(self, direction: str) -> None:
        screen = self  # a Screen
        chain = [w for w in screen.focus_chain  # type: ignore[attr-defined]
                 if w.region.area and not isinstance(w, ScrollableContainer)]
        if not chain:
            return
        focused = screen.focused  # type: ignore[attr-defined]
        if focused is None or focused not in chain:
            chain[0].focus()
            return
        start, own = focused.region, _scroller(focused)
        others = [(w, w.region, _scroller(w) is own) for w in chain if w is not focused]
        in_line = [(w, r, same) for w, r, same in others if _beside(start, r, direction)]
        tiers = [[(w, r) for w, r, same in in_line if same], [(w, r) for w, r, _ in in_line]]
        if direction in ("up", "down"):
            tiers += [[(w, r) for w, r, same in others if same], [(w, r) for w, r, _ in others]]
        for candidates in tiers:
            target = nearest(start, direction, candidates)
            if target is not None:
                target.focus()
                return
