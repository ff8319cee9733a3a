"""Checks on a request before its body is read: media type (415) and body size (413).

``RequestGuard`` is ASGI middleware with one rule per POST route: the media types the
route reads and the most bytes it accepts. A declared ``Content-Length`` over the limit
is refused at once; a body sent without one (chunked) is counted as it arrives and the
read fails with a 413 ``ApiError`` the moment it passes the limit, so no route ever
holds more than its limit. Every other request is capped at the server-wide limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.serve.errors import ApiError, error_response


@dataclass(frozen=True)
class Rule:
    """What one route accepts."""

    media_types: tuple[str, ...]
    max_bytes: int


def media_type(headers: Headers) -> str:
    """The request's media type, lower case, without parameters ("" when absent)."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


def accepts(media: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``media`` is one of ``allowed`` (``+json`` types count as JSON)."""
    json_like = media.startswith("application/") and media.endswith("+json")
    return media in allowed or ("application/json" in allowed and json_like)


def declared_length(headers: Headers) -> int | None:
    """The ``Content-Length`` header as a number (None when absent or not a number)."""
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"request body too large (limit {limit} bytes)")


class RequestGuard:
    """415 for a POST of the wrong media type, 413 for a body over its route's limit."""

    def __init__(self, app: ASGIApp, rules: dict[str, Rule], max_bytes: int) -> None:
        self.app, self.rules, self.max_bytes = app, rules, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        rule = self.rules.get(scope["path"]) if scope["method"] == "POST" else None
        limit = rule.max_bytes if rule else self.max_bytes
        refusal = None
        if rule and not accepts(media_type(headers), rule.media_types):
            got = media_type(headers) or "no Content-Type"
            refusal = ApiError(415, f"expected {' or '.join(rule.media_types)}, got {got}")
        elif (declared_length(headers) or 0) > limit:
            refusal = too_large(limit)
        if refusal is not None:
            response = error_response(refusal.status_code, refusal.detail, refusal.code)
            await response(scope, receive, send)
            return
        await self.app(scope, counting_receive(receive, limit), send)


def counting_receive(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises a 413 ``ApiError`` once more than ``limit`` bytes arrived."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)
        return message

    return wrapped
