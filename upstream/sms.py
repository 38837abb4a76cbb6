"""Sending a text message (the members' one-time codes): a small interface and its senders.

- `OutboxSender` (the default; demo and tests): writes each message to the upstream's
  `sms_outbox` table (the number encrypted, masked, keyed-hashed), where the demo shows it and
  the tests read it. Nothing leaves the machine.
- A real SMS provider plugs in by naming a class: EDGE_UPSTREAM_SMS=package.module:ClassName. The
  class is built with the database (`Class(db)`) and has `send(store_id, phone, text)`; it must
  raise on failure (the guest is then told to try again) and must not log the number or the text.
"""

from __future__ import annotations

import importlib
import os
from typing import Protocol

from upstream import member_phones
from upstream.errors import now_ms
from upstream.sql import Database

SENDER_ENV = "EDGE_UPSTREAM_SMS"


class Sender(Protocol):
    def send(self, store_id: str, phone: str, text: str) -> None: ...


class OutboxSender:
    """Keeps each message in `sms_outbox` instead of sending it."""

    def __init__(self, db: Database):
        self.db = db

    def send(self, store_id: str, phone: str, text: str) -> None:
        self.db.execute("INSERT INTO sms_outbox (store_id, phone_hash, phone_cipher, phone_masked, text, created_ms)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        [store_id, member_phones.phone_hash(self.db, store_id, phone),
                         member_phones.encrypt(self.db, phone), member_phones.mask(phone), text, now_ms()])


def sender_for(db: Database) -> Sender:
    """The sender $EDGE_UPSTREAM_SMS names (module:Class), else the outbox."""
    named = os.environ.get(SENDER_ENV, "").strip()
    if not named:
        return OutboxSender(db)
    module, _, name = named.partition(":")
    try:
        return getattr(importlib.import_module(module), name)(db)
    except (ImportError, AttributeError, ValueError) as exc:
        raise RuntimeError(f"{SENDER_ENV}={named!r} is not a module:Class that can be built: {exc}") from None
