"""A payment's message says each thing once: a cancelled payment is not
'支付已取消，未扣款（已取消，未扣款）' nor 'Payment cancelled: nothing was taken (Cancelled: nothing was taken)'."""

from __future__ import annotations

from edge.payments.messages import message


def test_a_cancel_says_nothing_twice():
    said = message("abandoned", None, "cancelled", False)
    assert said == {"zh": "支付已取消，未扣款", "en": "Payment cancelled: nothing was taken"}


def test_a_reason_that_adds_something_is_kept_without_its_repeat():
    said = message("closed", None, "timed_out", False)
    assert said == {"zh": "支付已撤销，未扣款（支付超时）",
                    "en": "Payment cancelled: nothing was taken (Payment timed out)"}
    for text in said.values():
        assert text.count("未扣款") + text.count("nothing was taken") == 1
