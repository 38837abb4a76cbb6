"""Classification of scanned strings: payment shapes, table codes, signed MT1 codes, masking, secrecy."""

import copy
import json
import pickle

import pytest

from edge.codes import (ENROLL_KID, CodeContext, ScannedCode, classify, classify_in, make_signed_code,
                        mask_digits, payment_kind)
from edge.tables import Keyring, make_table_url

KEY = bytes(range(32))
RING = Keyring({"k1": KEY})
ALIPAY = "284512345678901234"  # 18 digits, the common Alipay length


@pytest.mark.parametrize("text,kind", [
    (ALIPAY, "alipay"),
    ("2512345678901234", "alipay"),  # 16 digits, prefix 25
    ("301234567890123456789012", "alipay"),  # 24 digits, prefix 30
    ("281234567890123456789", "alipay"),  # 21 digits
    ("134512345678901234", "wechat"),  # 18 digits, prefix 13
    ("101234567890123456", "wechat"),
    ("151234567890123456", "wechat"),
    ("6212345678901234567", "unionpay"),  # 19 digits, prefix 62
])
def test_payment_codes(text, kind):
    code = classify(text)
    assert (code.kind, code.is_payment, code.ok, code.reason) == (kind, True, True, None)
    assert code.reveal() == text
    assert code.fields["channel"] == kind


@pytest.mark.parametrize("text", [
    "251234567890123",  # 15 digits: too short for Alipay
    "2512345678901234567890123",  # 25 digits: too long
    "241234567890123456",  # prefix 24
    "311234567890123456",  # prefix 31
    "16123456789012345",  # 17 digits, prefix 16
    "091234567890123456",  # prefix 09
    "13451234567890123",  # WeChat prefix, 17 digits
    "1345123456789012345",  # WeChat prefix, 19 digits
    "621234567890123456",  # 62, 18 digits
    "62123456789012345678",  # 62, 20 digits
    "6312345678901234567",  # 63, 19 digits
    "2845 1234 5678 9012 34",  # spaces inside
    "28451234567890123a",
    "２８４５１２３４５６７８９０１２３４",  # full-width digits
    "٢٨٤٥١٢٣٤٥٦٧٨٩٠١٢٣٤",  # Arabic-Indic digits
    "+284512345678901234",
    "",
])
def test_not_payment_codes(text):
    code = classify(text)
    assert code.kind == "unknown" and not code.is_payment and code.reason


def test_surrounding_whitespace_is_ignored_and_masked():
    code = classify(f"  {ALIPAY}\r\n")
    assert code.kind == "alipay" and code.reveal() == ALIPAY
    assert code.masked == "2845************34"


def test_mask_keeps_first_four_and_last_two():
    assert mask_digits("28451234567890123412") == "2845**************12"
    assert mask_digits("123456") == "******"
    assert classify("6212345678901234567").masked == "6212*************67"


def test_overlapping_prefixes_never_collide():
    for prefix in range(100):
        for length in range(12, 26):
            text = f"{prefix:02d}" + "7" * (length - 2)
            kind = payment_kind(text)
            expected = ("alipay" if 25 <= prefix <= 30 and 16 <= length <= 24 else
                        "wechat" if 10 <= prefix <= 15 and length == 18 else
                        "unionpay" if prefix == 62 and length == 19 else None)
            assert kind == expected, text


def test_clear_payment_code_never_in_representations():
    code = classify(ALIPAY, symbology="qr")
    outputs = [repr(code), str(code), json.dumps(code.to_event()), json.dumps(code.to_json()), f"{code}",
               repr([code]), repr(code.fields)]
    for out in outputs:
        assert ALIPAY not in out
    assert code.to_json(show_clear=True)["text"] == ALIPAY
    assert code.to_event() == {"kind": "alipay", "text_masked": "2845************34", "symbology": "qr",
                               "reason": None, "claimed": None, "channel": "alipay"}


def test_scanned_code_refuses_serialisation_and_mutation():
    code = classify(ALIPAY)
    with pytest.raises(TypeError) as caught:
        pickle.dumps(code)
    assert ALIPAY not in str(caught.value)
    with pytest.raises(TypeError):
        copy.deepcopy(code)
    with pytest.raises(AttributeError) as caught:
        code.kind = "wechat"
    assert ALIPAY not in str(caught.value)
    assert not hasattr(code, "__dict__")


def test_long_digit_runs_in_unknown_codes_are_masked():
    code = classify("pay:2845123456789012345678901")  # not a payment shape, but could be one with junk
    assert code.kind == "unknown"
    assert "2845123456789012345678901" not in json.dumps(code.to_event())
    assert "2845" in code.masked and "*" in code.masked


def test_unknown_text_is_shown_printable_and_short():
    code = classify("hello\x1b[2Jworld" + "x" * 300)
    assert code.kind == "unknown" and code.reason == "unknown code"
    assert "\x1b" not in code.masked and len(code.masked) <= 121
    assert classify("x" * 600).reason == "code too long"


def test_table_codes():
    url = make_table_url("order.example.com", "s1", "12", "k1", KEY)
    code = classify(url, RING, "s1", symbology="qr")
    assert (code.kind, code.fields["table"], code.fields["store"]) == ("table", "12", "s1")
    assert code.to_event()["table"] == "12"
    other = classify(url, RING, "s2")
    assert (other.kind, other.claimed, other.reason) == ("unknown", "table", "table code for another store")
    forged = classify(url.replace("/12?", "/13?"), RING, "s1")
    assert forged.reason == "forged table code" and forged.claimed == "table"
    assert classify(url, Keyring({"k2": KEY}), "s1").reason == "unknown key id"
    assert classify(url).reason == "table keys not loaded"
    assert classify("https://order.example.com/t/s1/12").reason == "malformed table code"
    assert classify("https://example.com/menu").reason == "unknown code"


# docs/protocol.md "Enrollment codes": upstream key = Ed25519 private bytes 0x00..0x1f, token tok_AAAA…
ENROLL_VECTOR = ("MT1E.1.eyJrIjoiQTZFSHZfUE9FTDRkY04wWTUwdkFtV2ZrMWpDYnBRMWZIZHlHWkJKVk1iZyIsInIiOiJraW9zayIsInMiOiJ"
                 "zMSIsInQiOiJ0b2tfQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUEiLCJ1IjoiaHR0cHM6Ly91cC5leGFtcGxlLmNvbSIsIngiOjE5"
                 "MDAwMDAwMDB9.gYZojLP45UQSIERdjhscnE700BM_vrmPQJTflbd9uZWXKK9HSVKSh1xPNH-ZPNoZ2tkqwWLoo395bFxO9BO-CA")


def signed(kind, **fields):
    if kind == "enroll":  # signed by the upstream's Ed25519 key (edge.protocol.enroll_code)
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from edge.protocol.enroll_code import make_enroll_code

        doc = {"u": "https://up.example.com", "t": "t" * 32, "s": "s1", "r": "kiosk", "x": 1_900_000_000} | fields
        return make_enroll_code(Ed25519PrivateKey.from_private_bytes(bytes(range(32))), doc["u"], doc["s"], doc["r"],
                                doc["t"], doc["x"])
    base = {"voucher": {"s": "s1", "id": "V123", "v": 1500, "x": 1_900_000_000},
            "pickup": {"s": "s1", "o": "a" * 26, "n": "A017"}}
    return make_signed_code(kind, base[kind] | fields, "k1", KEY)


def test_signed_codes_verify():
    context = CodeContext("s1", RING, RING)
    voucher = classify_in(signed("voucher"), context, "qr")
    assert voucher.kind == "voucher" and voucher.to_event()["voucher_id"] == "V123"
    assert voucher.fields == {"store": "s1", "voucher_id": "V123", "value": 1500, "expires": 1_900_000_000}
    pickup = classify_in(signed("pickup"), context)
    assert (pickup.kind, pickup.fields["ticket_no"], pickup.fields["order_id"]) == ("pickup", "A017", "a" * 26)
    enroll = classify(signed("enroll"))  # an unenrolled device: no store, no keys
    assert enroll.kind == "enroll" and enroll.fields["upstream"] == "https://up.example.com"
    assert "t" * 32 not in json.dumps(enroll.to_event()) and "t" * 32 not in repr(enroll)
    assert signed("enroll").split(".")[1] == ENROLL_KID


def flip(text, index):
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


def test_signed_codes_refused_with_reasons():
    context = CodeContext("s1", None, RING)
    good = signed("voucher")
    cases = {
        flip(good, len(good) - 3): "forged voucher code",
        signed("voucher", s="s2"): "voucher code for another store",
        good.replace("MT1V.k1.", "MT1V.k9."): "unknown key id",
        good.replace("MT1V", "MT2V"): "unsupported code version",
        "MT1V.k1.not-json.AAAAAAAAAAAAAAAAAAAAAA": "malformed voucher code",
        "MT1Q.k1.abc.AAAAAAAAAAAAAAAAAAAAAA": "malformed signed code",
        signed("enroll").replace("MT1E.1.", "MT1E.0.", 1): "old unsigned enrollment code: issue a new one",
        signed("enroll").replace("MT1E.1.", "MT1E.7.", 1): "unknown enrollment code version",
        signed("enroll")[:-64]: "malformed enrollment code",  # a 22-character tail: the old checksum's size
        flip(signed("enroll"), 12): "malformed enrollment code",
    }
    for text, reason in cases.items():
        code = classify_in(text, context)
        assert (code.kind, code.reason) == ("unknown", reason), text
    assert classify(good, store_id="s1").reason == "store keys not loaded"
    assert classify_in(good, context).kind == "voucher"


def test_signed_code_payload_is_checked_before_use():
    with pytest.raises(ValueError):
        make_signed_code("voucher", {"s": "s1", "id": "V1", "v": 0, "x": 1}, "k1", KEY)  # value 0
    with pytest.raises(ValueError, match="signed by the upstream"):
        make_signed_code("enroll", {"u": "https://up.example", "t": "t" * 32, "s": "s1", "r": "kiosk", "x": 1})
    with pytest.raises(ValueError):
        make_signed_code("voucher", {"s": "s1", "id": "V1", "v": 5, "x": 1}, "k1", b"short")


def test_classify_rejects_non_text_without_echoing_it():
    with pytest.raises(TypeError) as caught:
        classify(ALIPAY.encode())  # type: ignore[arg-type]
    assert ALIPAY not in str(caught.value)


def test_captured_time_and_symbology_are_carried():
    code = classify(ALIPAY).replace(symbology="code128", captured_ns=123)
    assert (code.symbology, code.captured_ns, code.reveal()) == ("code128", 123, ALIPAY)
    assert code == classify(ALIPAY, symbology="code128")
    assert isinstance(code, ScannedCode)


def test_documented_vectors():
    """The examples in docs/scanning.md (and docs/protocol.md): key k1 = bytes 0x00..0x1f, store s1."""
    context = CodeContext("s1", None, Keyring({"k1": bytes(range(32))}))
    voucher = ("MT1V.k1.eyJpZCI6IlYxMjMiLCJzIjoiczEiLCJ2IjoxNTAwLCJ4IjoxOTAwMDAwMDAwfQ"
               ".1C4EMIkvsW23fgJ0YzQW1g")
    pickup = ("MT1P.k1.eyJuIjoiQTAxNyIsIm8iOiJhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eiIsInMiOiJzMSJ9"
              ".FI1jD_N-OBINPsA7MHyWIQ")
    enroll = ENROLL_VECTOR
    assert classify_in(voucher, context).fields == {"store": "s1", "voucher_id": "V123", "value": 1500,
                                                    "expires": 1_900_000_000}
    assert classify_in(pickup, context).fields["ticket_no"] == "A017"
    assert classify(enroll).fields == {"upstream": "https://up.example.com", "store": "s1", "role": "kiosk",
                                       "expires": 1_900_000_000}
    assert signed("enroll", t="tok_" + "A" * 26) == enroll  # Ed25519 signatures are deterministic
    assert make_signed_code("voucher", {"s": "s1", "id": "V123", "v": 1500, "x": 1_900_000_000}, "k1",
                            bytes(range(32))) == voucher


def test_enroll_codes_for_a_loopback_upstream_are_recognised_but_not_plain_http_elsewhere():
    """The demo's upstream is http://127.0.0.1: its enrollment QR must classify as enroll."""
    local = signed("enroll", u="http://127.0.0.1:8800")
    assert classify(local).kind == "enroll"
    elsewhere = classify(signed("enroll", u="http://upstream.example.com"))
    assert (elsewhere.kind, elsewhere.claimed) == ("unknown", "enroll")  # plain http across a network
