"""Fixed-width text layout for receipt printers, measured in printer cells.

Widths start from `rich.cells.cell_len` (CJK = 2 cells). One printer rule is added on top: in
Chinese mode every non-ASCII character is sent as a double-byte GB code and printed with the
full-width (24x24) font, so a character rich counts as 1 cell ("×", "°", "é", "—") takes 2 cells
on paper. Counting it as 1 would make a "×2" quantity column overflow the paper by one cell.

All functions are pure and expect text that went through `sanitize.clean_text`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rich.cells import cell_len

_TOKENS = re.compile(r" +|[\x21-\x7e]+|[^ ]")


@lru_cache(maxsize=8192)
def char_width(ch: str) -> int:
    """Cells one character takes on a Chinese-mode printer: ASCII per rich, anything else 2."""
    return cell_len(ch) if ch.isascii() else 2


def display_width(text: str) -> int:
    """Cells `text` takes on paper."""
    if text.isascii():
        return cell_len(text)
    return sum(char_width(ch) for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """Break `text` into lines of at most `width` cells.

    Latin words move whole to the next line, a word longer than a line is broken; CJK text
    may break between any two characters, never inside one (a 2-cell character that does not
    fit in the last cell goes to the next line). Spaces at a break are dropped. Empty -> [].
    """
    if width < 2:
        raise ValueError(f"wrap width must be at least 2 cells, got {width}")
    lines: list[str] = []
    cur, cur_w = "", 0

    def flush() -> None:
        nonlocal cur, cur_w
        lines.append(cur.rstrip(" "))
        cur, cur_w = "", 0

    for tok in _TOKENS.findall(text):
        tok_w = display_width(tok)
        if cur_w + tok_w <= width:
            if cur or not tok.isspace() or not lines:
                cur, cur_w = cur + tok, cur_w + tok_w
            continue
        if tok.isspace():
            flush()
            continue
        if tok_w <= width:
            if cur.strip(" "):
                flush()
            cur, cur_w = tok, tok_w
            continue
        for ch in tok:  # a word longer than a whole line: break it, filling the current line
            ch_w = char_width(ch)
            if cur_w + ch_w > width:
                flush()
            cur, cur_w = cur + ch, cur_w + ch_w
    if cur.strip(" "):
        lines.append(cur.rstrip(" "))
    return lines


def two_columns(left: str, right: str, width: int, gap: int = 1) -> list[str]:
    """`left` flush left and `right` flush right on the first line; `left` wraps below it.

    When `right` leaves no room for `left`, both are printed one after the other instead.
    """
    right_w = display_width(right)
    if right_w + gap + 2 > width:
        return wrap(left, width) + [pad_left(line, width) for line in wrap(right, width)]
    left_lines = wrap(left, width - right_w - gap) or [""]
    first = left_lines[0]
    return [first + " " * (width - display_width(first) - right_w) + right, *left_lines[1:]]


def pad_left(text: str, width: int) -> str:
    """`text` flush right in `width` cells (unchanged when it is wider)."""
    return " " * max(0, width - display_width(text)) + text


def rule(width: int, char: str = "-") -> str:
    """A horizontal line of `char` filling `width` cells."""
    return char * (width // max(1, display_width(char)))


def center(text: str, width: int, fill: str = " ") -> str:
    """`text` centred in exactly `width` cells, padded with `fill` (unchanged when wider)."""
    spare = width - display_width(text)
    if spare <= 0:
        return text
    fill_w = max(1, display_width(fill))
    left, right = spare // 2, spare - spare // 2
    return (fill * (left // fill_w) + " " * (left % fill_w) + text
            + " " * (right % fill_w) + fill * (right // fill_w))
