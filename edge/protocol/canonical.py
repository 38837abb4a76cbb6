"""Canonical JSON: the one text of a payload that both sides hash (sorted keys, no spaces, UTF-8).

The device stores an event's payload as this text and records its sha256; the upstream hashes
the same text to tell a duplicate from a conflict, and to make ETags of menus and settings.
"""

from __future__ import annotations

import json


def canonical_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
