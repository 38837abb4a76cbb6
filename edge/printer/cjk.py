"""Strict GB18030 / GBK encoding of text for printers in Chinese mode.

Python's `errors="replace"` would turn an unencodable character into a silent "?". Here such
a character becomes a visible placeholder ("〓", the GB geta mark, or "[?]" where even that is
unencodable) and a WARNING names its code point, so a dish name that cannot print shows up on
the ticket and in the logs instead of disappearing. Lone surrogates are unencodable everywhere.
Every non-ASCII character both codecs accept encodes to 2 or 4 bytes with no byte below 0x30,
so encoded text never contains an ESC/POS command byte.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

ENCODINGS = ("gb18030", "gbk")
PLACEHOLDER = "〓"
FALLBACK_PLACEHOLDER = "[?]"


def _check(encoding: str) -> str:
    normalised = encoding.lower().replace("_", "").replace("-", "")
    if normalised not in ENCODINGS:
        raise ValueError(f"unsupported printer encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    return normalised


def _encode_char(ch: str, encoding: str) -> bytes | None:
    try:
        return ch.encode(encoding)
    except UnicodeEncodeError:
        return None


def placeholder(encoding: str) -> bytes:
    """The bytes printed in place of a character the encoding cannot represent."""
    return _encode_char(PLACEHOLDER, _check(encoding)) or FALLBACK_PLACEHOLDER.encode("ascii")


def encode(text: str, encoding: str) -> bytes:
    """`text` as `encoding` bytes; each unencodable character -> placeholder + a WARNING."""
    encoding = _check(encoding)
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        pass
    out = bytearray()
    stand_in = placeholder(encoding)
    for ch in text:
        encoded = _encode_char(ch, encoding)
        if encoded is None:
            log.warning("character U+%04X %r cannot be printed in %s; printing %r instead",
                        ord(ch), ch, encoding, stand_in.decode(encoding))
            encoded = stand_in
        out += encoded
    return bytes(out)
