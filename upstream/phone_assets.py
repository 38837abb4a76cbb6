"""The phone page's style and script (upstream/static/): read once, named by their content's hash
so a phone may keep them for a year, and sent gzipped to every browser that takes gzip (the
stores' networks are poor: the page's weight is counted in gzipped bytes)."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

STATIC = Path(__file__).with_name("static")
TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}
YEAR_S = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    name: str
    media_type: str
    body: bytes
    gzipped: bytes
    version: str

    @property
    def url(self) -> str:
        return f"/static/{self.name}?v={self.version}"


def _load(name: str) -> Asset:
    body = (STATIC / name).read_bytes()
    return Asset(name, TYPES[name.rsplit(".", 1)[1]], body, gzip.compress(body, 9, mtime=0),
                 hashlib.sha256(body).hexdigest()[:12])


ASSETS = {a.name: a for a in (_load("phone.css"), _load("phone.js"))}
URLS = {"css": ASSETS["phone.css"].url, "js": ASSETS["phone.js"].url}


def takes_gzip(request: Request) -> bool:
    return any(part.split(";")[0].strip().lower() == "gzip"
               for part in request.headers.get("accept-encoding", "").split(","))


def encoded(request: Request, body: bytes, gzipped: bytes | None = None) -> tuple[bytes, dict[str, str]]:
    """The body as this browser takes it: gzipped when it says it takes gzip."""
    if not takes_gzip(request):
        return body, {"Vary": "Accept-Encoding"}
    return (gzipped if gzipped is not None else gzip.compress(body, 6)), {"Content-Encoding": "gzip",
                                                                          "Vary": "Accept-Encoding"}


def asset_response(request: Request, name: str) -> Response | None:
    """The asset `name`, or None when there is no such asset."""
    asset = ASSETS.get(name)
    if asset is None:
        return None
    etag = f'"{asset.version}"'
    cache = (f"public, max-age={YEAR_S}, immutable" if request.query_params.get("v") == asset.version
             else "no-cache")
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": cache})
    body, headers = encoded(request, asset.body, asset.gzipped)
    return Response(body, media_type=asset.media_type,
                    headers={**headers, "ETag": etag, "Cache-Control": cache, "X-Content-Type-Options": "nosniff"})
