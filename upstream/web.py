"""What every upstream route does with a request: read a bounded body, parse it as bounded JSON,
and take the path+query exactly as the device signed it (docs/protocol.md "Request signing").

`parse_json` is the one place a body becomes a document. Whatever the bytes, it returns a
document or raises ApiError 400 (never a 5xx): nesting deeper than MAX_DEPTH, integers outside
64 bits (the databases' BIGINT), non-finite numbers (`1e999`, `NaN`, `Infinity`) and text that is
not valid Unicode (lone surrogates such as `"\\ud800"`) are refused before any route sees them.
"""

from __future__ import annotations

import json
import math

from fastapi import Request

from upstream.errors import ApiError

MAX_SMALL_BODY = 64 * 1024
MAX_DEPTH = 32
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
_MAX_INT_TEXT = len(str(MIN_INT))


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the body must be at most {limit // 1024} KiB")


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as the declared or streamed size passes `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise ApiError(400, "bad_request", "Content-Length must be a number of bytes")
        if len(declared) > 12 or int(declared) > limit:
            raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def page_json(request: Request, limit: int) -> object:
    """The JSON body a page of this upstream sent (the phones' table API, the member page, the
    dashboard): `application/json` only (415), no foreign `Origin` (403: another site cannot post
    for a guest or an owner), at most `limit` bytes (413), parsed by `parse_json`."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "json_only", "send the body as application/json")
    origin = request.headers.get("origin")
    if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise ApiError(403, "foreign_origin", "this page may only be used from its own site")
    return parse_json(await read_body(request, limit))


class _Refused(ValueError):
    """A number JSON allows but no field here can hold."""


def _int(text: str) -> int:
    if len(text) > _MAX_INT_TEXT or not MIN_INT <= (value := int(text)) <= MAX_INT:
        raise _Refused(f"the integer {text[:24]}{'…' if len(text) > 24 else ''} does not fit in 64 bits")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:24]} is out of range")
    return value


def _constant(text: str):
    raise _Refused(f"{text} is not a number JSON allows")


def _check_tree(doc: object) -> None:
    """Depth and text checks without recursion (a deep document cannot exhaust the stack here)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        elif isinstance(node, str):
            children = ()
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError(400, "malformed_json", "the body holds text that is not valid Unicode"
                               " (a lone surrogate escape such as \\ud800)") from None
        else:
            continue
        if children and depth >= MAX_DEPTH:
            raise ApiError(400, "too_deep", f"the body nests more than {MAX_DEPTH} levels of arrays and objects")
        stack.extend((child, depth + 1) for child in children)


def parse_json(body: bytes) -> object:
    """The document in `body`, or ApiError 400 (malformed_json, too_deep, bad_number)."""
    try:
        doc = json.loads(body, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise ApiError(400, "too_deep", f"the body nests more than {MAX_DEPTH} levels of arrays and objects") from None
    except _Refused as exc:
        raise ApiError(400, "bad_number", str(exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {str(exc)[:200]}") from None
    _check_tree(doc)
    return doc


def signed_path(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    return raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
