"""``/reconcile``: the W3C Reconciliation Service API 0.2 (OpenRefine, Cocoda).

- ``GET /reconcile`` -> the service manifest; with ``queries=`` -> a result batch; with
  ``extend=`` -> a data-extension answer. ``POST /reconcile`` takes the same as a form.
- ``GET /reconcile/suggest/entity|type|property?prefix=&cursor=`` -> ``{"result": [...]}``
- ``GET /reconcile/preview?id=URI`` -> a small HTML card (everything escaped)
- ``GET /reconcile/propose_properties?type=&limit=`` -> SKOS properties to extend with

Every answer is open to any web page (CORS, with preflight); a GET with
``callback=NAME`` is answered as JSONP (OpenRefine uses it). Bad input is a 400
problem (``application/problem+json``) that names the parameter and how to fix it.
The matching itself is :mod:`glossary.reconcile` (docs/reconcile.md).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from markupsafe import escape

from glossary import __version__
from glossary.errors import InputError
from glossary.reconcile import (
    EXTEND_PROPS,
    MAX_BATCH,
    SKOS,
    Reconciler,
    load_json,
    parse_batch,
    parse_extend,
)
from service.params import int_arg, json_answer, open_cors

bp = Blueprint("reconcile", __name__)

MAX_PARAM_CHARS = 200_000
MAX_SUGGEST = 50
PREVIEW_WIDTH, PREVIEW_HEIGHT = 420, 200


def reconciler() -> Reconciler:
    from service.linkeddata import catalog
    from service.search_api import search_index

    return Reconciler(search_index(), catalog())


def _root() -> str:
    return request.url_root.rstrip("/")


def _param(name: str) -> str | None:
    value = request.form.get(name) if request.method == "POST" else None
    if value is None:
        value = request.args.get(name)
    if value is not None and len(value) > MAX_PARAM_CHARS:
        raise InputError(
            f"the {name} parameter is longer than {MAX_PARAM_CHARS} characters",
            where=name,
            hint="send fewer queries per batch",
        )
    return value


def manifest() -> dict[str, Any]:
    root = _root()
    from service.linkeddata import public_base

    return {
        "versions": ["0.2"],
        "name": current_app.config.get("RECONCILE_NAME", "semantic-glossary (SKOS concepts)"),
        "identifierSpace": public_base(),
        "schemaSpace": SKOS,
        "serviceVersion": __version__,
        "documentation": root + "/openapi.json",
        "defaultTypes": reconciler().types(),
        "view": {"url": root + "/resource?uri={{id}}"},
        "preview": {
            "url": root + "/reconcile/preview?id={{id}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            "entity": {"service_url": root, "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": root, "service_path": "/reconcile/suggest/type"},
            "property": {"service_url": root, "service_path": "/reconcile/suggest/property"},
        },
        "extend": {
            "propose_properties": {
                "service_url": root,
                "service_path": "/reconcile/propose_properties",
            },
            "property_settings": [
                {
                    "name": "lang",
                    "label": "Language",
                    "type": "text",
                    "default": "",
                    "help_text": "Only values in this language (e.g. en); empty: all languages",
                },
                {
                    "name": "limit",
                    "label": "Limit",
                    "type": "number",
                    "default": 0,
                    "help_text": "The most values per cell; 0: all",
                },
            ],
        },
        "batchSize": MAX_BATCH,
    }


@bp.route("/reconcile", methods=["GET", "POST"])
def reconcile() -> Response:
    queries, extend = _param("queries"), _param("extend")
    if queries is not None and extend is not None:
        raise InputError("give queries or extend, not both", where="queries")
    if queries is not None:
        batch = parse_batch(load_json(queries, "queries"))
        return json_answer(reconciler().reconcile_batch(batch))
    if extend is not None:
        req = parse_extend(load_json(extend, "extend"))
        return json_answer(reconciler().extend(req))
    if request.method == "POST":
        raise InputError(
            "a POST to /reconcile needs a queries or extend form field",
            where="queries",
            hint='e.g. queries={"q0": {"query": "apple"}}',
        )
    return json_answer(manifest())


def _prefix() -> str:
    prefix = request.args.get("prefix")
    if prefix is None or not prefix.strip():
        raise InputError(
            "the prefix parameter is missing or empty",
            where="prefix",
            hint="add ?prefix= with the first letters",
        )
    if len(prefix) > 200:
        raise InputError("prefix is longer than 200 characters", where="prefix")
    return prefix


@bp.get("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    prefix = _prefix()
    cursor = int_arg("cursor", 0, 0, 10_000)
    limit = int_arg("limit", 10, 1, MAX_SUGGEST)
    types = [t for t in request.args.getlist("type") if t]
    result = reconciler().suggest_entities(
        prefix, cursor=cursor, limit=limit, types=types, lang=_lang_arg()
    )
    return json_answer({"result": result})


@bp.get("/reconcile/suggest/type")
def suggest_type() -> Response:
    prefix = _prefix()
    cursor = int_arg("cursor", 0, 0, 10_000)
    return json_answer({"result": reconciler().suggest_types(prefix, cursor=cursor)})


@bp.get("/reconcile/suggest/property")
def suggest_property() -> Response:
    prefix = _prefix()
    cursor = int_arg("cursor", 0, 0, 10_000)
    return json_answer({"result": reconciler().suggest_properties(prefix, cursor=cursor)})


@bp.get("/reconcile/propose_properties")
def propose_properties() -> Response:
    type_id = request.args.get("type") or SKOS + "Concept"
    limit = int_arg("limit", len(EXTEND_PROPS), 1, 100)
    return json_answer(reconciler().propose_properties(type_id, limit))


_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def _lang_arg() -> str | None:
    lang = request.args.get("lang") or None
    if lang is not None and not _LANG.match(lang):
        raise InputError(
            f"not a language tag: {lang[:50]!r}",
            where="lang",
            hint="give a BCP 47 tag such as en or fr",
        )
    return lang


@bp.get("/reconcile/preview")
def preview() -> Response:
    from service.linkeddata import check_uri

    uri = check_uri(request.args.get("id"))
    view = reconciler().preview(uri, _lang_arg())
    defn = next((d.text for d in view.definitions if d.lang in (view.lang, "")), None)
    if defn is None and view.definitions:
        defn = view.definitions[0].text
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(view.lang)}"><head><meta charset="utf-8">',
        f"<title>{escape(view.pref_label)}</title>",
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:8px}"
        "h1{font-size:16px;margin:0 0 4px}p{margin:2px 0}.m{color:#555}</style>",
        "</head><body>",
        f'<h1><a href="{escape(_root() + "/resource?uri=")}{escape(_quote(uri))}" '
        f'target="_blank">{escape(view.pref_label)}</a></h1>',
    ]
    alts = view.alt_labels.get(view.lang, [])
    if alts:
        parts.append(f'<p class="m">also: {escape(", ".join(alts))}</p>')
    if defn:
        parts.append(f"<p>{escape(defn)}</p>")
    if view.broader:
        parts.append(
            f'<p class="m">broader: {escape(", ".join(b.label for b in view.broader))}</p>'
        )
    parts.append(f'<p class="m">{escape(view.vocab or "")} · <code>{escape(uri)}</code></p>')
    parts.append("</body></html>")
    resp = Response("\n".join(parts), mimetype="text/html")
    # OpenRefine shows the preview in a frame of its own page: any site may frame it;
    # it runs no script and loads nothing (its one style sheet is inline).
    resp.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return resp


PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *"


def _quote(uri: str) -> str:
    from urllib.parse import quote

    return quote(uri, safe="")


open_cors(bp)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
