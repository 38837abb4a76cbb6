"""Payment providers behind one interface (base.Provider): Alipay (python-alipay-sdk) and WeChat
Pay v2 (wechatpy). Built from the gateway config; each provider module imports its SDK only
when a provider of that kind is built."""

from __future__ import annotations

from upstream.gateway.config import GatewayConfig, ProviderConfig
from upstream.gateway.providers.alipay import AlipayProvider
from upstream.gateway.providers.base import Provider
from upstream.gateway.providers.wechat import WechatProvider


def build_provider(cfg: ProviderConfig, connect_s: float, timeout_s: float) -> Provider:
    if cfg.kind == "alipay":
        return AlipayProvider(cfg, connect_s, timeout_s)
    return WechatProvider(cfg, connect_s, timeout_s)


def build_providers(config: GatewayConfig) -> dict[str, Provider]:
    t = config.timings
    return {name: build_provider(cfg, t.provider_connect_s, t.provider_timeout_s)
            for name, cfg in config.providers.items()}
