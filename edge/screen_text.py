"""Text for a screen: nothing shown on a terminal may carry a control sequence (pure, stdlib only).

Menu names, notes, staff and printer names, store settings, error messages from the core and the
upstream, scanned text and job listings reach the kiosk's Textual terminal (and a technician's
SSH terminal through the cashier UI and the CLI). A terminal obeys what it is sent: `ESC ] 0 ;
… BEL` sets the window title, `ESC [ 2 J` clears the screen, other sequences move the cursor,
change colours, or (in some terminals) answer back with keystrokes. Rich and Textual strip only
BEL, BS, VT, FF and CR. Every text that comes from outside the UI passes through here at the UI's
and the CLI's boundaries: `clean_document` on each JSON answer of the core, `clean_line` /
`clean_block` on what a command echoes.

Removed: whole escape sequences (CSI `ESC [ … final`, the strings OSC / DCS / SOS / PM / APC up to
BEL or ST, their 8-bit C1 forms, other `ESC` + final pairs), then every remaining C0 control,
DEL, C1 control (U+0080-U+009F), lone surrogate and Unicode format character (bidi embeddings,
overrides and isolates U+202A-U+202E / U+2066-U+2069, marks, zero-width spaces, BOM), except the
zero-width joiner that emoji sequences need. In a line, tabs, newlines and the other line or
paragraph separators become one space each; a block keeps its newlines. Chinese text, emoji and
spaces are kept as they are. Unlike the printer's `edge/printer/sanitize.py` (ESC/POS bytes), the
text is not normalised or trimmed: a cleaned text differs from its source only where it had to.

Markup (`[red]`, `[@click=…]`) is not touched here: the UI's widgets show data as literal text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# CSI: ESC [ (or U+009B), parameter bytes, intermediate bytes, one final byte.
_CSI = r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
# Control strings: OSC (ESC ]), DCS (ESC P), SOS (ESC X), PM (ESC ^), APC (ESC _) or their C1 forms,
# up to BEL or ST (ESC \ or U+009C); an unterminated one runs to the end, as a terminal would read it.
_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
# Any other escape: ESC, intermediate bytes, one final byte (ESC c resets the terminal, ESC ( 0 …).
_OTHER = r"\x1b[\x20-\x2f]*[\x30-\x7e]"
_ESCAPES = re.compile(f"{_CSI}|{_STRING}|{_OTHER}")

_KEPT_FORMAT = frozenset("\u200d")  # zero-width joiner: 👨‍👩‍👧 and other emoji sequences
_LINE_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
_SPACE_LIKE = frozenset("\t\n\r\x0b\x0c\x85\u2028\u2029")

_NOT_ASCII_TEXT = re.compile("[^\n\x20-\x7e]")  # what JSON output may need to escape

BLOCK_KEYS = frozenset({"text"})  # JSON keys whose value is shown as several lines (the day report)


def is_forbidden(ch: str) -> bool:
    """True for a character no screen text may hold: a control, a surrogate, a format character."""
    if ch in _KEPT_FORMAT:
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def strip_escapes(text: str) -> str:
    """`text` without its terminal escape sequences (the sequence, not only the ESC)."""
    if "\x1b" not in text and not any("\x90" <= ch <= "\x9f" for ch in text):
        return text
    return _ESCAPES.sub("", text)


def _keep(text: str) -> str:
    return "".join(ch for ch in text if not is_forbidden(ch))


def clean_line(text: str) -> str:
    """One line for a label: escape sequences and controls removed, line breaks and tabs as spaces."""
    if text.isascii() and text.isprintable():
        return text
    text = strip_escapes(text)
    return _keep("".join(" " if ch in _SPACE_LIKE else ch for ch in text))


def clean_block(text: str) -> str:
    """Several lines (a report, a listing): like `clean_line`, but each line break becomes "\\n"."""
    return "\n".join(clean_line(line) for line in _LINE_BREAKS.split(strip_escapes(text)))


def clean_document(doc: Any, block_keys: frozenset[str] = BLOCK_KEYS) -> Any:
    """A JSON document with every text cleaned: keys and values as lines, values under
    `block_keys` as blocks. Numbers, booleans and null are returned as they are."""
    if isinstance(doc, str):
        return clean_line(doc)
    if isinstance(doc, list):
        return [clean_document(value, block_keys) for value in doc]
    if isinstance(doc, dict):
        return {clean_line(key) if isinstance(key, str) else key:
                clean_block(value) if isinstance(value, str) and key in block_keys
                else clean_document(value, block_keys)
                for key, value in doc.items()}
    return doc


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if not is_forbidden(match[0]):
        return match[0]
    if code > 0xFFFF:  # a surrogate pair, as JSON writes characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def terminal_json(doc: Any, indent: int | None = None) -> str:
    """JSON for a terminal, losing nothing: like `json.dumps(doc, ensure_ascii=False)` (Chinese
    stays readable), but every character `is_forbidden` is written as a \\uXXXX escape."""
    text = json.dumps(doc, ensure_ascii=False, indent=indent)
    return _NOT_ASCII_TEXT.sub(_json_escape, text)
