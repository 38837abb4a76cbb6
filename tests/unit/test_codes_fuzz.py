"""Hypothesis over random strings and bytes: classification never crashes, never calls anything
outside the payment rules a payment, and never lets a clear payment code into a representation."""

import json
import re

from hypothesis import given, settings, strategies as st

from edge.codes import KINDS, PAYMENT_KINDS, CodeContext, classify, classify_in, make_signed_code
from edge.tables import Keyring, make_table_url

KEY = bytes(range(32))
CONTEXT = CodeContext("s1", Keyring({"k1": KEY}), Keyring({"k1": KEY}))
RULES = {"alipay": re.compile(r"(2[5-9]|30)[0-9]{14,22}"), "wechat": re.compile(r"1[0-5][0-9]{16}"),
         "unionpay": re.compile(r"62[0-9]{17}")}

digits_like = st.text(alphabet="0123456789", min_size=0, max_size=30)
near_payments = st.builds(lambda p, body, junk: p + body + junk,
                          st.sampled_from(["25", "28", "30", "10", "13", "15", "62", "24", "31", "16", "09", "61"]),
                          digits_like, st.sampled_from(["", " ", "\n", "\t", "x", "０", "٣", "\x00", "-"]))
anything = st.one_of(st.text(max_size=600), near_payments, digits_like,
                     st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")),
                     st.binary(max_size=200).map(lambda b: b.decode("latin-1")))


def check(text: str) -> None:
    code = classify_in(text, CONTEXT, "qr")
    assert code.kind in KINDS
    if code.kind in PAYMENT_KINDS:
        assert RULES[code.kind].fullmatch(text.strip()), (code.kind, text)
        clear = code.reveal()
        for out in (repr(code), str(code), json.dumps(code.to_event()), json.dumps(code.to_json())):
            assert clear not in out
    else:
        assert code.reason
    json.dumps(code.to_event())  # always serialisable


@settings(max_examples=600, deadline=None)
@given(anything)
def test_random_text(text):
    check(text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(RULES)), st.integers(0, 10**24))
def test_every_rule_shaped_code_is_recognised(kind, n):
    prefix = {"alipay": str(25 + n % 6), "wechat": str(10 + n % 6), "unionpay": "62"}[kind]
    length = {"alipay": 16 + n % 9, "wechat": 18, "unionpay": 19}[kind]
    text = (prefix + str(n).zfill(24))[:length]
    assert classify(text).kind == kind


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 200), st.characters(codec="utf-8"))
def test_one_character_changed_table_code_is_refused(position, char):
    url = make_table_url("order.example.com", "s1", "12", "k1", KEY)
    position %= len(url)
    mutated = url[:position] + char + url[position + 1:]
    code = classify_in(mutated, CONTEXT)
    if code.kind == "table":  # the host is not signed (a store may move it); everything after it is
        assert mutated.strip().split("/t/", 1)[1] == url.split("/t/", 1)[1]
        assert code.fields["table"] == "12"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 300), st.characters(codec="utf-8"))
def test_one_character_changed_voucher_is_refused(position, char):
    text = make_signed_code("voucher", {"s": "s1", "id": "V9", "v": 100, "x": 2_000_000_000}, "k1", KEY)
    position %= len(text)
    mutated = text[:position] + char + text[position + 1:]
    assert classify_in(mutated, CONTEXT).kind == ("voucher" if mutated == text else "unknown")
