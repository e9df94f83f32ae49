"""JSON API for vocabularies and concepts (CONTRACT.md), and the hierarchy endpoints
the pages' trees expand with.

- ``GET /api/vocabularies`` -> ``{"vocabularies": [{"id", "uri", "title", "concepts",
  "languages", ...}]}``
- ``GET /api/concepts?uri=URI[&lang=]`` -> the concept as JSON (``uri``, ``prefLabel``,
  ``altLabel``, ``definitions`` with attribution and source, ``broader``, ``narrower``,
  ``related`` as ``{uri, prefLabel}``, ``mappings``, ``schemes``, ...)
- ``GET /api/children?uri=URI[&lang=&vocab=&limit=]`` -> ``{"uri", "children": [{"uri",
  "prefLabel", "hasChildren"}], "more"}``
- ``GET /api/topconcepts?vocab=ID[&lang=&limit=]`` -> ``{"vocab", "topConcepts": [...],
  "more"}``

Errors are problem details: 400 for a missing or bad parameter, 404 for unknown.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request

from glossary.errors import InputError
from service.linkeddata import catalog, check_uri
from service.params import int_arg, open_cors

bp = Blueprint("api_concepts", __name__)

MAX_LIMIT = 1000


def _limit(default: int = 200) -> int:
    return int_arg("limit", default, 1, MAX_LIMIT)


def _vocab_json(v: Any) -> dict[str, Any]:
    return {
        "id": v.id,
        "uri": v.uri,
        "title": v.title,
        "concepts": v.concepts,
        "languages": list(v.languages),
        "triples": v.triples,
        "schemes": list(v.schemes),
        "loadedAt": v.loaded_at,
    }


@bp.get("/api/vocabularies")
def vocabularies() -> Response:
    return jsonify(vocabularies=[_vocab_json(v) for v in catalog().vocabularies()])


@bp.get("/api/concepts")
def concept() -> Response:
    uri = check_uri(request.args.get("uri"))
    _desc, view = catalog().view(uri, request.args.get("lang") or None)
    return jsonify(view.to_json())


@bp.get("/api/children")
def children() -> Response:
    uri = check_uri(request.args.get("uri"))
    limit = _limit()
    nodes = catalog().children(
        uri, request.args.get("lang") or None, request.args.get("vocab") or None
    )
    return jsonify(
        uri=uri, children=[n.to_json() for n in nodes[:limit]], more=max(0, len(nodes) - limit)
    )


@bp.get("/api/topconcepts")
def top_concepts() -> Response:
    vocab = request.args.get("vocab")
    if not vocab:
        raise InputError(
            "the vocab parameter is missing",
            where="vocab",
            hint="GET /api/vocabularies lists the ids",
        )
    limit = _limit()
    nodes = catalog().top_concepts(vocab, request.args.get("lang") or None)
    return jsonify(
        vocab=vocab,
        topConcepts=[n.to_json() for n in nodes[:limit]],
        more=max(0, len(nodes) - limit),
    )


open_cors(bp)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
