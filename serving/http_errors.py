"""Every error the service answers in OpenAI's shape, the framework's own (401, 404, 405, 422) too.

Installed as a ZenML app extension (serving/deploy.py), so clients built for OpenAI read the
message of a missing key or an unknown route instead of FastAPI's ``{"detail": ...}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from serving.openai_api import ApiError

ROUTES = (
    "POST /v1/chat/completions, POST /v1/completions, GET /v1/models, POST /v1/feedback, GET /health, GET /"
)
_CODES = {401: ("invalid_api_key", "authentication_error"), 404: ("not_found", "invalid_request_error"),
          405: ("method_not_allowed", "invalid_request_error")}  # fmt: skip


def _message(request: Request, status: int, detail: str) -> str:
    if status == 401:
        return (f"{detail}: send the deployment's key as 'Authorization: Bearer <key>' "
                "(`agent-factory serve --status` shows it)")  # fmt: skip
    if status == 404:
        return f"no route {request.method} {request.url.path}; this service has {ROUTES}"
    if status == 405:
        return f"{request.url.path} does not take {request.method}; this service has {ROUTES}"
    return detail


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    code, kind = _CODES.get(exc.status_code, ("http_error", "invalid_request_error"))
    error = ApiError(exc.status_code, _message(request, exc.status_code, str(exc.detail)), code, kind)
    return JSONResponse(error.body(), status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = ".".join(str(p) for p in first["loc"]) or "body"
    return JSONResponse(ApiError(400, f"{field}: {first['msg']}", "invalid_request", param=field).body(), 400)


def install(app_runner: Any) -> None:
    """The ZenML app extension: OpenAI-shaped handlers on the deployment's FastAPI app."""
    app = app_runner.asgi_app
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
