"""``GET /api/mappings/suggest?from=&to=``: suggested SKOS mappings between two loaded
vocabularies, as JSON or as SSSOM TSV (``format=tsv`` or ``Accept:
text/tab-separated-values``). See docs/mappings.md.

A whole-vocabulary suggestion takes seconds (STW to UNESCO: scripts/evaluate_mappings.py
prints it), so each worker keeps the last few answers for the index it has open.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from glossary.errors import InputError
from glossary.mappings.sssom import mapping_set_json, write_sssom
from glossary.mappings.suggest import (
    DEFAULT_EXACT_AT,
    DEFAULT_THRESHOLD,
    MAX_LIMIT,
    Suggestion,
    suggest_mappings,
    to_mapping_set,
)
from glossary.negotiation import choose
from glossary.search.build import check_vocab_id
from service.params import float_arg, int_arg, open_cors
from service.search_api import search_index

bp = Blueprint("mappings_api", __name__)
open_cors(bp)

DEFAULT_LIMIT = 1000
TSV = "text/tab-separated-values"
_CACHED = 8
_lock = threading.Lock()


def _vocab(name: str) -> str:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        raise InputError(
            f"the {name} parameter is missing",
            where=name,
            hint="give two vocabulary ids: ?from=ID&to=ID (GET /api/vocabularies)",
        )
    if len(raw) > 100 or not _valid_id(raw):
        raise InputError(
            f"not a vocabulary id: {raw[:50]!r}",
            where=name,
            hint="see GET /api/vocabularies for the ids",
        )
    return raw


def _valid_id(raw: str) -> bool:
    try:
        check_vocab_id(raw)  # the rule vocabulary ids follow (glossary/search/build.py)
    except InputError:
        return False
    return True


def _format() -> str:
    fmt = request.args.get("format")
    if fmt:
        if fmt not in ("json", "tsv"):
            raise InputError(f"format must be json or tsv, not {fmt[:20]!r}", where="format")
        return fmt
    chosen = choose(request.headers.get("Accept"), ["application/json", TSV])
    return "tsv" if chosen == TSV else "json"


def _suggestions(source: str, target: str, threshold: float, exact_at: float) -> list[Suggestion]:
    index = search_index()
    state = current_app.extensions["glossary"]
    with _lock:
        cache: OrderedDict[tuple[Any, ...], list[Suggestion]] = state.setdefault(
            "mapping_suggestions", OrderedDict()
        )
        key = (id(index), source, target, threshold, exact_at)
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    found = suggest_mappings(index, source, target, threshold=threshold, exact_at=exact_at)
    with _lock:
        cache[key] = found
        while len(cache) > _CACHED:
            cache.popitem(last=False)
    return found


@bp.get("/api/mappings/suggest")
def api_suggest() -> Response:
    source, target = _vocab("from"), _vocab("to")
    threshold = float_arg("threshold", DEFAULT_THRESHOLD, 0.0, 1.0)
    exact_at = float_arg("exact_at", DEFAULT_EXACT_AT, 0.0, 1.0)
    limit = int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    fmt = _format()
    found = _suggestions(source, target, threshold, exact_at)
    from service import get_store

    store = get_store()
    ms = to_mapping_set(
        found[:limit],
        source,
        target,
        model=search_index().models[source],
        threshold=threshold,
        source_uri=store.vocabulary(source).uri,
        target_uri=store.vocabulary(target).uri,
    )
    if fmt == "tsv":
        resp = Response(write_sssom(ms), mimetype=TSV)
        resp.headers["Content-Type"] = f"{TSV}; charset=utf-8"
        resp.headers["Content-Disposition"] = f'inline; filename="{source}-{target}.sssom.tsv"'
    else:
        resp = jsonify(mapping_set_json(ms, total=len(found)))
    resp.headers["Vary"] = "Accept"
    return resp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
