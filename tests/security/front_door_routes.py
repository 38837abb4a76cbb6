"""The core's routes as its app declares them, with real ids in their paths: what the front door
and fuzz tests send to (tests/security/test_core_front_door.py, test_core_fuzz.py)."""

from __future__ import annotations

import re

from edge.core.app import create_app

STATE_CHANGING = ("post", "put", "patch", "delete")


def core_routes() -> list[tuple[str, str]]:
    """(METHOD, path template) of every route of the core's API, from its OpenAPI description."""
    paths = create_app(None).openapi()["paths"]  # the service is not needed to list routes
    return sorted((method.upper(), path) for path, operations in paths.items() for method in operations)


def state_changing_routes() -> list[tuple[str, str]]:
    return [(method, path) for method, path in core_routes() if method.lower() in STATE_CHANGING]


def read_routes() -> list[str]:
    return [path for method, path in core_routes() if method == "GET"]


def fill(path: str, ids: dict[str, str]) -> str:
    """The path with its {parameters} replaced by `ids` (else "x")."""
    return re.sub(r"\{(\w+)\}", lambda match: ids.get(match.group(1), "x"), path)
