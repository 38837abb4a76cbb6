"""Start the sandbox providers and describe them as a gateway config."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from upstream.gateway.config import GatewayConfig, ProviderConfig, Timings
from upstream.gateway.sandbox.alipay import AlipaySandbox
from upstream.gateway.sandbox.keys import rsa_pair
from upstream.gateway.sandbox.ledger import Ledger, SandboxTimings
from upstream.gateway.sandbox.notifier import Notifier
from upstream.gateway.sandbox.server import SandboxServer
from upstream.gateway.sandbox.wechat import WechatSandbox

ALIPAY_APP = "2021000000000001"
ACQUIRER_APP = "2021000000000062"
WECHAT_APPID, WECHAT_MCH = "wx00000000000sandbox", "1900000001"
_KEY_CACHE: list = []


def _keys() -> dict[str, tuple[str, str]]:
    """Three RSA pairs (platform, alipay app, acquirer app); made once per process."""
    if not _KEY_CACHE:
        _KEY_CACHE.append({name: rsa_pair() for name in ("platform", "alipay", "acquirer")})
    return _KEY_CACHE[0]


@dataclass
class Sandboxes:
    ledger: Ledger
    alipay: SandboxServer
    wechat: SandboxServer
    keys: dict
    api_key: str
    routes: dict = field(default_factory=lambda: {"alipay": "alipay", "wechat": "wechat", "unionpay": "acquirer"})
    notifier: Notifier | None = None  # sends the in-app notifies of both

    def config(self, timings: Timings | None = None) -> GatewayConfig:
        k = self.keys
        providers = {
            "alipay": ProviderConfig("alipay", "alipay", self.alipay.url + "/gateway.do", {
                "app_id": ALIPAY_APP, "private_key": k["alipay"][0], "platform_public_key": k["platform"][1]}),
            "acquirer": ProviderConfig("acquirer", "alipay", self.alipay.url + "/gateway.do", {
                "app_id": ACQUIRER_APP, "private_key": k["acquirer"][0], "platform_public_key": k["platform"][1]}),
            "wechat": ProviderConfig("wechat", "wechat", self.wechat.url + "/", {
                "appid": WECHAT_APPID, "mch_id": WECHAT_MCH, "api_key": self.api_key}),
        }
        return GatewayConfig(timings or Timings(), providers, dict(self.routes))

    def write_config(self, directory: Path, timings: dict | None = None) -> Path:
        """A gateway TOML (+ key files, mode 0600) for an upstream in another process."""
        directory.mkdir(parents=True, exist_ok=True)

        def secret(name: str, text: str) -> str:
            path = directory / name
            path.write_text(text, encoding="utf-8")
            path.chmod(0o600)
            return name

        k = self.keys
        lines = ["[timings]"] + [f"{key} = {_toml(value)}" for key, value in (timings or {}).items()]
        lines += ["", "[providers.alipay]", 'kind = "alipay"', f'url = "{self.alipay.url}/gateway.do"',
                  f'app_id = "{ALIPAY_APP}"', f'private_key_file = "{secret("alipay-app.pem", k["alipay"][0])}"',
                  f'platform_public_key_file = "{secret("alipay-platform.pub.pem", k["platform"][1])}"',
                  "", "[providers.acquirer]", 'kind = "alipay"', f'url = "{self.alipay.url}/gateway.do"',
                  f'app_id = "{ACQUIRER_APP}"', f'private_key_file = "{secret("acquirer-app.pem", k["acquirer"][0])}"',
                  f'platform_public_key_file = "{secret("acquirer-platform.pub.pem", k["platform"][1])}"',
                  "", "[providers.wechat]", 'kind = "wechat"', f'url = "{self.wechat.url}/"',
                  f'appid = "{WECHAT_APPID}"', f'mch_id = "{WECHAT_MCH}"',
                  f'api_key_file = "{secret("wechat-api-key", self.api_key)}"',
                  "", "[routes]"] + [f'{c} = "{p}"' for c, p in self.routes.items()]
        path = directory / "gateway.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def stop(self) -> None:
        if self.notifier is not None:
            self.notifier.stop()
        self.alipay.stop()
        self.wechat.stop()


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def start_sandboxes(timings: SandboxTimings | None = None, alipay_port: int = 0, wechat_port: int = 0) -> Sandboxes:
    ledger = Ledger(timings)
    keys = _keys()
    api_key = secrets.token_hex(16)
    notifier = Notifier(ledger, ledger.timings.notify_retry_s)
    alipay = SandboxServer(AlipaySandbox(ledger, keys["platform"][0], {ALIPAY_APP: keys["alipay"][1],
                                                                       ACQUIRER_APP: keys["acquirer"][1]}, notifier),
                           port=alipay_port).start()
    wechat = SandboxServer(WechatSandbox(ledger, {WECHAT_MCH: api_key}, WECHAT_APPID, notifier),
                           port=wechat_port).start()
    return Sandboxes(ledger, alipay, wechat, keys, api_key, notifier=notifier)
