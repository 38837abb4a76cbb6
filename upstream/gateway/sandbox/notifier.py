"""The sandbox providers' notify sender: POST the provider's signed notify to the merchant's
notify_url over real HTTP, and send it again on the provider's schedule until the merchant
answers with the provider's success text (Alipay: `success`; WeChat Pay: return_code SUCCESS).

Each notify runs in its own daemon thread; every try is written to the ledger's `notices`
(tests read what was sent and replay it)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from upstream.gateway.sandbox.ledger import Ledger


class Notifier:
    def __init__(self, ledger: Ledger, retry_s: tuple, timeout_s: float = 5.0):
        self.ledger, self.retry_s, self.timeout_s = ledger, tuple(retry_s), timeout_s
        self._stopping = threading.Event()

    def send(self, out_trade_no: str, url: str, body: bytes, content_type: str, ok: Callable[[bytes], bool]) -> None:
        thread = threading.Thread(target=self._run, args=(out_trade_no, url, body, content_type, ok),
                                  name=f"sandbox-notify-{out_trade_no[:8]}", daemon=True)
        thread.start()

    def _run(self, out_trade_no: str, url: str, body: bytes, content_type: str, ok: Callable[[bytes], bool]) -> None:
        import requests

        session = requests.Session()  # one per notify: sessions are not shared between threads
        session.trust_env = False  # never through a proxy from the environment
        with session:
            self._deliver(session, out_trade_no, url, body, content_type, ok)

    def _deliver(self, session, out_trade_no: str, url: str, body: bytes, content_type: str,
                 ok: Callable[[bytes], bool]) -> None:
        for pause in (0.0, *self.retry_s):
            if self._stopping.wait(pause):
                return
            answer, status = b"", 0
            try:
                reply = session.post(url, data=body, headers={"Content-Type": content_type},
                                           timeout=self.timeout_s, allow_redirects=False)
                answer, status = reply.content[:2000], reply.status_code
            except Exception as exc:  # noqa: BLE001 - unreachable merchant: try again later
                answer = f"{type(exc).__name__}".encode()
            accepted = status == 200 and ok(answer)
            with self.ledger.lock:
                self.ledger.notices.append({"out_trade_no": out_trade_no, "url": url, "body": body,
                                            "content_type": content_type, "status": status, "answer": answer,
                                            "ok": accepted})
            if accepted:
                return

    def stop(self) -> None:
        self._stopping.set()
