"""``GET /health``: 200 once the store is ready, 503 (problem+json) before."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify

from glossary import __version__
from glossary.errors import StoreNotReady
from service import get_store

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Response:
    store = get_store()
    vocabularies = store.vocabularies()
    if not vocabularies:
        raise StoreNotReady(
            "the store holds no vocabulary yet",
            hint="glossary serve fills an empty store with the bundled glossary; "
            "or load one with glossary load FILE",
        )
    return jsonify(
        status="ok",
        version=__version__,
        vocabularies=len(vocabularies),
        concepts=sum(v.concepts for v in vocabularies),
        snapshot=store.snapshot,
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
