"""Classify a scanned string (pure): payment, table, voucher, pickup, enrollment or unknown.

Runs before any network call (DESIGN §4). Payment codes are recognised by shape only:
Alipay 16-24 digits starting 25-30, WeChat Pay 18 digits starting 10-15, UnionPay 19 digits
starting 62. Table codes are signed URLs (`edge.tables`); voucher, pickup and enrollment codes
are the signed `MT1` formats below (docs/protocol.md, "Scanned codes"). Everything else, and
every code that fails its check, is kind "unknown" with a reason (and `claimed`, the kind it
pretended to be).

A `ScannedCode` keeps its clear text in memory only: `repr`, `str`, `to_event()` and `to_json()`
show the masked text (payment: first 4 + last 2 digits), pickling refuses, and `reveal()` is
the one way to the clear text (for the payment flow, or a technician's explicit request).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NoReturn, TypeGuard

from edge.tables import KID_RE, STORE_RE, TABLE_RE, TableKeyring, b64url, looks_like_table_url, mac, macs_equal, \
    unb64url, verify_table_url

PAYMENT_KINDS = ("alipay", "wechat", "unionpay")
KINDS = PAYMENT_KINDS + ("table", "voucher", "pickup", "enroll", "unknown")
MAX_TEXT = 512
UNKNOWN = "unknown code"
TOO_LONG = "code too long"
_PAYMENT_RULES = (  # (kind, lengths, first-two-digit prefixes)
    ("alipay", range(16, 25), range(25, 31)),
    ("wechat", range(18, 19), range(10, 16)),
    ("unionpay", range(19, 20), range(62, 63)),
)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_LONG_DIGITS = re.compile(r"[0-9]{12,}", re.ASCII)


def payment_kind(text: str) -> str | None:
    """'alipay' | 'wechat' | 'unionpay' when `text` is exactly a payment code's shape, else None."""
    if not _DIGITS.fullmatch(text):
        return None
    for kind, lengths, prefixes in _PAYMENT_RULES:
        if len(text) in lengths and int(text[:2]) in prefixes:
            return kind
    return None


def mask_digits(digits: str) -> str:
    """First 4 and last 2 digits shown: '28456789012345678912' -> '2845**************12'."""
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:] if len(digits) > 6 else "*" * len(digits)


def _shown(text: str) -> str:
    """Printable, at most 120 characters, every run of 12+ digits masked (could be a payment)."""
    clean = "".join(c if c.isprintable() else "\ufffd" for c in text[:120]) + ("…" if len(text) > 120 else "")
    return _LONG_DIGITS.sub(lambda m: mask_digits(m.group()), clean)


class ScannedCode:
    """One classified code. Immutable; the clear text is never part of any representation."""

    __slots__ = ("kind", "masked", "symbology", "reason", "claimed", "fields", "captured_ns", "_text")
    kind: str
    masked: str
    symbology: str
    reason: str | None
    claimed: str | None
    fields: Mapping[str, Any]  # read-only view; values come from the scanned code (JSON)
    captured_ns: int | None
    _text: str

    def __init__(self, kind: str, text: str, masked: str, *, symbology: str = "", reason: str | None = None,
                 claimed: str | None = None, fields: Mapping[str, Any] | None = None,
                 captured_ns: int | None = None) -> None:
        values = {"kind": kind, "masked": masked, "symbology": symbology, "reason": reason, "claimed": claimed,
                  "fields": MappingProxyType(dict(fields or {})), "captured_ns": captured_ns, "_text": text}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ScannedCode is immutable")

    @property
    def is_payment(self) -> bool:
        return self.kind in PAYMENT_KINDS

    @property
    def ok(self) -> bool:
        """A code of a known kind that passed its checks (payments: shape only)."""
        return self.kind != "unknown"

    def reveal(self) -> str:
        """The clear text. For payment codes: hand it to the payment flow, never store or log it."""
        return self._text

    def replace(self, *, symbology: str | None = None, captured_ns: int | None = None) -> ScannedCode:
        return ScannedCode(self.kind, self._text, self.masked, reason=self.reason, claimed=self.claimed,
                           fields=self.fields, symbology=self.symbology if symbology is None else symbology,
                           captured_ns=self.captured_ns if captured_ns is None else captured_ns)

    def to_event(self) -> dict[str, Any]:
        """The `scan` event body for the core's event stream: masked, never the clear code."""
        event = {"kind": self.kind, "text_masked": self.masked, "symbology": self.symbology,
                 "reason": self.reason, "claimed": self.claimed}
        return event | {k: v for k, v in self.fields.items() if k not in event}

    def to_json(self, show_clear: bool = False) -> dict[str, Any]:
        """`edge scan --json` shape; the clear text only when a technician asked for it."""
        out = {"kind": self.kind, "text_masked": self.masked, "symbology": self.symbology}
        return out | {"text": self._text} if show_clear else out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScannedCode):
            return NotImplemented
        return (self.kind, self._text, self.symbology, self.reason) == (other.kind, other._text,
                                                                        other.symbology, other.reason)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        raise TypeError("a ScannedCode is not serialisable; use to_event()")

    def __repr__(self) -> str:
        extra = f", reason={self.reason!r}" if self.reason else ""
        return f"ScannedCode(kind={self.kind!r}, masked={self.masked!r}, symbology={self.symbology!r}{extra})"

    def __str__(self) -> str:
        return f"{self.kind} {self.masked}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True)
class CodeContext:
    """What classification needs from the store: its id and keyrings (from downstream sync)."""

    store_id: str | None = None
    table_keys: TableKeyring | None = None
    code_keys: TableKeyring | None = None

    def __repr__(self) -> str:
        return f"CodeContext(store_id={self.store_id!r}, table_keys={self.table_keys!r}, code_keys={self.code_keys!r})"


# MT1 signed codes: MT1<V|P|E>.<kid>.<payload: base64url of a JSON object>.<sig: 22 base64url chars>
# Enrollment codes: MT1E.1.<payload>.<Ed25519 signature: 86 base64url chars>, signed by the
# upstream; their signature is verified by the device's enrollment (edge.protocol.enroll_code),
# here only their form. MT1E.0 (the old, checksummed form) is refused.
SIGNED_LETTERS = {"voucher": "V", "pickup": "P", "enroll": "E"}
ENROLL_KID = "1"
OLD_ENROLL = "old unsigned enrollment code: issue a new one"
ROLES = ("kiosk", "cashier", "kitchen")
_SIGNED = re.compile(r"MT([0-9])([A-Z])\.([^.]{1,16})\.([A-Za-z0-9_-]{1,600})\.([A-Za-z0-9_-]{22}|[A-Za-z0-9_-]{86})",
                     re.ASCII)


Validator = Callable[[object], bool]  # one payload field's check: True when the value is acceptable


def _int(low: int, high: int) -> Validator:
    return lambda v: type(v) is int and low <= v <= high


def _text(pattern: re.Pattern[str] | str) -> Validator:
    regex = re.compile(pattern, re.ASCII) if isinstance(pattern, str) else pattern
    return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None


_STORE, _EXPIRY = _text(STORE_RE), _int(1, 2**40)
# kind -> required payload fields -> validator (unknown extra fields are signed, ignored)
_FIELDS: dict[str, dict[str, Validator]] = {
    "voucher": {"s": _STORE, "id": _text(r"[A-Za-z0-9]{1,32}"), "v": _int(1, 10_000_000), "x": _EXPIRY},
    "pickup": {"s": _STORE, "o": _text(r"[a-z2-7]{26}"), "n": _text(TABLE_RE)},
    # https to any host; plain http only to this machine (demo, tests), as edge.protocol.enroll_code accepts
    "enroll": {"u": _text(r"(https://[A-Za-z0-9.-]+|http://(127\.0\.0\.1|localhost|\[::1\]))(:[0-9]{1,5})?"
                          r"(/[A-Za-z0-9._~/-]*)?"),
               "t": _text(r"[A-Za-z0-9_-]{22,64}"), "s": _STORE, "r": lambda v: v in ROLES, "x": _EXPIRY,
               "k": _text(r"[A-Za-z0-9_-]{43}")},
}
_PUBLIC = {"voucher": {"s": "store", "id": "voucher_id", "v": "value", "x": "expires"},
           "pickup": {"s": "store", "o": "order_id", "n": "ticket_no"},
           "enroll": {"u": "upstream", "s": "store", "r": "role", "x": "expires"}}


# optional signed fields shown when present and well-formed: a member's coupon (upstream/coupons.py) is a
# voucher with its campaign's terms
_OPTIONAL: dict[str, dict[str, tuple[str, Validator]]] = {
    "voucher": {"c": ("campaign", _text(r"[A-Za-z0-9]{1,32}")),
                "k": ("coupon_kind", lambda v: v in ("amount", "percent")),
                "p": ("percent_off", _int(1, 90)), "m": ("min_spend", _int(0, 10_000_000))},
}


def _valid_fields(fields: object, kind: str) -> TypeGuard[dict[str, Any]]:
    return isinstance(fields, dict) and all(name in fields and ok(fields[name]) for name, ok in _FIELDS[kind].items())


def make_signed_code(kind: str, fields: Mapping[str, Any], kid: str = ENROLL_KID, key: bytes | None = None) -> str:
    """Encode a voucher / pickup code (MAC under `key`, id `kid`). Enrollment codes are signed by the
    upstream: edge.protocol.enroll_code.make_enroll_code."""
    if kind == "enroll":
        raise ValueError("enrollment codes are signed by the upstream (edge.protocol.enroll_code)")
    if kind not in SIGNED_LETTERS or not _valid_fields(dict(fields), kind) or not KID_RE.fullmatch(kid):
        raise ValueError(f"invalid {kind} code fields")
    body = json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    head = f"MT1{SIGNED_LETTERS[kind]}.{kid}.{b64url(body)}"
    keyring = TableKeyring({kid: key or b""})  # validates the key
    return f"{head}.{mac(keyring[kid], head.encode('ascii'))}"


def _masked_signed(text: str) -> str:
    return _shown(".".join(text.split(".", 2)[:2])[:24]) + ".…"


def _check_signed(text: str, keys: Mapping[str, bytes] | None,
                  store_id: str | None) -> tuple[str | None, str | None, dict[str, Any]]:
    """(kind, reason, public fields) of an MT code; reason None when valid."""
    match = _SIGNED.fullmatch(text)
    letters = {v: k for k, v in SIGNED_LETTERS.items()}
    kind = letters.get(match[2]) if match else None
    if not match or kind is None:
        return kind, "malformed signed code", {}
    if match[1] != "1":
        return kind, "unsupported code version", {}
    kid, head, sig = match[3], text.rsplit(".", 1)[0], match[5]
    if kind == "enroll" and kid == "0":
        return kind, OLD_ENROLL, {}
    if (len(sig) == 86) != (kind == "enroll"):
        return kind, f"malformed {'enrollment' if kind == 'enroll' else kind} code", {}
    try:
        fields: object = json.loads(unb64url(match[4]).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        fields = None
    if not _valid_fields(fields, kind):
        return kind, f"malformed {'enrollment' if kind == 'enroll' else kind} code", {}
    if kind == "enroll":
        if kid != ENROLL_KID:
            return kind, "unknown enrollment code version", {}
    else:
        if store_id is not None and fields["s"] != store_id:
            return kind, f"{kind} code for another store", {}
        if not keys or store_id is None:
            return kind, "store keys not loaded", {}
        if kid not in keys:
            return kind, "unknown key id", {}
        if not macs_equal(sig, mac(keys[kid], head.encode("ascii"))):
            return kind, f"forged {kind} code", {}
    shown = {public: fields[name] for name, public in _PUBLIC[kind].items()}
    for name, (public, ok) in _OPTIONAL.get(kind, {}).items():
        if name in fields and ok(fields[name]):
            shown[public] = fields[name]
    return kind, None, shown


def classify(text: str, table_keys: TableKeyring | None = None, store_id: str | None = None, *,
             code_keys: TableKeyring | None = None, symbology: str = "") -> ScannedCode:
    """Classify one decoded or typed string. Never raises on any `str`; never echoes it in a reason."""
    if not isinstance(text, str):
        raise TypeError("classify() takes the decoded text as str")
    if len(text) > MAX_TEXT:
        return ScannedCode("unknown", text, _shown(text), symbology=symbology, reason=TOO_LONG)
    stripped = text.strip()
    kind = payment_kind(stripped)
    if kind:
        return ScannedCode(kind, stripped, mask_digits(stripped), symbology=symbology, fields={"channel": kind})
    if looks_like_table_url(stripped):
        verdict = verify_table_url(stripped, table_keys, store_id)
        if verdict.ok:
            return ScannedCode("table", stripped, stripped, symbology=symbology,
                               fields={"table": verdict.table, "store": verdict.store})
        return ScannedCode("unknown", stripped, _shown(stripped), symbology=symbology, reason=verdict.reason,
                           claimed="table")
    if stripped[:2] == "MT" and stripped[2:3].isdigit():
        claimed, reason, fields = _check_signed(stripped, code_keys, store_id)
        if reason is None and claimed is not None:
            return ScannedCode(claimed, stripped, _masked_signed(stripped), symbology=symbology, fields=fields)
        return ScannedCode("unknown", stripped, _masked_signed(stripped), symbology=symbology, reason=reason,
                           claimed=claimed, fields=fields)
    return ScannedCode("unknown", stripped, _shown(stripped), symbology=symbology, reason=UNKNOWN)


def classify_in(text: str, context: CodeContext, symbology: str = "") -> ScannedCode:
    return classify(text, context.table_keys, context.store_id, code_keys=context.code_keys, symbology=symbology)
