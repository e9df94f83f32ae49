"""``GET /health``: 200 once the store is ready, 503 (problem+json) before.

In remote mode (``GLOSSARY_SPARQL_ENDPOINT``) the store is ready when the remote store
answers and holds a vocabulary graph, and the search indexes built from it are ready;
until then the 503 says what is still building (``building``), and afterwards the 200
does (``indexes``): a vocabulary added remotely is indexed while the others serve.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, jsonify

from glossary import __version__
from glossary.errors import StoreError, StoreNotReady
from service import get_store, problems, remote_indexer

bp = Blueprint("health", __name__)


#: Seconds a client is asked to wait before it asks again while the store is not ready.
RETRY_AFTER = 5


def _not_ready(exc: StoreNotReady | StoreError, **extra: Any) -> Response:
    resp = problems.problem(exc.http_status, exc.title, exc.message, where=exc.where,
                            hint=exc.hint, **extra)  # fmt: skip
    resp.headers["Retry-After"] = str(RETRY_AFTER)
    return resp


@bp.get("/health")
def health() -> Response:
    indexes: dict[str, Any] | None = None
    try:
        store = get_store()
        vocabularies = store.vocabularies()
        if not vocabularies:
            raise StoreNotReady(
                "the store holds no vocabulary yet",
                hint="glossary serve fills an empty store with the bundled glossary; "
                "or load one with glossary load FILE",
            )
        indexer = remote_indexer()
        if indexer is not None:
            indexes = indexer.status()
            if not indexes["ready"]:
                return _not_ready(
                    StoreNotReady(
                        "the search indexes are still being built from the remote store",
                        hint="retry in a few seconds; pages, JSON and SPARQL already answer",
                    ),
                    building=indexes["building"], failed=indexes["failed"] or None,
                )  # fmt: skip
    except (StoreNotReady, StoreError) as exc:
        return _not_ready(exc)
    body: dict[str, Any] = {
        "status": "ok",
        "version": __version__,
        "vocabularies": len(vocabularies),
        "concepts": sum(v.concepts for v in vocabularies),
        "snapshot": store.snapshot,
    }
    if indexes is not None:
        body["store"] = {"remote": getattr(store, "endpoint", None)}
        body["indexes"] = {k: indexes[k] for k in ("indexed", "building", "failed")}
    return jsonify(body)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
