"""Sandbox payment providers: real HTTP servers on 127.0.0.1 that speak Alipay's wire format
(form POST, JSON answers, RSA2 both ways) and WeChat Pay v2's (XML, HMAC-SHA256), and play a
scenario chosen by the last two digits of the payment code (docs/payments.md, "Test codes").

`start_sandboxes()` runs both (plus the acquirer route for UnionPay, on the Alipay-format
server with its own app id) in threads and returns them with a gateway config for them. The
sandboxes keep their books (`Ledger`) in memory only: tests ask them what was charged.
"""

from upstream.gateway.sandbox.ledger import SCENARIOS, TEST_CODES, Ledger, SandboxTimings, scenario_of  # noqa: F401
from upstream.gateway.sandbox.run import Sandboxes, start_sandboxes  # noqa: F401
