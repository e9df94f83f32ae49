"""``GET /health``: 200 once the store is ready, 503 (problem+json) before."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify

from glossary import __version__
from glossary.errors import StoreError, StoreNotReady
from service import get_store, problems

bp = Blueprint("health", __name__)


#: Seconds a client is asked to wait before it asks again while the store is not ready.
RETRY_AFTER = 5


@bp.get("/health")
def health() -> Response:
    try:
        store = get_store()
        vocabularies = store.vocabularies()
        if not vocabularies:
            raise StoreNotReady(
                "the store holds no vocabulary yet",
                hint="glossary serve fills an empty store with the bundled glossary; "
                "or load one with glossary load FILE",
            )
    except (StoreNotReady, StoreError) as exc:
        resp = problems.from_error(exc)
        resp.headers["Retry-After"] = str(RETRY_AFTER)
        return resp
    return jsonify(
        status="ok",
        version=__version__,
        vocabularies=len(vocabularies),
        concepts=sum(v.concepts for v in vocabularies),
        snapshot=store.snapshot,
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
