"""Text sanitizing: nothing that reaches a printer may carry a control byte.

Menu names, notes, table names and codes come from upstream, from customers' phones and from
staff. ESC/POS commands start with control bytes (ESC 0x1B, GS 0x1D, FS 0x1C, DLE 0x10, ...), so
a note containing "\\x1b@" or "\\x1dV" would reset or cut the printer mid-ticket. Every text field
passes through `clean_text` before layout; the ESC/POS builder runs `strip_controls` once more
on each laid-out line (which keeps the layout's padding) as a second guard.

Removed: C0 controls, DEL, C1 controls (U+0080-U+009F), every Unicode "format" character
(category Cf: bidi overrides and isolates, zero-width space/joiners, BOM, soft hyphen, tags),
lone surrogates. Whitespace controls (tab, newline, CR, VT, FF, NEL, U+2028/U+2029) and
other space separators become one space; U+3000 (ideographic space) is kept.
"""

from __future__ import annotations

import re
import unicodedata

_SPACE_LIKE = frozenset("\t\n\r\x0b\x0c\x85\u2028\u2029")
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_SPACES = re.compile(r"[ \u00a0\u1680\u2000-\u200a\u202f\u205f]+")


def _is_removed(ch: str) -> bool:
    return unicodedata.category(ch) in _REMOVED_CATEGORIES


def strip_controls(text: str) -> str:
    """Remove control, format and surrogate characters; keep everything else as is."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(ch for ch in text if not _is_removed(ch))


def clean_text(text: str) -> str:
    """One line of printable text: controls removed, whitespace collapsed, NFC-normalised."""
    mapped = "".join(" " if ch in _SPACE_LIKE else ch for ch in text)
    kept = strip_controls(mapped)
    normalised = unicodedata.normalize("NFC", kept)
    # NFC can only compose letters and marks, never produce a control; strip again anyway so the
    # guarantee does not depend on the Unicode database version.
    return _SPACES.sub(" ", strip_controls(normalised)).strip(" ")


TRUNCATED = "…(后略 {n} 字 / {n} more chars cut)"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, visibly: the cut says how many characters were left out.

    Free text (notes above all) can be long: a 2,000-character note would fill a metre of paper
    and hide the rest of the ticket. Cutting silently would hide what the customer asked for, so
    the ticket says that and how much was cut. Expects text that went through `clean_text`.
    """
    if len(text) <= limit:
        return text
    return text[:limit].rstrip(" ") + TRUNCATED.format(n=len(text) - limit)
