"""``GET /openapi.json``: the OpenAPI 3 contract of every JSON endpoint.

The contract is written by hand in ``service/openapi.yaml`` (one file, reviewed like
code); this module serves it as JSON, open to any web page (CORS). tests/test_openapi.py
fails when a JSON route of the app is missing from it, or when it names a path the app
does not have; tests/test_fuzz_api.py fuzzes the app against it with schemathesis.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, json

from glossary import __version__

SPEC_FILE = Path(__file__).with_name("openapi.yaml")

bp = Blueprint("openapi", __name__)


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    """The contract as a dict, its ``info.version`` the package's version."""
    import yaml

    spec: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    spec["info"]["version"] = __version__
    return spec


@bp.get("/openapi.json")
def openapi_json() -> Response:
    resp = Response(json.dumps(load_spec(), ensure_ascii=False), mimetype="application/json")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
