"""The change feed: what each load added, changed, deprecated or removed.

- ``GET /api/changes?since=&vocab=&limit=&offset=`` -> the kept change history as JSON:
  ``{"version", "since", "complete", "oldestVersion", "loads": [...], "total",
  "limit", "offset", "changes": [{"version", "loadedAt", "vocab", "uri", "change",
  "prefLabel", "prefLabels", "properties", "replacedBy"}]}``, oldest first, so that a
  client can page through it while new versions arrive at the end.
- ``GET /vocab/<id>/changes.atom`` -> the same for one vocabulary as an Atom 1.0 feed,
  newest first (``glossary.atom``).

The changes are computed at load time (``glossary.changes``); here they are only read,
once per store version. Remote mode has no loads to compare, so both answer 404
problem details that say so (docs/changes.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from glossary import __version__
from glossary.atom import MEDIA_TYPE, FeedInfo, feed
from glossary.changes import (
    HISTORY_VERSIONS,
    ConceptChange,
    History,
    VocabularyChanges,
    parse_since,
    pick_label,
    short,
)
from glossary.errors import NotFound
from service.linkeddata import catalog, local_url, public_base
from service.params import int_arg, open_cors

if TYPE_CHECKING:
    from glossary.store import Store

bp = Blueprint("changes", __name__)

MAX_LIMIT = 1000
REMOTE_HINT = (
    "the change history is made by glossary load, which compares each new version of a "
    "vocabulary with the one it replaces; in remote mode the SPARQL store is loaded by "
    "its own tools, so there is none. Ask the service instance that loads the data"
)


def _remote() -> bool:
    from service import remote_endpoint

    return remote_endpoint(current_app) is not None


def _history() -> tuple[History, dict[str, Any]]:
    """The live store's change history (read once per store version) and its
    vocabularies by id."""
    from service import get_store

    if _remote():
        raise NotFound("no change history in remote mode", hint=REMOTE_HINT)
    store = cast("Store", get_store())
    live = store.snapshot
    state = current_app.extensions["glossary"]
    cached: History | None = state.get("changes_history")
    if cached is None or cached.live != live:
        cached = History.read(store.path, live)
        state["changes_history"] = cached
    return cached, {v.id: v for v in store.vocabularies()}


def _lang(vocab: Any) -> str:
    """The vocabulary's display language, as its pages pick it."""
    return catalog().default_lang(vocab)


def _change_json(rec: VocabularyChanges, c: ConceptChange, lang: str) -> dict[str, Any]:
    return {
        "version": rec.version,
        "loadedAt": rec.loaded_at,
        "vocab": rec.vocab,
        "uri": c.uri,
        "change": c.kind,
        "prefLabel": c.label(lang),
        "prefLabels": c.labels,
        "properties": [short(p) for p in c.properties],
        "replacedBy": [
            {"uri": r["uri"], "prefLabel": pick_label(r["labels"], lang)} for r in c.replaced_by
        ],
    }


def _load_json(rec: VocabularyChanges) -> dict[str, Any]:
    return {
        "version": rec.version,
        "loadedAt": rec.loaded_at,
        "vocab": rec.vocab,
        "source": rec.source,
        "first": rec.first,
        "concepts": rec.concepts,
        "previousLoadedAt": rec.previous_loaded_at,
        "previousSource": rec.previous_source,
        "counts": rec.counts(),
        "otherResources": rec.others,
    }


@bp.get("/api/changes")
def changes() -> Response:
    since_raw = request.args.get("since") or None
    since = parse_since(since_raw)
    vocab = request.args.get("vocab") or None
    limit = int_arg("limit", 100, 1, MAX_LIMIT)
    offset = int_arg("offset", 0, 0, 100_000_000)
    history, vocabs = _history()
    if vocab is not None and vocab not in vocabs and all(r.vocab != vocab for r in history.records):
        known = ", ".join(sorted(vocabs)) or "none"
        raise NotFound(f"no vocabulary {vocab!r} in the store (loaded: {known})", where="vocab",
                       hint="GET /api/vocabularies lists the ids")  # fmt: skip
    records = history.select(since, vocab)
    total = sum(len(r.changes) for r in records)
    page: list[dict[str, Any]] = []
    skip = offset
    for rec in records:
        if len(page) >= limit:
            break
        if skip >= len(rec.changes):
            skip -= len(rec.changes)
            continue
        lang = _lang(vocabs.get(rec.vocab))
        for c in rec.changes[skip : skip + limit - len(page)]:
            page.append(_change_json(rec, c, lang))
        skip = 0
    return jsonify(
        version=history.live,
        since=since_raw,
        complete=history.complete(since),
        oldestVersion=history.oldest,
        keptVersions=HISTORY_VERSIONS,
        loads=[_load_json(r) for r in records],
        total=total,
        limit=limit,
        offset=offset,
        changes=page,
    )


@bp.get("/vocab/<vocab_id>/changes.atom")
def atom(vocab_id: str) -> Response:
    history, vocabs = _history()
    vocab = vocabs.get(vocab_id)
    if vocab is None:
        known = ", ".join(sorted(vocabs)) or "none"
        raise NotFound(f"no vocabulary {vocab_id!r} in the store (loaded: {known})",
                       hint="GET /api/vocabularies lists the ids")  # fmt: skip
    host = request.host_url.rstrip("/")
    info = FeedInfo(
        vocab=vocab_id,
        title=vocab.title or vocab_id,
        self_url=host + changes_feed_url(vocab_id),
        page_url=f"{host}/vocab/{quote(vocab_id)}/",
        updated=vocab.loaded_at,
        base=public_base(),
        generator_version=__version__,
    )
    body = feed(info, history.select(parse_since(None), vocab_id),
                link=lambda uri: host + local_url(uri), lang=_lang(vocab))  # fmt: skip
    return Response(body, mimetype=MEDIA_TYPE)


def changes_feed_url(vocab_id: str) -> str:
    return f"/vocab/{quote(vocab_id)}/changes.atom"


def _feed_link(vocab_id: str) -> str | None:
    """For templates: the vocabulary's feed, None in remote mode (no change history)."""
    return None if _remote() else changes_feed_url(vocab_id)


open_cors(bp)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["changes_feed"] = _feed_link
