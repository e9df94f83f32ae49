"""Reading request parameters, with errors a person can act on (400 problem details)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Flask, Response, request

from glossary.errors import InputError
from glossary.negotiation import choose

#: A JSONP callback: a JavaScript name, or a few dotted ones.
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]{0,63}(\.[A-Za-z_$][\w$]{0,63}){0,4}$")


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """The query parameter ``name`` as an int in ``[lo, hi]``; ``default`` when absent."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(
            f"{name} must be a whole number, not {raw[:50]!r}",
            where=name,
            hint=f"give {name}={default}, between {lo} and {hi}",
        ) from None
    if not lo <= value <= hi:
        raise InputError(f"{name} must be between {lo} and {hi}, not {value}", where=name)
    return value


def json_answer(data: Any, offers: Sequence[str] = ("application/json",)) -> Response:
    """``data`` as JSON, typed as the offer ``Accept`` prefers (the first when it names
    none), or as JSONP (``application/javascript``) when a GET names a ``callback``."""
    body = json.dumps(data, ensure_ascii=False)
    callback = request.args.get("callback") if request.method == "GET" else None
    if callback:
        if not _CALLBACK.match(callback):
            raise InputError(
                f"not a JavaScript function name: {callback[:50]!r}",
                where="callback",
                hint="e.g. callback=jsonp123",
            )
        return Response(f"/**/{callback}({body});", mimetype="application/javascript")
    resp = Response(body, mimetype=choose(request.headers.get("Accept"), offers) or offers[0])
    if len(offers) > 1:
        resp.headers["Vary"] = "Accept"
    return resp


def float_arg(name: str, default: float, lo: float, hi: float) -> float:
    """The query parameter ``name`` as a number in ``[lo, hi]``; ``default`` when absent."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not lo <= value <= hi:  # NaN and infinities fail here too
        raise InputError(f"{name} must be a number between {lo} and {hi}, not {raw[:50]!r}",
                         where=name, hint=f"e.g. {name}={default}")  # fmt: skip
    return value


def open_cors(bp: Blueprint, *, expose: str = "Link, Content-Location, Vary") -> None:
    """Every answer of ``bp`` is readable from any web page (the data is public), errors
    and preflights included: browsers' autocomplete widgets, OpenRefine, Cocoda."""

    def headers(resp: Response) -> Response:
        resp.headers.setdefault("Access-Control-Allow-Origin", "*")
        resp.headers.setdefault("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        resp.headers.setdefault("Access-Control-Allow-Headers", "Content-Type, Accept")
        resp.headers.setdefault("Access-Control-Expose-Headers", expose)
        resp.headers.setdefault("Access-Control-Max-Age", "86400")
        return resp

    bp.after_request(headers)
    if bp.url_prefix:
        # What routing answers before any blueprint is chosen, under the prefix: the
        # 308 to a path's trailing-slash form, a 404 (a browser follows the redirect
        # only if it too carries the CORS headers).
        prefix = bp.url_prefix.rstrip("/") + "/"

        @bp.after_app_request
        def _routing(resp: Response) -> Response:
            if request.blueprint is None and (request.path + "/").startswith(prefix):
                return headers(resp)
            return resp


def warm_enabled(app: Flask) -> bool:
    """``GLOSSARY_WARM_CACHES`` (app config, else environment; default on)."""
    value = app.config.get("GLOSSARY_WARM_CACHES")
    if value is None:
        value = os.environ.get("GLOSSARY_WARM_CACHES", "1")
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")
