"""Attempt states of the gateway, and the reasons a payment did not go through."""

from __future__ import annotations

PAYING = "paying"            # the pay request is (or may be) at the provider; the code is in memory only
QUERYING = "querying"        # user paying / outcome unknown: query until the deadline
CANCELLING = "cancelling"    # cancel / reverse until the provider says closed (or refunded)
REFUNDING = "refunding"      # money was taken but must not be kept: refund it
RECONCILE = "reconcile"      # cancel or refund still unknown: try again later
ATTENTION = "attention"      # reconcile gave up: a human must look (edge-upstream gateway list)
SUCCEEDED = "succeeded"
FAILED = "failed"            # definite failure, nothing taken (reason says why)
CLOSED = "closed"            # cancelled / reversed, nothing kept
REFUNDED = "refunded"        # money was taken and given back
ABANDONED = "abandoned"      # tombstone: the device gave the attempt up before the gateway saw it

FINAL = (SUCCEEDED, FAILED, CLOSED, REFUNDED, ABANDONED)
RUNNING = (PAYING, QUERYING, CANCELLING, REFUNDING, RECONCILE)
STATES = RUNNING + (ATTENTION,) + FINAL
CHANNELS = ("alipay", "wechat", "unionpay")

# reasons (attempt.reason); the device turns them into plain words (edge/payments/messages.py)
REASONS = ("insufficient_funds", "code_expired", "code_invalid", "code_used", "declined", "provider_error",
           "timed_out", "cancelled", "cash", "amount_mismatch", "duplicate", "unknown_delivery")
