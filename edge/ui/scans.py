"""What the kiosk says about a `scan` event of the core (pure, free of Textual).

The core classifies every code (camera or wedge) and publishes it masked: a payment code is
only ever `text_masked` (first 4 + last 2 digits). The kiosk shows no scanned text except that
masked payment code, and re-masks any long run of digits in it in case a bad event carries one.
Rejected codes are explained by their reason in words, never by echoing the code.
"""

from __future__ import annotations

import re

from edge.ui.i18n import t

PAYMENT_KINDS = ("alipay", "wechat", "unionpay")
STAFF_KINDS = ("voucher", "pickup", "enroll")  # cashier / technician codes: not for the kiosk
_LONG_DIGITS = re.compile(r"[0-9]{7,}", re.ASCII)
MAX_SHOWN = 32


def masked_code(text_masked: object) -> str:
    """The masked payment code as shown: at most 4 leading and 2 trailing digits of any run."""
    text = "".join(c for c in str(text_masked or "") if c.isprintable())[:MAX_SHOWN]
    return _LONG_DIGITS.sub(lambda m: m[0][:4] + "*" * (len(m[0]) - 6) + m[0][-2:], text)


def reason_key(reason: object, claimed: object) -> str:
    """The i18n key that explains why the core refused a code (its `reason`, in words)."""
    text = str(reason or "").lower()
    if text in ("", "unknown code"):
        return "reason_none"
    if "too long" in text:
        return "reason_too_long"
    if "another store" in text:
        return "reason_other_store"
    if "keys not loaded" in text:
        return "reason_no_keys"
    table = claimed == "table" or "table" in text
    if text == "unknown key id":
        return "reason_unknown_key" if table or claimed is None else "reason_invalid"
    if text.startswith("forged"):
        return "reason_forged_table" if table else "reason_invalid"
    if any(word in text for word in ("malformed", "damaged", "unsupported")):
        return "reason_damaged"
    return "reason_invalid"


def scan_notice(data: dict, lang: str) -> tuple[str, str, str] | None:
    """(title, message, severity) for a scan the kiosk does not act on; None for a table code
    (the app binds it) and for events without a kind."""
    kind = data.get("kind")
    if kind in (None, "table"):
        return None
    if kind in PAYMENT_KINDS:
        channel = data.get("channel") if data.get("channel") in PAYMENT_KINDS else kind
        return (t("payment_read", lang, channel=t(f"channel_{channel}", lang)),
                t("payment_at_counter", lang, code=masked_code(data.get("text_masked"))), "information")
    if kind == "unknown":
        return t("unknown_code", lang), t(reason_key(data.get("reason"), data.get("claimed")), lang), "warning"
    return t("not_for_screen", lang), t("not_for_screen_detail", lang), "warning"
