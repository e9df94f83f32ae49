"""``GET /health``: 200 once the store and indexes are ready, 503 before."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify

from glossary import __version__
from glossary.errors import StoreNotReady

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Response:
    state = current_app.extensions["glossary"]
    if state.get("ready") is False:
        raise StoreNotReady("the store is still being prepared", hint="retry in a few seconds")
    return jsonify(status="ok", version=__version__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
