"""A phone at a table without a browser: a requests session holding the table's cookie."""

from __future__ import annotations

import json
import uuid

import requests

from tests.sync.fixtures import signed
from upstream import table_sessions
from upstream.errors import now_ms


def phone(up, table: str = "12", store: str = "s1") -> requests.Session:
    """What a scan of the table's code gives a phone: the table's session and a cookie for it."""
    session = table_sessions.open_or_join(up.db, store, table, now_ms())
    token = table_sessions.issue_token(up.db, session, now_ms())
    client = requests.Session()
    client.cookies.set(table_sessions.COOKIE, token)
    client.base = up.url
    return client


def state(client, **params) -> dict:
    answer = client.get(f"{client.base}/v1/table/state", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def add(client, item: str = "har_gow", qty: int = 1, **extra):
    return client.post(f"{client.base}/v1/table/cart", json={"op": "add", "item_id": item, "qty": qty, **extra},
                       timeout=10)


def submit(client, token: str | None = None):
    return client.post(f"{client.base}/v1/table/rounds", json={"client_token": token or uuid.uuid4().hex},
                       timeout=10)


def commands(device) -> list[dict]:
    return signed(device, "GET", "/v1/devices/me/commands").json()["commands"]


def ack(device, command_id: str, status: str = "applied", **result) -> None:
    body = json.dumps({"acks": [{"command_id": command_id, "status": status, "result": result}]}).encode()
    assert signed(device, "POST", "/v1/devices/me/commands/ack", body).status_code == 200
