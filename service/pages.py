"""HTML pages: home (vocabularies and search), vocabulary (hierarchy, index,
collections), and the page of every concept, scheme or other resource.

Server-rendered Jinja2 with autoescaping: everything that comes from data is escaped,
and the embedded JSON (schema.org JSON-LD, the neighbourhood picture) goes through
``|tojson``, which escapes ``<``, ``>`` and ``&`` so that ``</script>`` in a label cannot
close the script element. No external CDN: the CSS and the little JavaScript are in
``service/static``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Flask, Response, render_template, request

from glossary.concepts import (
    ConceptView,
    Description,
    broader_paths,
    build_view,
    neighbourhood,
    pick,
)
from glossary.errors import InputError, NotFound
from glossary.linkeddata import RDF_FORMATS, suffix_for
from service.linkeddata import catalog, local_url, public_base
from service.params import int_arg

bp = Blueprint("pages", __name__)

INDEX_PAGE_SIZE = 100
TREE_LIMIT = 200


def _lang_arg() -> str | None:
    return request.args.get("lang") or None


def _page_arg() -> int:
    return int_arg("page", 1, 1, 1_000_000)


def _sparql_link(uri: str) -> str:
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT ?property ?value WHERE {{\n  <{uri}> ?property ?value .\n}}"
    )
    return "/sparql?" + urlencode({"query": query})


def _schema_org(view: ConceptView, page_url: str) -> dict[str, Any]:
    """schema.org DefinedTerm / DefinedTermSet for search engines and other sites."""
    if view.kind == "scheme":
        return {
            "@context": "https://schema.org",
            "@type": "DefinedTermSet",
            "@id": view.uri,
            "name": view.pref_label,
            "url": page_url,
            "hasDefinedTerm": [
                {"@type": "DefinedTerm", "@id": r.uri, "name": r.label}
                for r in view.top_concepts[:100]
            ],
        }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "DefinedTerm",
        "@id": view.uri,
        "name": view.pref_label,
        "url": page_url,
    }
    alt = [v for vs in view.alt_labels.values() for v in vs]
    if alt:
        data["alternateName"] = alt
    if view.definitions:
        data["description"] = view.definitions[0].text
    if view.notations:
        data["termCode"] = view.notations[0]
    if view.schemes:
        data["inDefinedTermSet"] = [
            {"@type": "DefinedTermSet", "@id": s.uri, "name": s.label} for s in view.schemes
        ]
    return data


def _in_language(items: list[tuple[str, str]], lang: str) -> list[tuple[str, str]]:
    """The notes in the display language (or untagged); all of them when none is.

    >>> _in_language([("a", "en"), ("b", "fr"), ("c", "")], "fr")
    [('b', 'fr'), ('c', '')]
    >>> _in_language([("a", "en")], "fr")
    [('a', 'en')]
    """
    lang = lang.lower()
    mine = [
        (t, lg)
        for t, lg in items
        if not lg or lg.lower() == lang or lg.lower().startswith(lang + "-")
    ]
    return mine or items


def _formats(uri: str) -> list[tuple[str, str, str]]:
    """``(label, url, media type)`` of the RDF representations of ``uri``."""
    return [(f.label, local_url(uri, suffix_for(f)), f.media_type) for f in RDF_FORMATS]


def _short(iri: str) -> str:
    from glossary.concepts import PREFIXES

    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def render_resource(desc: Description, view: ConceptView, status: int = 200) -> Response:
    """The page of a concept, scheme, collection or any other described resource."""
    cat = catalog()
    vocab = cat.vocabulary(view.vocab) if view.vocab else None
    default = cat.default_lang(vocab)
    paths = broader_paths(cat.src, view.uri, view.lang, [default]) if view.kind == "concept" else []
    top: list[Any] = []
    if view.kind == "scheme" and vocab is not None:
        top = [n for n in cat.top_concepts(vocab.id, view.lang) if n.scheme in (None, view.uri)][
            :TREE_LIMIT
        ]
    base = public_base()
    page_url = request.host_url.rstrip("/") + local_url(view.uri)
    notes = {name: _in_language(items, view.lang) for name, items in view.notes.items()}
    shown = set(notes.get("scopeNote", []))
    scope_notes = [d for d in view.scope_notes if (d.text, d.lang) in shown]
    html = render_template(
        "concept.html",
        view=view,
        vocab=vocab,
        paths=paths,
        top=top,
        formats=_formats(view.uri),
        sparql_link=_sparql_link(view.uri),
        schema_org=_schema_org(view, page_url),
        graph=neighbourhood(view, local_url),
        other=[
            (
                _short(p),
                v,
                pick(desc.labels_of(v), view.lang, [default])
                if v.__class__.__name__ == "NamedNode"
                else None,
            )
            for p, v in view.other
        ],
        notes=notes,
        scope_notes=scope_notes,
        languages=sorted(view.languages, key=lambda x: (x != default, x)),
        default_lang=default,
        public_base=base,
    )
    return Response(html, status=status, mimetype="text/html")


def render_hash_document(uri: str, descriptions: list[Description], lang: str | None) -> Response:
    """The page of a hash-URI document: the resources ``<uri>#...`` it describes."""
    catalog()
    items = []
    for d in descriptions:
        v = build_view(d, lang or "en")
        items.append(v)
    html = render_template("document.html", uri=uri, items=items, public_base=public_base())
    return Response(html, mimetype="text/html")


def render_not_found(exc: NotFound) -> Response:
    html = render_template(
        "not_found.html", message=exc.message, hint=exc.hint, public_base=public_base()
    )
    return Response(html, status=404, mimetype="text/html")


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> Response:
    from service.linkeddata import not_found

    return not_found(exc)


@bp.get("/")
def home() -> Response:
    cat = catalog()
    vocabs = cat.vocabularies()
    return Response(
        render_template("home.html", vocabs=vocabs, public_base=public_base()),
        mimetype="text/html",
    )


@bp.get("/search")
def search() -> Response:
    """Search results without JavaScript (the search box's form posts here when no
    suggestion is picked): label search through the search index of /api/search."""
    from service.search_api import search_index

    q = (request.args.get("q") or "").strip()
    if len(q) > 200:
        raise InputError("the search text is longer than 200 characters", where="q")
    hits = [h.to_json() for h in search_index().search(q, limit=50)] if q else []
    html = render_template("search.html", q=q, hits=hits, public_base=public_base())
    return Response(html, mimetype="text/html")


@bp.get("/vocab/<vocab_id>/")
def vocabulary(vocab_id: str) -> Response:
    cat = catalog()
    vocab = cat.vocabulary(vocab_id)
    lang = _lang_arg() or cat.default_lang(vocab)
    top = cat.top_concepts(vocab_id, lang)
    by_scheme: dict[str | None, list[Any]] = {}
    for node in top:
        by_scheme.setdefault(node.scheme, []).append(node)
    info = cat.scheme_info(vocab.id)
    schemes = []
    for s in vocab.schemes or [None]:
        titles = {k: [v] for k, v in info.get(s, {}).get("titles", {}).items()} if s else {}
        label = pick(titles, lang, [cat.default_lang(vocab)]) if s else None
        nodes = by_scheme.get(s, []) + (
            by_scheme.get(None, []) if s == (vocab.schemes or [None])[0] else []
        )
        schemes.append(
            {
                "uri": s,
                "label": label or (s or vocab.id),
                "nodes": nodes[:TREE_LIMIT],
                "more": len(nodes) > TREE_LIMIT,
                "licenses": info.get(s, {}).get("licenses", []) if s else [],
                "rights": info.get(s, {}).get("rights", []) if s else [],
            }
        )
    html = render_template(
        "vocabulary.html",
        vocab=vocab,
        lang=lang,
        default_lang=cat.default_lang(vocab),
        schemes=schemes,
        collections=cat.collections(vocab_id, lang),
        letters=cat.index(vocab_id, lang=lang, limit=1).letters,
        dumps=[(f.label, f"/dumps/{quote(vocab.id)}.{suffix_for(f)}") for f in RDF_FORMATS],
        public_base=public_base(),
    )
    return Response(html, mimetype="text/html")


@bp.get("/vocab/<vocab_id>/index")
def index(vocab_id: str) -> Response:
    cat = catalog()
    vocab = cat.vocabulary(vocab_id)
    lang = _lang_arg() or cat.default_lang(vocab)
    page = _page_arg()
    letter = request.args.get("letter") or None
    result = cat.index(
        vocab_id,
        lang=lang,
        letter=letter,
        offset=(page - 1) * INDEX_PAGE_SIZE,
        limit=INDEX_PAGE_SIZE,
    )
    pages = max(1, -(-result.total // INDEX_PAGE_SIZE))
    if page > pages:
        raise NotFound(f"page {page} is past the end (there are {pages})", where="page")
    html = render_template(
        "index.html",
        vocab=vocab,
        lang=lang,
        result=result,
        page=page,
        pages=pages,
        default_lang=cat.default_lang(vocab),
        public_base=public_base(),
    )
    return Response(html, mimetype="text/html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["local_url"] = local_url
    app.jinja_env.globals["add_param"] = add_param
    app.jinja_env.globals["link"] = link


def link(uri: str, lang: str | None = None, default: str | None = None) -> str:
    """The local URL of ``uri``, keeping the display language when it is not the
    vocabulary's default one."""
    url = local_url(uri)
    return add_param(url, "lang", lang) if lang and lang != default else url


def add_param(url: str, key: str, value: str) -> str:
    """``url`` with one more query parameter.

    >>> add_param("/resource?uri=x", "lang", "fr")
    '/resource?uri=x&lang=fr'
    """
    return url + ("&" if "?" in url else "?") + urlencode({key: value})
