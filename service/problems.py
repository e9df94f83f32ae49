"""RFC 9457 problem details for every error the service returns.

A :class:`glossary.errors.GlossaryError` becomes a problem with its status and
message; an HTTP error from Werkzeug (404 for an unknown path, 405, ...) too. Bad
input never surfaces as a 500 or a traceback.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from glossary.errors import GlossaryError, NotAcceptable

PROBLEM_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}  # fmt: skip
    if request:
        body["instance"] = request.path
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)
    return resp


def from_error(exc: GlossaryError) -> Response:
    extra: dict[str, Any] = {"where": exc.where, "hint": exc.hint}
    if isinstance(exc, NotAcceptable):
        extra["offered"] = exc.offered
    resp = problem(exc.http_status, exc.title, exc.message, **extra)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


def init_app(app: Flask) -> None:
    @app.errorhandler(GlossaryError)
    def _glossary_error(exc: GlossaryError) -> Response:
        return from_error(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        resp = problem(status, exc.name, exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp
