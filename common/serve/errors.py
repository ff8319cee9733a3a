"""Every error the server returns is one JSON shape: ``{"error": {status, code, message}}``.

``ApiError`` is raised by the routes (and by the body limit while a body is read); the
handlers installed by ``install_error_handlers`` also reshape FastAPI's own 404/405 and
request-validation (422) errors, so clients parse one format. Messages are one line.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(StarletteHTTPException):
    """An HTTP error with a one-line message; FastAPI re-raises these untouched."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(status_code=status, detail=message)
        self.code = code or CODES.get(status, "error")


def error_body(status: int, message: str, code: str | None = None) -> dict:
    """The JSON document of an error response."""
    code = code or CODES.get(status, "error")
    return {"error": {"status": status, "code": code, "message": message}}


def error_response(status: int, message: str, code: str | None = None) -> JSONResponse:
    """A JSON error response (``Retry-After`` on 503: the queue drains within seconds)."""
    headers = {"Retry-After": "1"} if status == 503 else None
    return JSONResponse(error_body(status, message, code), status_code=status, headers=headers)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def validation_message(exc: RequestValidationError) -> str:
    """``field: what is wrong`` for each invalid parameter, joined on one line."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "form"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", ""))
    return _one_line("; ".join(parts)) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Route HTTP, validation and unexpected errors to ``error_response``."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, ApiError):
            return error_response(exc.status_code, _one_line(exc.detail), exc.code)
        message = _one_line(exc.detail) if exc.detail else CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, validation_message(exc))

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        return error_response(500, f"internal error ({type(exc).__name__})")
