"""Pure parts of kiosk scanning: the wedge decoder's timing rules, the notices' words, binding."""

from __future__ import annotations

import pytest

from edge.ui.order_draft import OrderDraft
from edge.ui.scans import masked_code, reason_key, scan_notice
from edge.ui.wedge_decoder import WedgeDecoder


def feed(decoder, keys, start=0.0, gap=0.005):
    """Feed (key, character) pairs `gap` seconds apart; collect replays and scans in order."""
    out, at = [], start
    for key, char in keys:
        decision = decoder.key((key, at), key, char, at)
        out += [("replay", k) for k, _ in decision.replay]
        if decision.scan:
            out.append(("scan", decision.scan))
        if decision.pass_through:
            out.append(("pass", key))
        at += gap
    return out, at


def chars(text):
    return [(c, c) for c in text]


def test_a_fast_burst_ending_in_enter_is_one_scan_and_nothing_else():
    decoder = WedgeDecoder()
    out, _ = feed(decoder, chars("https://x/t/s1/12?k=k1&s=abc") + [("enter", "\r")])
    assert out == [("scan", "https://x/t/s1/12?k=k1&s=abc")]
    assert not decoder.holding


def test_slow_keys_are_given_back_in_order_and_enter_passes():
    decoder = WedgeDecoder()
    out, at = feed(decoder, chars("1234567") + [("enter", "\r")], gap=0.2)
    assert out == [("replay", c) for c in "123456"] + [("replay", "7"), ("pass", "enter")]
    assert decoder.timeout() == []


def test_a_short_fast_burst_is_a_person_and_a_long_one_without_enter_is_dropped():
    decoder = WedgeDecoder()
    out, _ = feed(decoder, chars("12") + [("enter", "\r")])  # two keys rolled over, then Enter
    assert out == [("replay", "1"), ("replay", "2"), ("pass", "enter")]
    out, at = feed(decoder, chars("1234567890"))
    assert out == []
    assert decoder.timeout() == []  # machine input without Enter never becomes keypad presses
    out, _ = feed(decoder, chars("5"), start=at + 1)
    assert decoder.timeout() == [("5", at + 1)]


def test_a_pause_inside_a_burst_splits_it():
    decoder = WedgeDecoder()
    out, at = feed(decoder, chars("123"))
    out2, _ = feed(decoder, chars("456") + [("enter", "\r")], start=at + 0.2)
    assert out == [] and [e[0] for e in out2] == ["replay"] * 3 + ["replay"] * 3 + ["pass"]


def test_other_keys_end_a_burst_and_pass():
    decoder = WedgeDecoder()
    out, _ = feed(decoder, chars("1") + [("escape", None)])
    assert out == [("replay", "1"), ("pass", "escape")]


@pytest.mark.parametrize("reason, claimed, key", [
    ("forged table code", "table", "reason_forged_table"),
    ("table code for another store", "table", "reason_other_store"),
    ("unknown key id", "table", "reason_unknown_key"),
    ("table keys not loaded", "table", "reason_no_keys"),
    ("malformed table code", "table", "reason_damaged"),
    ("unknown code", None, "reason_none"),
    ("code too long", None, "reason_too_long"),
    ("forged voucher code", "voucher", "reason_invalid"),
    ("something new", None, "reason_invalid"),
])
def test_refusal_reasons_in_words(reason, claimed, key):
    assert reason_key(reason, claimed) == key


def test_notices_never_show_more_than_a_masked_code():
    title, text, _ = scan_notice({"kind": "unionpay", "channel": "unionpay",
                                  "text_masked": "6212345678901234567"}, "en")
    assert title == "UnionPay code read" and "6212*************67" in text and "62123456" not in text
    title, text, _ = scan_notice({"kind": "unknown", "text_masked": "https://evil.example/x",
                                  "reason": "forged table code", "claimed": "table"}, "zh")
    assert (title, text) == ("无法识别的二维码", "桌码无效，请联系服务员")
    assert scan_notice({"kind": "voucher", "text_masked": "MT1V.k1.…"}, "en")[0] == "This code is not for this screen"
    assert scan_notice({"kind": "table", "table": "12"}, "en") is None
    assert masked_code("1345************89") == "1345************89"


def test_a_scanned_table_binds_dine_in_and_the_keypad_replaces_it():
    draft = OrderDraft()
    draft.choose_service("takeaway")
    assert draft.bind_table("12") == ""
    assert (draft.service, draft.table, draft.table_scanned) == ("dine_in", "12", True)
    assert draft.bind_table("A7") == "12"
    draft.press_key("3")
    assert (draft.table, draft.table_scanned) == ("3", False)
    with pytest.raises(ValueError):
        draft.bind_table("12/../x")
    draft.bind_table("9")
    draft.placed()
    assert (draft.table, draft.table_scanned, draft.service) == ("", False, None)
