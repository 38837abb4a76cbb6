"""Store keys and signed table codes (pure, stdlib only).

A table code is the URL printed on a table's QR card:

    https://<host>/t/<store>/<table>?k=<kid>&s=<mac>

`mac` is HMAC-SHA256 under the store's table key `kid`, truncated to 16 bytes and written in
base64url without padding (22 characters), over the domain-separated message
`matou-table-v1\\n<store>\\n<table>\\n<kid>`. The host is not signed: a store may move its web
host without reprinting cards. Verification compares in constant time and names the reason a
code is refused. The same keyring type (kid -> key bytes, one per store) holds the keys of the
signed voucher and pickup codes (see `edge.codes`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

STORE_RE = re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII)
TABLE_RE = re.compile(r"[A-Za-z0-9]{1,8}", re.ASCII)
KID_RE = re.compile(r"[A-Za-z0-9_-]{1,16}", re.ASCII)
MAC_BYTES = 16
MIN_KEY_BYTES = 16
MAX_URL = 300

FORGED = "forged table code"
OTHER_STORE = "table code for another store"
UNKNOWN_KID = "unknown key id"
MALFORMED = "malformed table code"
NO_KEYS = "table keys not loaded"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text: str) -> bytes:
    """Strict base64url without padding; ValueError on anything else."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text, re.ASCII) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise ValueError("not base64url") from None


def parse_key(text: str) -> bytes:
    """A key file's content: hex (even length) or base64url, whitespace ignored, >= 16 bytes."""
    compact = "".join(text.split())
    try:
        key = bytes.fromhex(compact) if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", compact) else unb64url(compact)
    except ValueError:
        raise ValueError("a key is hex or base64url text") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"a key needs at least {MIN_KEY_BYTES} bytes")
    return key


class Keyring(Mapping[str, bytes]):
    """One store's keys: key id -> key bytes (immutable). Its repr never shows a key."""

    def __init__(self, keys: Mapping[str, bytes] | None = None) -> None:
        checked: dict[str, bytes] = {}
        for kid, key in (keys or {}).items():
            if not isinstance(kid, str) or not KID_RE.fullmatch(kid):
                raise ValueError(f"bad key id {kid!r}: 1-16 letters, digits, '_' or '-'")
            if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
                raise ValueError(f"key {kid!r} must be at least {MIN_KEY_BYTES} bytes")
            checked[kid] = key
        self._keys = checked

    def __getitem__(self, kid: str) -> bytes:
        return self._keys[kid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"Keyring(kids={sorted(self._keys)!r})"


TableKeyring = Keyring


def mac(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 truncated to 16 bytes, base64url without padding (22 characters)."""
    return b64url(hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES])


def macs_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def _table_message(store: str, table: str, kid: str) -> bytes:
    return f"matou-table-v1\n{store}\n{table}\n{kid}".encode("ascii")


def make_table_url(host: str, store: str, table: str, kid: str, key: bytes) -> str:
    """The URL to print on table `table`'s card."""
    if not re.fullmatch(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?", host, re.ASCII):
        raise ValueError(f"bad host {host!r}")
    for name, value, pattern in (("store", store, STORE_RE), ("table", table, TABLE_RE), ("kid", kid, KID_RE)):
        if not pattern.fullmatch(value):
            raise ValueError(f"bad {name} {value!r}")
    Keyring({kid: key})  # validates the key length
    return f"https://{host.lower()}/t/{store}/{table}?k={kid}&s={mac(key, _table_message(store, table, kid))}"


@dataclass(frozen=True)
class TableVerdict:
    """The outcome of checking a table code: `table` when valid, else `reason`."""

    table: str | None
    reason: str | None
    store: str | None = None
    kid: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def looks_like_table_url(text: str) -> bool:
    return text[:8].lower() == "https://" and "/t/" in text[8:MAX_URL]


def _parse(url: str) -> tuple[str, str, str, str] | None:
    if len(url) > MAX_URL or not url.isascii() or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not parts.hostname or parts.fragment or parts.username:
        return None
    segments = parts.path.split("/")
    if len(segments) != 4 or segments[:2] != ["", "t"] or [k for k, _ in query] != ["k", "s"]:
        return None
    store, table = segments[2], segments[3]
    (_, kid), (_, sig) = query
    if not (STORE_RE.fullmatch(store) and TABLE_RE.fullmatch(table) and KID_RE.fullmatch(kid)):
        return None
    return store, table, kid, sig


def verify_table_url(url: str, keyring: Mapping[str, bytes] | None, store_id: str | None) -> TableVerdict:
    """Check a scanned table URL against this store's keyring (constant-time MAC compare)."""
    parsed = _parse(url)
    if parsed is None:
        return TableVerdict(None, MALFORMED)
    store, table, kid, sig = parsed
    if store_id is not None and store != store_id:
        return TableVerdict(None, OTHER_STORE, store, kid)
    if not keyring or store_id is None:
        return TableVerdict(None, NO_KEYS, store, kid)
    key = keyring.get(kid)
    if key is None:
        return TableVerdict(None, UNKNOWN_KID, store, kid)
    if not macs_equal(sig, mac(key, _table_message(store, table, kid))):
        return TableVerdict(None, FORGED, store, kid)
    return TableVerdict(table, None, store, kid)


def table_range(spec: str) -> list[str]:
    """'1-20,A1,B2' -> ['1', ..., '20', 'A1', 'B2'] (order kept, duplicates dropped)."""
    tables: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        bounds = re.fullmatch(r"([0-9]+)-([0-9]+)", part)
        if bounds:
            low, high = int(bounds[1]), int(bounds[2])
            if low > high or high - low >= 1000:
                raise ValueError(f"bad table range {part!r}")
            names = [str(n) for n in range(low, high + 1)]
        elif TABLE_RE.fullmatch(part):
            names = [part]
        else:
            raise ValueError(f"bad table {part!r}: 1-8 letters or digits, or a range like 1-20")
        tables += [n for n in names if n not in tables and TABLE_RE.fullmatch(n)]
    return tables
