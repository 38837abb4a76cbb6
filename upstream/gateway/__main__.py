"""`python -m upstream.gateway …` (the same commands as `edge-upstream gateway …`)."""

from upstream.gateway.cli import gateway_group

gateway_group()
