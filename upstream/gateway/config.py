"""Gateway configuration: timings, providers (with the merchant keys) and channel routes.

Read from a TOML file named by `$EDGE_UPSTREAM_GATEWAY` (or given to `Gateway` directly);
`EDGE_UPSTREAM_GATEWAY=sandbox` starts the sandbox providers in this process instead (demo).
Merchant keys live only here, on the upstream: never on a device.

    [timings]                      # seconds; tests use short ones
    query_interval_s = 5.0
    deadline_s = {alipay = 45.0, wechat = 30.0, unionpay = 30.0}
    reverse_after_s = {wechat = 15.0}
    cancel_retry_s = 3.0
    cancel_tries = 5
    reconcile_interval_s = 60.0
    reconcile_rounds = 10
    provider_connect_s = 3.05
    provider_timeout_s = 10.0
    lease_s = 30.0
    inapp_expire_s = 300.0         # in-app: the provider's order can be paid this long (time_expire)
    inapp_grace_s = 10.0           # then query, and close it if unpaid: the bill can be paid again
    inapp_query_interval_s = 15.0  # query an open in-app order this often (the notify is the fast path)

    [inapp]                        # in-app payments (upstream/gateway/inapp.py)
    public_url = "https://up.example.com"   # this upstream as the providers reach it (notify_url);
                                            # default $EDGE_UPSTREAM_URL

    [providers.alipay]             # kind alipay: RSA2, python-alipay-sdk
    kind = "alipay"
    url = "https://openapi.alipay.com/gateway.do"
    app_id = "2021000000000000"
    private_key_file = "/etc/matou/alipay-app.pem"
    platform_public_key_file = "/etc/matou/alipay-platform.pub.pem"

    [providers.wechat]             # kind wechat: WeChat Pay v2, HMAC-SHA256, wechatpy
    kind = "wechat"
    url = "https://api.mch.weixin.qq.com/"
    appid = "wx0000000000000000"
    mch_id = "1900000000"
    api_key_file = "/etc/matou/wechat-api-key"
    cert_file = ""                 # merchant TLS certificate for secapi/ (reverse, refund)
    key_file = ""

    [routes]                       # channel -> provider
    alipay = "alipay"
    wechat = "wechat"
    unionpay = "acquirer"          # UnionPay codes go through an acquirer (docs/payments.md)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from upstream.gateway.states import CHANNELS

ENV = "EDGE_UPSTREAM_GATEWAY"


class GatewayConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Timings:
    query_interval_s: float = 5.0
    deadline_s: dict = field(default_factory=lambda: {"alipay": 45.0, "wechat": 30.0, "unionpay": 30.0})
    reverse_after_s: dict = field(default_factory=lambda: {"wechat": 15.0})
    cancel_retry_s: float = 3.0
    cancel_tries: int = 5
    reconcile_interval_s: float = 60.0
    reconcile_rounds: int = 10
    provider_connect_s: float = 3.05
    provider_timeout_s: float = 10.0
    lease_s: float = 30.0
    code_memory_s: float = 120.0  # how long a used code's keyed hash is kept in memory (reuse check)
    inapp_expire_s: float = 300.0
    inapp_grace_s: float = 10.0
    inapp_query_interval_s: float = 15.0

    def deadline(self, channel: str) -> float:
        return float(self.deadline_s.get(channel, 30.0))

    def reverse_after(self, provider_kind: str) -> float:
        return float(self.reverse_after_s.get(provider_kind, 0.0))


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    kind: str  # alipay | wechat
    url: str
    settings: dict  # kind-specific: app_id + keys (alipay), appid / mch_id / api key (wechat)


@dataclass(frozen=True)
class GatewayConfig:
    timings: Timings = field(default_factory=Timings)
    providers: dict = field(default_factory=dict)  # name -> ProviderConfig
    routes: dict = field(default_factory=dict)     # channel -> provider name
    public_url: str | None = None                  # [inapp] public_url: notify_url's base

    def provider_for(self, channel: str) -> str | None:
        return self.routes.get(channel)


def _read(path: str | None, base: Path) -> str:
    if not path:
        return ""
    p = Path(path)
    return (p if p.is_absolute() else base / p).read_text(encoding="utf-8").strip()


def parse_gateway_config(doc: dict, base: Path = Path(".")) -> GatewayConfig:
    """From a TOML document; key files are read now (relative to `base`)."""
    unknown = set(doc) - {"timings", "providers", "routes", "inapp"}
    if unknown:
        raise GatewayConfigError(f"unknown gateway config sections: {', '.join(sorted(unknown))}")
    known = Timings.__dataclass_fields__
    bad = set(doc.get("timings", {})) - set(known)
    if bad:
        raise GatewayConfigError(f"unknown [timings] keys: {', '.join(sorted(bad))}")
    defaults = Timings()
    timings = Timings(**{k: ({**getattr(defaults, k), **v} if isinstance(v, dict) else v)
                         for k, v in doc.get("timings", {}).items()})
    providers = {}
    for name, raw in doc.get("providers", {}).items():
        raw = dict(raw)
        kind, url = raw.pop("kind", ""), raw.pop("url", "")
        if kind not in ("alipay", "wechat") or not url:
            raise GatewayConfigError(f"[providers.{name}] needs kind = alipay | wechat and a url")
        settings = {}
        for key, value in raw.items():
            if key.endswith("_file"):
                settings[key.removesuffix("_file")] = _read(value, base) if key not in ("cert_file", "key_file") \
                    else (str(base / value) if value and not Path(value).is_absolute() else value)
            else:
                settings[key] = value
        providers[name] = ProviderConfig(name, kind, url, settings)
    routes = dict(doc.get("routes", {}))
    for channel, name in routes.items():
        if channel not in CHANNELS:
            raise GatewayConfigError(f"[routes] {channel}: channels are {', '.join(CHANNELS)}")
        if name not in providers:
            raise GatewayConfigError(f"[routes] {channel} = {name!r}: no [providers.{name}]")
    inapp = dict(doc.get("inapp", {}))
    public_url = inapp.pop("public_url", None)
    if inapp:
        raise GatewayConfigError(f"unknown [inapp] keys: {', '.join(sorted(inapp))}")
    if public_url is not None and not (isinstance(public_url, str) and public_url.startswith(("http://", "https://"))):
        raise GatewayConfigError("[inapp] public_url must be an http:// or https:// URL")
    return GatewayConfig(timings, providers, routes, public_url.rstrip("/") if public_url else None)


def load_gateway_config(path: str | Path) -> GatewayConfig:
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GatewayConfigError(f"{path}: {exc}") from None
    return parse_gateway_config(doc, path.parent)


def configured() -> str | None:
    """The gateway setting from the environment: a config file path, "sandbox", or None."""
    return os.environ.get(ENV) or None
