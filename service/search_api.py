"""``GET /api/search`` (label search) and ``GET /api/related`` (related terms by meaning).

Handlers are plain functions over :class:`glossary.search.SearchIndex`; parameters are
checked here and a bad one is a 400 problem (an unknown vocabulary or concept a 404).
The index is opened once per worker and reopened when the store's live snapshot (or
the index directory's content) changes.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from glossary.errors import InputError, StoreNotReady
from glossary.search import MAX_LIMIT, SearchIndex
from service.params import int_arg, open_cors

bp = Blueprint("search_api", __name__)
open_cors(bp)

MAX_Q = 500
MAX_OFFSET = 10_000
_LANG = re.compile(r"^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$")
_VOCAB = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_lock = threading.Lock()


def _index_dir() -> Path:
    configured = current_app.config.get("GLOSSARY_INDEX_DIR")
    if configured:
        return Path(configured)
    from service import get_store

    return get_store().index_dir()


def search_index() -> SearchIndex:
    """The app's search index, (re)opened when the live index directory changed.

    In remote mode the indexes are built from the remote data in the background:
    until the first build is done this raises :class:`StoreNotReady` (503)."""
    from service import remote_indexer

    state = current_app.extensions["glossary"]
    indexer = None if current_app.config.get("GLOSSARY_INDEX_DIR") else remote_indexer()
    if indexer is not None and not indexer.ready:
        status = indexer.status()
        if status["failed"] and not status["building"]:
            raise StoreNotReady(
                "the search indexes could not be built from the remote SPARQL store: "
                + "; ".join(f"{k}: {v}" for k, v in sorted(status["failed"].items())),
                hint="they are tried again every few seconds; GET /health says more",
            )
        raise StoreNotReady(
            "the search indexes are still being built from the remote SPARQL store"
            + (f" (now: {', '.join(status['building'])})" if status["building"] else ""),
            hint="retry in a few seconds; GET /health says what is still building",
        )
    index_dir = _index_dir()
    index: SearchIndex | None = state.get("search_index")
    if index is None or index.index_dir != index_dir or index.changed():
        with _lock:
            index = state.get("search_index")
            if index is None or index.index_dir != index_dir or index.changed(every=0):
                index = SearchIndex.open(index_dir)
                state["search_index"] = index
    return index


def _text(name: str, *, required: bool) -> str | None:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        if required:
            raise InputError(f"the {name} parameter is missing or empty", where=name,
                             hint=f"add ?{name}= with the text to search for")  # fmt: skip
        return None
    if len(raw) > MAX_Q:
        raise InputError(f"{name} is longer than {MAX_Q} characters", where=name)
    return raw.strip()


def _lang() -> str | None:
    lang = request.args.get("lang") or None
    if lang is not None and not _LANG.match(lang):
        raise InputError(f"not a language tag: {lang[:50]!r}", where="lang",
                         hint="give a BCP 47 tag such as en, en-GB or fr")  # fmt: skip
    return lang


def _vocab() -> str | None:
    vocab = request.args.get("vocab") or None
    if vocab is not None and not _VOCAB.match(vocab):
        raise InputError(f"not a vocabulary id: {vocab[:50]!r}", where="vocab",
                         hint="see GET /api/vocabularies for the ids")  # fmt: skip
    return vocab


def _answer(hits: list[Any]) -> Response:
    return jsonify(results=[h.to_json() for h in hits])


@bp.get("/api/search")
def api_search() -> Response:
    q = _text("q", required=True)
    assert q is not None
    lang, vocab = _lang(), _vocab()
    limit = int_arg("limit", 10, 1, MAX_LIMIT)
    offset = int_arg("offset", 0, 0, MAX_OFFSET)
    hits = search_index().search(q, lang=lang, vocab=vocab, limit=limit, offset=offset)
    return _answer(hits)


@bp.get("/api/related")
def api_related() -> Response:
    q = _text("q", required=False)
    uri = _text("uri", required=False)
    if (q is None) == (uri is None):
        raise InputError("give exactly one of q (free text) or uri (a concept URI)",
                         where="q" if q is not None else "uri",
                         hint="e.g. /api/related?q=planning+events+for+members")  # fmt: skip
    k = int_arg("k", 10, 1, MAX_LIMIT)
    lang, vocab = _lang(), _vocab()
    hits = search_index().related(q=q, uri=uri, k=k, vocab=vocab, lang=lang)
    return _answer(hits)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
