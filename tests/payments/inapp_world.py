"""In-app payment test world: the sandbox providers (short notify retries), an upstream with a
gateway on SQLite or PostgreSQL (short in-app timings), the settle callbacks it ran, and the
customer's side: open the pay_url's page and press a button on it, over real HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pytest
import requests

from tests.payments.helpers import fast_timings, start_upstream
from tests.support import wait_for
from upstream.gateway import inapp, inapp_settle, store
from upstream.gateway.sandbox import SandboxTimings, start_sandboxes

STORE = "s1"
# a provider order can be paid 3 s (time_expire, whole seconds), then queried and closed 1 s later
INAPP = dict(inapp_expire_s=3.0, inapp_grace_s=1.0, inapp_query_interval_s=0.3, lease_s=10.0,
             provider_connect_s=5.0, provider_timeout_s=10.0)
SLOW = dict(INAPP, inapp_expire_s=120.0)  # tests that must not see the deadline
# tests of the notify's path: the gateway's own queries (every 30 s here) never learn of the payment
# before the provider's notify does; with 0.3 s a busy machine now and then let a query win the race
NOTIFY_FIRST = dict(SLOW, inapp_query_interval_s=30.0)


@dataclass
class World:
    up: object
    sandboxes: object
    settled: list = field(default_factory=list)  # attempt ids, in the order the callback saw them

    @property
    def db(self):
        return self.up.db

    @property
    def url(self) -> str:
        return self.up.url

    def start(self, bill_ref: str, amount: int = 2800, channel: str = "alipay", **kw) -> dict:
        return inapp.start_inapp(self.db, STORE, bill_ref, amount, channel, kw.get("subject", "测试茶楼 12号桌"),
                                 kw.get("return_url", self.url + "/v1/health?paid=1"))

    def row(self, attempt_id: str) -> dict:
        return store.get(self.db, attempt_id)

    def wait_state(self, attempt_id: str, *states: str, timeout: float = 30.0) -> dict:
        wait_for(lambda: self.row(attempt_id)["state"] in states, timeout, interval=0.05,
                 what=f"attempt {attempt_id} in {states}")
        return self.row(attempt_id)

    def wait_settled(self, attempt_id: str, timeout: float = 30.0) -> None:
        wait_for(lambda: self.row(attempt_id)["settled_ms"] is not None, timeout, interval=0.05,
                 what=f"attempt {attempt_id} settled")


def open_page(pay_url: str) -> tuple[str, str, str]:
    """GET the provider's page -> (html, form action URL, the form's token)."""
    page = requests.get(pay_url, timeout=10)
    assert page.status_code == 200, page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert action and token, page.text
    return page.text, urljoin(pay_url, action.group(1)), token.group(1)


def press(pay_url: str, choice: str = "pay") -> requests.Response:
    """Open the page and press 确认付款 (pay) or 取消 (cancel): the provider's answer (a redirect)."""
    _, action, token = open_page(pay_url)
    return requests.post(action, data={"token": token, "choice": choice}, allow_redirects=False, timeout=10)


def make_world(db, timings: dict, notify_retry_s=(0.2, 0.4, 0.8, 1.6), failpoint=None):
    boxes = start_sandboxes(SandboxTimings(notify_retry_s=notify_retry_s))
    up = start_upstream(db, boxes, fast_timings(**timings), failpoint=failpoint)
    world = World(up, boxes)

    def record(cb_db, row):
        if cb_db is db:
            world.settled.append(row["attempt_id"])

    inapp_settle.on_inapp_settled(record)

    def stop():
        inapp_settle.off_inapp_settled(record)
        world.up.server.stop()
        world.up.gateway.stop()
        boxes.stop()

    return world, stop


def sandbox_of(server):
    """The provider object behind a sandbox HTTP server (to sign notifies as it does)."""
    return server.httpd.RequestHandlerClass.sandbox


@pytest.fixture
def world(upstream_db):
    made, stop = make_world(upstream_db, SLOW)
    yield made
    stop()


@pytest.fixture
def notify_world(upstream_db):
    """Long query intervals: a paid order is learned of by the provider's notify."""
    made, stop = make_world(upstream_db, NOTIFY_FIRST)
    yield made
    stop()


@pytest.fixture
def quick_world(upstream_db):
    """Short deadlines: an unpaid order closes about 4 s after it starts."""
    made, stop = make_world(upstream_db, INAPP)
    yield made
    stop()
