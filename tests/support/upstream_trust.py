"""A device config that trusts a test's upstream, as the installer sets it (docs/technician.md
"Enrollment"): its base URL on the [upstream] allow-list and its code-signing key pinned.

    extra = trust_section(url, upstream_db)          # config text for a core started from a file
    config = trusting(config, url, upstream_db)      # a loaded Config, for edge.sync.enroll.enroll
"""

from __future__ import annotations

import dataclasses

from edge.config import Config, UpstreamConfig
from upstream.code_signing import public_key


def trust_section(url: str, db, pin: bool = True) -> str:
    key = public_key(db) if pin else ""
    return f'[upstream]\nallowed_urls = ["{url}"]\npublic_key = "{key}"\n'


def trusting(config: Config, url: str, db, pin: bool = True) -> Config:
    return dataclasses.replace(config, upstream=UpstreamConfig((url,), public_key(db) if pin else ""))
