"""Linked data: every concept and scheme URI dereferences, for people and machines.

- ``GET /resource?uri=URI[&format=ttl|jsonld|rdf|nt|html][&lang=]`` answers for any
  resource the store describes (hash URIs included: escape the ``#`` as ``%23``).
- ``GET /<path>`` answers for ``<public base><path>`` when that URI is in the store
  (the public base is ``PUBLIC_BASE_URL`` / ``$GLOSSARY_PUBLIC_BASE_URL``, default
  ``https://w3id.org/semantic-glossary/``), and ``/<path>.ttl`` (``.jsonld``, ``.rdf``,
  ``.nt``, ``.html``) for one format. A hash-URI document (``/hashdoc`` for
  ``<base>hashdoc#A``) answers with the descriptions of all its fragments.

Both answer 200 directly (no 303), with ``Vary: Accept``, ``Content-Location`` naming
the per-format URL, and ``Link: rel="alternate"`` to every format. The rules are pure
functions in :mod:`glossary.linkeddata`; docs/linked-data.md explains the choices.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from glossary.concepts import Catalog, Description, serialize
from glossary.errors import GlossaryError, InputError, NotAcceptable, NotFound
from glossary.linkeddata import (
    DEFAULT_PUBLIC_BASE,
    HTML,
    Representation,
    alternates,
    negotiate,
    representation_for,
    resource_url,
    split_suffix,
    uri_for_path,
)
from service.params import open_cors, warm_enabled

bp = Blueprint("linkeddata", __name__)

#: A longest URI accepted in ``uri=`` (longer is a mistake or an attack, not a concept).
MAX_URI = 2048


def public_base() -> str:
    """The public base URL the service answers for (app config, then environment)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or os.environ.get(
        "GLOSSARY_PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE
    )
    return str(base).rstrip("/") + "/"


def catalog() -> Catalog:
    """The catalogue over the app's store (one per app, reused while the store is)."""
    from service import get_store

    state = current_app.extensions["glossary"]
    store = get_store()
    cat = state.get("catalog")
    if cat is None or cat.src is not store:
        cat = Catalog(store)
        state["catalog"] = cat
    if warm_enabled(current_app):
        version = cat.version()
        if state.get("warmed") != version:
            # Whole-vocabulary lists (seconds on a 36k-concept vocabulary) are built in
            # the background once per store version, before a visitor asks for them.
            state["warmed"] = version
            threading.Thread(target=_warm, args=(cat,), name="catalog-warm", daemon=True).start()
    return cat


def _warm(cat: Catalog) -> None:
    try:
        cat.warm()
    except GlossaryError as exc:  # the store went away (503) or changed under us
        logging.getLogger(__name__).warning("warming the catalogue failed: %s", exc)


def local_url(uri: str, suffix: str | None = None) -> str:
    """The local URL of a resource (its own path, or ``/resource?uri=``)."""
    return resource_url(public_base(), uri, suffix=suffix)


def check_uri(value: str | None) -> str:
    """The ``uri`` parameter: present, absolute, reasonably short."""
    if value is None or not value.strip():
        raise InputError(
            "the uri parameter is missing",
            where="uri",
            hint="add ?uri= with the full URI of a concept or scheme",
        )
    value = value.strip()
    if len(value) > MAX_URI or ":" not in value or any(c in value for c in ' <>"{}|\\^`'):
        raise InputError(
            f"not an absolute URI: {value[:200]!r}",
            where="uri",
            hint="give the full URI, e.g. https://w3id.org/semantic-glossary/"
            "community/community (percent-escape # as %23)",
        )
    return value


def _link_header(uri: str) -> str:
    links = [f'<{url}>; rel="alternate"; type="{mt}"' for url, mt in alternates(public_base(), uri)]
    return ", ".join(links)


def _wants_html() -> bool:
    try:
        return negotiate(request.headers.get("Accept")).is_html
    except NotAcceptable:  # answer the 404 as problem+json
        return False


def not_found(exc: NotFound) -> Response:
    """A 404: a friendly page for browsers, problem details for everyone else."""
    from service import pages, problems

    resp = pages.render_not_found(exc) if _wants_html() else problems.from_error(exc)
    resp.headers["Vary"] = "Accept"
    return resp


def answer(
    uri: str,
    rep: Representation | None,
    *,
    lang: str | None = None,
    hash_doc: list[str] | None = None,
    description: Description | None = None,
) -> Response:
    """The response for a known resource. ``rep`` is ``None`` when negotiated (then
    the Accept header decides and ``Vary: Accept`` is set)."""
    from service import pages

    negotiated = rep is None
    chosen = negotiate(request.headers.get("Accept")) if rep is None else rep
    cat = catalog()
    if hash_doc is not None:
        descriptions = [d for u in hash_doc if (d := cat.describe(u)) is not None]
        if chosen.is_html:
            resp = pages.render_hash_document(uri, descriptions, lang)
        else:
            triples = [t for d in descriptions for t in d.triples]
            resp = _rdf(triples, chosen)
    else:
        desc, view = cat.view(uri, lang, description=description)
        resp = pages.render_resource(desc, view) if chosen.is_html else _rdf(desc.triples, chosen)
        for r in view.replaced_by:
            resp.headers.add(
                "Link", f'<{local_url(r.uri)}>; rel="http://purl.org/dc/terms/isReplacedBy"'
            )
    resp.headers.add("Link", _link_header(uri))
    if negotiated:
        resp.headers["Vary"] = "Accept"
        resp.headers["Content-Location"] = local_url(uri, suffix=chosen.suffix)
    return resp


def _rdf(triples: list[Any], rep: Representation) -> Response:
    assert rep.rdf is not None
    body = serialize(triples, rep.rdf)
    mimetype = rep.rdf.media_type
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    return resp


@bp.get("/resource")
def resource() -> Response:
    uri = check_uri(request.args.get("uri"))
    fmt = request.args.get("format")
    rep = representation_for(fmt) if fmt else None
    lang = request.args.get("lang") or None
    try:
        return _answer_known(uri, rep, lang)
    except NotFound as exc:
        return not_found(exc)


def _answer_known(uri: str, rep: Representation | None, lang: str | None) -> Response:
    cat = catalog()
    desc = cat.describe(uri)
    if desc is not None:
        return answer(uri, rep, lang=lang, description=desc)
    if "#" not in uri:
        members = cat.hash_members(uri)
        if members:
            return answer(uri, rep, lang=lang, hash_doc=members)
    raise NotFound(
        f"no concept, scheme or other resource <{uri}> in the store",
        hint="check the URI; GET /api/search?q=... finds concepts by label",
    )


def _refuse_other_routes_methods(path: str) -> None:
    """``GET /api/validate`` is a 405 (that route takes POST), not a concept lookup."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)


@bp.get("/<path:path>")
def by_path(path: str) -> Response:
    """A URI under the public base, at its own path (with an optional format suffix)."""
    _refuse_other_routes_methods("/" + path)
    lang = request.args.get("lang") or None
    base = public_base()
    full = "/" + path
    try:
        cat = catalog()
        uri = uri_for_path(base, full)
        try:
            desc = cat.describe(uri)
        except InputError:  # the path makes no valid IRI: nothing can be there
            raise NotFound(f"nothing is published at {full[:200]}") from None
        if desc is not None:
            return answer(uri, None, lang=lang, description=desc)
        stem, suffix = split_suffix(full)
        if suffix is not None:
            return _answer_known(uri_for_path(base, stem), representation_for(suffix), lang)
        return _answer_known(uri, None, lang)
    except NotFound as exc:
        return not_found(exc)


open_cors(bp)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


__all__ = ["HTML", "Description", "answer", "bp", "catalog", "init_app", "local_url", "public_base"]
