"""The Skosmos REST v1 API under ``/rest/v1/`` (clients: skosmos-client, Cocoda, Finto
widgets): same paths, parameters and JSON keys as Skosmos, JSON with an ``@context``
(``uri`` is ``@id``, ``type`` is ``@type``), CORS open, errors as problem details
(400 bad parameter, 404 unknown vocabulary or concept, 406 unsupported format).

Everything is answered from what exists already: the :class:`glossary.concepts.Catalog`
(descriptions, hierarchy, index letters, cached per store version), the label search
index (never a SPARQL scan), the load-time counts of each vocabulary, the dumps, and
:class:`glossary.skosmos.SkosmosLists` (types and change lists, once per store version).
docs/skosmos.md lists the endpoints and the deviations from Skosmos.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, request, url_for

from glossary.concepts import SKOS, ConceptView, Description, Ref, broader_paths
from glossary.concepts import local_name as _local_name
from glossary.errors import InputError, NotAcceptable, NotFound
from glossary.formats import RdfFormat
from glossary.linkeddata import RDF_FORMATS, negotiate
from glossary.negotiation import choose_requested
from glossary.skosmos import (
    DEFAULT_CHANGES,
    MAX_CHANGES,
    SkosmosLists,
    best_tier,
    context,
    format_date,
    language_name,
    lookup_tier,
    search_term,
    show_label,
)
from service.linkeddata import catalog, check_uri, local_url
from service.params import int_arg, json_answer, open_cors
from service.search_api import MAX_OFFSET, MAX_Q, search_index

bp = Blueprint("skosmos", __name__, url_prefix="/rest/v1")
open_cors(bp)

_JSON_TYPES = ("application/json", "application/ld+json")
MAX_HITS = 100  # the label index's largest page
MAX_TRANSITIVE = 1000  # nodes in a narrowerTransitive answer
#: Skosmos takes application/json for JSON-LD too.
_MEDIA = {m: f for f in RDF_FORMATS for m in f.media_types} | {"application/json": RdfFormat.JSONLD}


# --- parameters -----------------------------------------------------------------------


def _lang(name: str = "lang") -> str | None:
    value = request.args.get(name) or None
    if value is None:
        return None
    ok = len(value) <= 35 and all(p.isalnum() and len(p) <= 8 for p in value.split("-"))
    if not ok:
        raise InputError(
            f"not a language tag: {value[:50]!r}",
            where=name,
            hint="give a BCP 47 tag such as en, fi or en-GB",
        )
    return value


def _uri() -> str:
    return check_uri(request.args.get("uri"))


def _vocab(vocid: str) -> Any:
    return catalog().vocabulary(vocid)


def _answer(ctx_lang: str | None, body: dict[str, Any], /, **terms: Any) -> Response:
    # as Skosmos: JSON-LD's own type to a client that prefers it; JSONP with callback=
    return json_answer({"@context": context(ctx_lang, **terms), **body}, _JSON_TYPES)


def _view(uri: str, lang: str | None, vocab: Any | None = None) -> tuple[Description, ConceptView]:
    """The concept ``uri``; with ``vocab``, 404 unless that vocabulary describes it."""
    desc, view = catalog().view(uri, lang)
    if vocab is not None and vocab.graph not in desc.graphs:
        raise NotFound(
            f"<{uri}> is not in the vocabulary {vocab.id!r}",
            hint=f"GET /rest/v1/search?query=... finds it; it is in {view.vocab!r}",
        )
    return desc, view


def _refs(refs: list[Ref]) -> list[dict[str, str]]:
    return [{"uri": r.uri, "prefLabel": r.label} for r in refs]


# --- vocabularies -----------------------------------------------------------------------


def _title(vocab: Any, lang: str | None) -> str:
    titles: dict[str, str] = dict(getattr(vocab, "titles", {}) or {})
    if lang and titles.get(lang):
        return titles[lang]
    return str(vocab.title or titles.get("en") or next(iter(titles.values()), vocab.id))


@bp.get("/vocabularies")
def vocabularies() -> Response:
    lang = _lang()
    base = request.url_root + "rest/v1/"
    items = [{"uri": v.id, "id": v.id, "title": _title(v, lang)} for v in catalog().vocabularies()]
    return _answer(
        lang,
        {"uri": "", "vocabularies": items},
        **{
            "@base": base,
            "title": {"@id": "rdfs:label"},
            "vocabularies": "onki:hasVocabulary",
            "id": "onki:vocabularyIdentifier",
        },
    )


@bp.get("/<vocid>/")
def vocabulary(vocid: str) -> Response:
    lang = _lang()
    v = _vocab(vocid)
    cat = catalog()
    info = cat.scheme_info(vocid)
    schemes = []
    for s in v.schemes:
        titles = info.get(s, {}).get("titles", {})
        label = (lang and titles.get(lang)) or titles.get(cat.default_lang(v)) or _title(v, lang)
        schemes.append({"uri": s, "type": "skos:ConceptScheme", "prefLabel": label,
                        "label": label, "title": label})  # fmt: skip
    body = {
        "uri": request.base_url,
        "id": v.id,
        "title": _title(v, lang),
        "defaultLanguage": cat.default_lang(v),
        "languages": sorted(v.languages),
        "conceptschemes": schemes,
    }
    return _answer(
        lang,
        body,
        title="dct:title",
        dct="http://purl.org/dc/terms/",
        conceptschemes="onki:hasConceptScheme",
        id="onki:vocabularyIdentifier",
        defaultLanguage={"@id": "onki:defaultLanguage", "@type": "xsd:string"},
        languages={"@id": "onki:language", "@type": "xsd:string", "@container": "@list"},
        xsd="http://www.w3.org/2001/XMLSchema#",
        prefLabel="skos:prefLabel",
        label="rdfs:label",
    )


# --- search -----------------------------------------------------------------------------


def _search(vocabs: list[str] | None) -> Response:
    raw = request.args.get("query")
    if raw is None or not raw.strip():
        raise InputError(
            "the query parameter is missing or empty",
            where="query",
            hint="add ?query= with the start of a label, e.g. query=appl*",
        )
    if len(raw) > MAX_Q:
        raise InputError(f"query is longer than {MAX_Q} characters", where="query")
    term = search_term(raw)
    lang = _lang()
    labellang = _lang("labellang") or lang
    maxhits = int_arg("maxhits", MAX_HITS, 1, MAX_HITS)
    offset = int_arg("offset", 0, 0, MAX_OFFSET)
    if vocabs is None:
        vocabs = (request.args.get("vocab") or "").split() or None
    index = search_index()
    cat = catalog()
    for vid in vocabs or ():
        cat.vocabulary(vid)  # 404 for an unknown id
    if not vocabs or len(vocabs) == 1:
        vocab = vocabs[0] if vocabs else None
        hits = index.search(term, lang=lang, vocab=vocab, limit=maxhits, offset=offset)
    else:  # each vocabulary's first offset+maxhits, merged by score
        if offset + maxhits > MAX_HITS:
            raise InputError(
                f"with several vocabularies, offset + maxhits must be at most {MAX_HITS}",
                where="offset",
            )
        merged = [
            h for vid in vocabs for h in index.search(term, lang=lang, vocab=vid,
                                                      limit=offset + maxhits)
        ]  # fmt: skip
        merged.sort(key=lambda h: (-h.score, h.uri))
        hits = merged[offset : offset + maxhits]
    results = []
    for h in hits:
        pref = h.pref_label
        if labellang and labellang != lang:
            pref = index.pref_label(index.concept_id(h.uri), labellang, h.lang) or pref
        item: dict[str, Any] = {
            "uri": h.uri,
            "type": ["skos:Concept"],
            "localname": _local_name(h.uri),
            "prefLabel": pref if pref is not None else _local_name(h.uri),
            "lang": h.lang or "",
            "vocab": h.vocab,
        }
        if h.match_type == "altLabel":
            item["altLabel"] = h.matched_label
        elif h.match_type == "hiddenLabel":
            item["hiddenLabel"] = h.matched_label
        elif h.matched_label is not None and h.matched_label != item["prefLabel"]:
            item["matchedPrefLabel"] = h.matched_label
        results.append(item)
    return _answer(
        lang,
        {"uri": "", "results": results},
        results={"@id": "onki:results", "@container": "@list"},
        prefLabel="skos:prefLabel",
        altLabel="skos:altLabel",
        hiddenLabel="skos:hiddenLabel",
    )


@bp.get("/search")
def search() -> Response:
    return _search(None)


@bp.get("/<vocid>/search")
def vocab_search(vocid: str) -> Response:
    _vocab(vocid)
    return _search([vocid])


@bp.get("/<vocid>/lookup")
def lookup(vocid: str) -> Response:
    label = request.args.get("label")
    if label is None or not label.strip():
        raise InputError("the label parameter is missing or empty", where="label",
                         hint="add ?label= with a whole label, e.g. label=apple")  # fmt: skip
    if len(label) > MAX_Q:
        raise InputError(f"label is longer than {MAX_Q} characters", where="label")
    label = label.strip()
    lang = _lang()
    _vocab(vocid)
    hits = search_index().search(label.replace("*", " "), lang=lang, vocab=vocid,
                                 limit=MAX_HITS)  # fmt: skip
    found = []
    for h in hits:
        tier = lookup_tier(label, h.matched_label or "", h.match_type)
        if tier is None:
            continue
        item: dict[str, Any] = {"uri": h.uri, "localname": _local_name(h.uri),
                                "prefLabel": h.pref_label, "lang": h.lang or "",
                                "vocab": h.vocab}  # fmt: skip
        if h.match_type in ("altLabel", "hiddenLabel"):
            item[h.match_type] = h.matched_label
        found.append((tier, item))
    result = best_tier(found)
    if not result:
        raise NotFound(
            f"no concept of {vocid!r} has the label {label[:100]!r}",
            where="label",
            hint=f"GET /rest/v1/{vocid}/search?query=... finds labels by their start",
        )
    return _answer(lang, {"result": result}, result={"@id": "onki:results",
                                                     "@container": "@list"},
                   prefLabel="skos:prefLabel", altLabel="skos:altLabel",
                   hiddenLabel="skos:hiddenLabel")  # fmt: skip


# --- hierarchy --------------------------------------------------------------------------


@bp.get("/<vocid>/topConcepts")
def top_concepts(vocid: str) -> Response:
    lang = _lang()
    v = _vocab(vocid)
    scheme = request.args.get("scheme") or None
    if scheme is not None and scheme not in v.schemes:
        raise NotFound(f"{vocid!r} has no concept scheme <{scheme[:200]}>", where="scheme",
                       hint="GET /rest/v1/" + vocid + "/ lists its conceptschemes")  # fmt: skip
    default_scheme = v.schemes[0] if v.schemes else None
    tops = []
    for n in catalog().top_concepts(vocid, lang):
        of = n.scheme or default_scheme
        if scheme is not None and of != scheme:
            continue
        tops.append({"uri": n.uri, "label": n.label, "topConceptOf": of,
                     "hasChildren": n.has_children})  # fmt: skip
    return _answer(
        lang,
        {"uri": scheme or default_scheme or "", "topconcepts": tops},
        topconcepts="skos:hasTopConcept",
        topConceptOf={"@id": "skos:topConceptOf", "@type": "@id"},
        label="skos:prefLabel",
        hasChildren="onki:hasChildren",
    )


def _relation(vocid: str, key: str, refs_of: Any, terms: dict[str, Any]) -> Response:
    lang = _lang()
    uri = _uri()
    _desc, view = _view(uri, lang, _vocab(vocid))
    return _answer(lang, {"uri": uri, key: refs_of(view)}, prefLabel="skos:prefLabel", **terms)


@bp.get("/<vocid>/broader")
def broader(vocid: str) -> Response:
    return _relation(vocid, "broader", lambda v: _refs(v.broader), {"broader": "skos:broader"})


@bp.get("/<vocid>/narrower")
def narrower(vocid: str) -> Response:
    return _relation(vocid, "narrower", lambda v: _refs(v.narrower),
                     {"narrower": "skos:narrower"})  # fmt: skip


@bp.get("/<vocid>/related")
def related(vocid: str) -> Response:
    return _relation(vocid, "related", lambda v: _refs(v.related), {"related": "skos:related"})


@bp.get("/<vocid>/children")
def children(vocid: str) -> Response:
    lang = _lang()
    uri = _uri()
    v = _vocab(vocid)
    _view(uri, lang, v)
    nodes = catalog().children(uri, lang, vocid)
    items = [{"uri": n.uri, "prefLabel": n.label, "hasChildren": n.has_children} for n in nodes]
    return _answer(lang, {"uri": uri, "narrower": items}, narrower="skos:narrower",
                   prefLabel="skos:prefLabel", hasChildren="onki:hasChildren")  # fmt: skip


def _ancestors(uri: str, lang: str, default: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``({concept: [its broader concepts]}, {concept: label})`` up from ``uri``, from
    the breadcrumb paths (at most a dozen paths, cycle-safe)."""
    up: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for path in broader_paths(catalog().src, uri, lang, [default]):
        chain = [*path, Ref(uri, "")]
        for i, ref in enumerate(path):
            labels[ref.uri] = ref.label
            child = chain[i + 1].uri
            if ref.uri not in up.setdefault(child, []):
                up[child].append(ref.uri)
            up.setdefault(ref.uri, [])
    return up, labels


@bp.get("/<vocid>/broaderTransitive")
def broader_transitive(vocid: str) -> Response:
    lang = _lang()
    uri = _uri()
    v = _vocab(vocid)
    _desc, view = _view(uri, lang, v)
    up, labels = _ancestors(uri, view.lang, catalog().default_lang(v))
    labels[uri] = view.pref_label
    out: dict[str, Any] = {}
    for node in [uri, *[n for n in up if n != uri]]:
        entry: dict[str, Any] = {"uri": node, "prefLabel": labels.get(node, _local_name(node))}
        if up.get(node):
            entry["broader"] = up[node]
        out[node] = entry
    return _answer(lang, {"uri": uri, "broaderTransitive": out},
                   broaderTransitive={"@id": "skos:broaderTransitive", "@container": "@index"},
                   broader={"@id": "skos:broader", "@type": "@id"},
                   prefLabel="skos:prefLabel")  # fmt: skip


@bp.get("/<vocid>/narrowerTransitive")
def narrower_transitive(vocid: str) -> Response:
    lang = _lang()
    uri = _uri()
    limit = int_arg("limit", MAX_TRANSITIVE, 1, MAX_TRANSITIVE)
    v = _vocab(vocid)
    _desc, view = _view(uri, lang, v)
    cat = catalog()
    out: dict[str, Any] = {uri: {"uri": uri, "prefLabel": view.pref_label}}
    queue = [uri]
    while queue and len(out) < limit:
        node = queue.pop(0)
        kids = cat.children(node, lang, vocid)
        if kids:
            out[node]["narrower"] = [k.uri for k in kids]
        for k in kids:
            if k.uri not in out and len(out) < limit:
                out[k.uri] = {"uri": k.uri, "prefLabel": k.label}
                queue.append(k.uri)
    return _answer(lang, {"uri": uri, "narrowerTransitive": out},
                   narrowerTransitive={"@id": "skos:narrowerTransitive",
                                       "@container": "@index"},
                   narrower={"@id": "skos:narrower", "@type": "@id"},
                   prefLabel="skos:prefLabel")  # fmt: skip


@bp.get("/<vocid>/hierarchy")
def hierarchy(vocid: str) -> Response:
    lang = _lang()
    uri = _uri()
    v = _vocab(vocid)
    _desc, view = _view(uri, lang, v)
    cat = catalog()
    up, labels = _ancestors(uri, view.lang, cat.default_lang(v))
    labels[uri] = view.pref_label
    default_scheme = v.schemes[0] if v.schemes else None
    tops = {n.uri: n.scheme for n in cat.top_concepts(vocid, lang)}
    out: dict[str, Any] = {}
    for node in [uri, *[n for n in up if n != uri]]:
        kids = cat.children(node, lang, vocid)
        entry: dict[str, Any] = {
            "uri": node,
            "prefLabel": labels.get(node, _local_name(node)),
            "hasChildren": bool(kids),
        }
        if up.get(node):
            entry["broader"] = up[node]
        elif node in tops and (tops[node] or default_scheme):
            entry["top"] = tops[node] or default_scheme
        if kids:
            entry["narrower"] = [{"uri": k.uri, "label": k.label,
                                  "hasChildren": k.has_children} for k in kids]  # fmt: skip
        out[node] = entry
    return _answer(lang, {"uri": uri, "broaderTransitive": out},
                   broaderTransitive={"@id": "skos:broaderTransitive", "@container": "@index"},
                   broader={"@id": "skos:broader", "@type": "@id"},
                   narrower={"@id": "skos:narrower"}, label="skos:prefLabel",
                   top={"@id": "skos:topConceptOf", "@type": "@id"},
                   prefLabel="skos:prefLabel", hasChildren="onki:hasChildren")  # fmt: skip


@bp.get("/<vocid>/mappings")
def mappings(vocid: str) -> Response:
    lang = _lang()
    uri = _uri()
    _desc, view = _view(uri, lang, _vocab(vocid))
    items = []
    for prop, refs in view.mappings.items():
        for r in refs:
            items.append({
                "uri": r.uri, "type": [f"skos:{prop}"], "prefLabel": r.label,
                "lang": view.lang, "hrefLink": local_url(r.uri),
                "from": {"memberSet": [{"uri": uri, "prefLabel": view.pref_label}]},
                "to": {"memberSet": [{"uri": r.uri}]},
            })  # fmt: skip
    return _answer(lang, {"mappings": items}, prefLabel="skos:prefLabel",
                   mappings={"@id": "onki:mapping", "@container": "@list"})  # fmt: skip


# --- groups (collections) ---------------------------------------------------------------


@bp.get("/<vocid>/groups")
def groups(vocid: str) -> Response:
    lang = _lang()
    _vocab(vocid)
    items = [
        {"uri": ref.uri, "prefLabel": ref.label, "hasMembers": size > 0}
        for ref, size in catalog().collections(vocid, lang)
    ]
    return _answer(lang, {"uri": request.base_url, "groups": items},
                   groups={"@id": "skosmos:groups", "@container": "@list"},
                   skosmos="http://purl.org/net/skosmos#", prefLabel="skos:prefLabel",
                   hasMembers="skosmos:hasMembers")  # fmt: skip


@bp.get("/<vocid>/groupMembers")
def group_members(vocid: str) -> Response:
    lang = _lang()
    uri = _uri()
    _desc, view = _view(uri, lang, _vocab(vocid))
    if view.kind != "collection":
        raise NotFound(f"<{uri}> is not a group (skos:Collection) of {vocid!r}", where="uri",
                       hint=f"GET /rest/v1/{vocid}/groups lists them")  # fmt: skip
    sizes = {ref.uri: size for ref, size in catalog().collections(vocid, lang)}
    members = []
    for r in view.members:
        item: dict[str, Any] = {"uri": r.uri, "prefLabel": r.label}
        if r.uri in sizes:
            item.update(type=["skos:Collection"], isSuper=True, hasMembers=sizes[r.uri] > 0)
        else:
            item["type"] = ["skos:Concept"]
        members.append(item)
    return _answer(lang, {"uri": uri, "members": members},
                   members={"@id": "skos:member", "@container": "@list"},
                   skosmos="http://purl.org/net/skosmos#", prefLabel="skos:prefLabel",
                   isSuper="skosmos:isSuper", hasMembers="skosmos:hasMembers")  # fmt: skip


# --- labels, statistics, index ---------------------------------------------------------


def _label(vocab: Any | None) -> Response:
    lang = _lang()
    uri = _uri()
    _desc, view = _view(uri, lang, vocab)
    body: dict[str, Any] = {"uri": uri}
    wanted = lang or view.lang
    labels = view.pref_labels.get(wanted) or next(
        (ls for k, ls in view.pref_labels.items() if k.lower().startswith(wanted.lower() + "-")),
        None,
    )
    if labels:
        body["prefLabel"] = labels[0]
    return _answer(wanted, body, prefLabel="skos:prefLabel")


@bp.get("/label")
def label() -> Response:
    return _label(None)


@bp.get("/<vocid>/label")
def vocab_label(vocid: str) -> Response:
    return _label(_vocab(vocid))


@bp.get("/<vocid>/vocabularyStatistics")
def vocabulary_statistics(vocid: str) -> Response:
    lang = _lang()
    v = _vocab(vocid)
    body = {
        "uri": request.base_url,
        "id": v.id,
        "title": _title(v, lang),
        "concepts": {
            "class": SKOS + "Concept",
            "label": "Concept",
            "count": v.concepts - v.deprecated,
            "deprecatedCount": v.deprecated,
        },
        "subTypes": [],
    }
    live, deprecated = _lists().collection_counts(vocid)
    if live or deprecated:  # as Skosmos: only for a vocabulary that has some
        body["conceptGroups"] = {
            "class": SKOS + "Collection",
            "label": "Collection",
            "count": live,
            "deprecatedCount": deprecated,
        }
    return _answer(lang, body, void="http://rdfs.org/ns/void#", title="dct:title",
                   dct="http://purl.org/dc/terms/", id="onki:vocabularyIdentifier",
                   concepts="void:classPartition", count="void:entities",
                   deprecatedCount="onki:deprecatedCount", label="rdfs:label",
                   subTypes={"@id": "void:classPartition"},
                   conceptGroups={"@id": "void:classPartition"})  # fmt: skip


def _indexed_label_counts(vocid: str) -> dict[str, dict[str, int]]:
    """``{lang: {"altLabel": n, "hiddenLabel": n}}`` of a vocabulary, counted in the
    label index (built at load time) once per opened index, then kept with it."""
    from flask import current_app

    from glossary.search.records import KIND_NAMES

    index = search_index()
    state = current_app.extensions["glossary"]
    cached = state.get("skosmos_label_counts")
    if cached is None or cached[0] is not index:
        li = index.labels
        counts: dict[str, dict[str, dict[str, int]]] = {}
        vocab_of = li.concept_vocab[li.label_concept]
        for i, kind in enumerate(li.label_kind.tolist()):
            name = KIND_NAMES[int(kind)]
            if name == "prefLabel":
                continue
            vid = index.vocabs[int(vocab_of[i])]
            per = counts.setdefault(vid, {}).setdefault(li.label_lang[i], {})
            per[name] = per.get(name, 0) + 1
        cached = (index, counts)
        state["skosmos_label_counts"] = cached
    result: dict[str, dict[str, int]] = cached[1].get(vocid, {})
    return result


@bp.get("/<vocid>/labelStatistics")
def label_statistics(vocid: str) -> Response:
    lang = _lang()
    v = _vocab(vocid)
    others = _indexed_label_counts(vocid)
    languages = []
    for tag in sorted({t for t in v.label_counts if t} | {t for t in others if t}):
        props = [{"property": "skos:prefLabel", "labels": v.label_counts.get(tag, 0)}]
        for name in ("altLabel", "hiddenLabel"):
            props.append({"property": f"skos:{name}", "labels": others.get(tag, {}).get(name, 0)})
        item: dict[str, Any] = {"language": tag}
        if lang:  # as Skosmos: the language's name, in lang, only when lang is given
            item["literal"] = language_name(tag, lang)
        item["properties"] = props
        languages.append(item)
    body = {"uri": request.base_url, "id": v.id, "title": _title(v, lang),
            "languages": languages}  # fmt: skip
    terms: dict[str, Any] = {"void": "http://rdfs.org/ns/void#", "title": "dct:title",
                             "void-ext": "http://ldf.fi/void-ext#",
                             "dct": "http://purl.org/dc/terms/", "id": "onki:vocabularyIdentifier",
                             "languages": "void-ext:languagePartition",
                             "language": "void-ext:language",
                             "properties": "void:propertyPartition",
                             "property": "void:property", "labels": "void:triples"}  # fmt: skip
    if lang:
        terms["literal"] = {"@id": "rdfs:label", "@language": lang}
    return _answer(None, body, **terms)


def _index_page(vocid: str, letter: str | None) -> Any:
    lang = _lang()
    limit = int_arg("limit", 1000, 1, 1000)
    offset = int_arg("offset", 0, 0, 10_000_000)
    if letter is not None:
        if letter == "0-9":
            letter = "#"
        if len(letter) != 1:
            raise InputError(f"not an index letter: {letter[:20]!r}", where="letter",
                             hint=f"GET /rest/v1/{vocid}/index/ lists the letters")  # fmt: skip
    return lang, catalog().index(vocid, lang=lang, letter=letter, offset=offset, limit=limit)


@bp.get("/<vocid>/index/")
def index_letters(vocid: str) -> Response:
    lang, page = _index_page(vocid, None)
    letters = ["0-9" if x == "#" else x for x in page.letters]
    return _answer(lang, {"uri": request.base_url, "indexLetters": letters},
                   indexLetters={"@id": "skosmos:indexLetters", "@container": "@list",
                                 "@language": lang},
                   skosmos="http://purl.org/net/skosmos#")  # fmt: skip


@bp.get("/<vocid>/index/<letter>")
def index_concepts(vocid: str, letter: str) -> Response:
    try:
        lang, page = _index_page(vocid, letter)
        entries = [{"uri": n.uri, "localname": _local_name(n.uri), "prefLabel": n.label,
                    "lang": lang or catalog().default_lang(_vocab(vocid))}
                   for n in page.entries]  # fmt: skip
    except NotFound:
        _vocab(vocid)  # an unknown vocabulary stays a 404
        lang, entries = _lang(), []  # a letter nothing is filed under: an empty list
    return _answer(lang, {"uri": request.base_url, "indexConcepts": entries},
                   indexConcepts={"@id": "skosmos:indexConcepts", "@container": "@list"},
                   prefLabel="skos:prefLabel", skosmos="http://purl.org/net/skosmos#")  # fmt: skip


# --- types, new and modified concepts (lists computed once per store version) ----------


def _lists() -> SkosmosLists:
    """The app's :class:`SkosmosLists`, over the current catalogue."""
    from flask import current_app

    cat = catalog()
    state = current_app.extensions["glossary"]
    held = state.get("skosmos_lists")
    if not isinstance(held, SkosmosLists) or held.catalog is not cat:
        held = SkosmosLists(cat)
        state["skosmos_lists"] = held
    return held


def _types(vocid: str | None) -> Response:
    lang = _lang()
    base = request.url_root + "rest/v1/" + (f"{vocid}/" if vocid is not None else "")
    if vocid is not None:
        _vocab(vocid)
    items = []
    for t in _lists().types(vocid):
        item: dict[str, Any] = {"uri": t.uri}
        label = t.label(lang)
        if label is not None:
            item["label"] = label
        if t.superclass is not None:
            item["superclass"] = t.superclass
        items.append(item)
    return _answer(lang, {"uri": "", "types": items}, **{
        "@base": base, "label": "rdfs:label", "types": "onki:hasType",
        "superclass": {"@id": "rdfs:subClassOf", "@type": "@id"},
    })  # fmt: skip


@bp.get("/types")
def types() -> Response:
    return _types(None)


@bp.get("/<vocid>/types")
def vocab_types(vocid: str) -> Response:
    return _types(vocid)


def _changes(vocid: str, kind: str) -> Response:
    lang = _lang()
    offset = int_arg("offset", 0, 0, 10_000_000)
    limit = int_arg("limit", DEFAULT_CHANGES, 1, MAX_CHANGES)
    v = _vocab(vocid)
    fallback = catalog().default_lang(v)
    shown = lang or fallback
    items = []
    for c in _lists().changes(vocid, kind, shown)[offset : offset + limit]:
        item: dict[str, Any] = {
            "uri": c.uri,
            "prefLabel": show_label(c.labels, shown, fallback, c.uri),
            "date": format_date(c.date),
            "deprecated": c.deprecated,
        }
        if c.replaced_by is not None:
            item["replacedBy"] = c.replaced_by
            if c.replacing_labels:
                item["replacingLabel"] = show_label(c.replacing_labels, shown, fallback,
                                                    c.replaced_by)  # fmt: skip
        items.append(item)
    return _answer(shown, {"changeList": items}, **{
        "prefLabel": "skos:prefLabel", "xsd": "http://www.w3.org/2001/XMLSchema#",
        "date": {"@id": "http://purl.org/dc/terms/date", "@type": "xsd:dateTime"},
        "skosmos": "http://purl.org/net/skosmos#",
        "changeList": {"@id": "skosmos:changeList", "@container": "@list"},
        "owl": "http://www.w3.org/2002/07/owl#", "deprecated": "owl:deprecated",
        "replacedBy": {"@id": "http://purl.org/dc/terms/isReplacedBy", "@type": "@id"},
    })  # fmt: skip


@bp.get("/<vocid>/new")
def new_concepts(vocid: str) -> Response:
    return _changes(vocid, "new")


@bp.get("/<vocid>/modified")
def modified_concepts(vocid: str) -> Response:
    return _changes(vocid, "modified")


# --- RDF --------------------------------------------------------------------------------


def _rdf_format() -> RdfFormat:
    """``format=`` (a media type as Skosmos takes, or ttl/jsonld/rdf/nt), else Accept.

    As at ``/sparql``: a ``format=`` that names nothing offered leaves the choice to
    ``Accept``; 406 only when neither names anything offered (Skosmos: 406)."""
    offers = [m for f in RDF_FORMATS for m in f.media_types] + ["application/json"]
    names = {n: f.media_type for n, f in RdfFormat.names().items()}
    accept = request.headers.get("Accept")
    chosen = choose_requested(request.args.getlist("format"), accept, offers, names)
    if chosen is None:
        asked = ", ".join(v[:80] for v in request.args.getlist("format") if v.strip())
        raise NotAcceptable(
            f"none of the formats asked for ({'format=' + asked + ' nor ' if asked else ''}"
            f"Accept: {accept}) is offered",
            offered=[f.media_type for f in RDF_FORMATS],
            hint="use format=text/turtle, application/rdf+xml, application/ld+json or "
            "application/n-triples",
        )
    return _MEDIA[chosen]


def _rdf_answer(triples: list[Any], fmt: RdfFormat) -> Response:
    from glossary.concepts import serialize

    resp = Response(serialize(triples, fmt), mimetype=fmt.media_type)
    resp.headers["Content-Type"] = f"{fmt.media_type}; charset=utf-8"
    if not request.args.get("format"):
        resp.headers["Vary"] = "Accept"
    return resp


@bp.get("/data")
def data() -> Response:
    fmt = _rdf_format()
    desc, _ = _view(_uri(), None)
    return _rdf_answer(desc.triples, fmt)


@bp.get("/<vocid>/data")
def vocab_data(vocid: str) -> Response:
    fmt = _rdf_format()
    v = _vocab(vocid)
    if request.args.get("uri") is None:
        from glossary.linkeddata import suffix_for
        from service.dumps import dump

        return dump(f"{v.id}.{suffix_for(fmt)}")
    desc, _ = _view(_uri(), None, v)
    return _rdf_answer(desc.triples, fmt)


@bp.get("/entity")
def entity() -> Response:
    uri = _uri()
    _desc, view = _view(uri, None)
    try:
        rep = negotiate(request.headers.get("Accept"))
    except NotAcceptable:
        rep = None
    if rep is None or rep.is_html or view.vocab is None:
        target = local_url(uri)
    else:
        assert rep.rdf is not None
        target = url_for("skosmos.vocab_data", vocid=view.vocab, uri=uri,
                         format=rep.rdf.media_type)  # fmt: skip
    resp = Response(status=303)
    resp.headers["Location"] = target
    resp.headers["Vary"] = "Accept"
    return resp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
