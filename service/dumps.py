"""Full dumps of each vocabulary and their VoID/DCAT description.

- ``GET /dumps/<vocab>.ttl`` (``.nt``, ``.jsonld``, ``.rdf``): the whole vocabulary
  graph. Written once per store version (the vocabulary's content hash and load
  time name the file) into the dumps directory, atomically (temp file +
  ``os.replace``, so gunicorn workers can race safely), then served from disk with
  ``ETag`` and range support. Never regenerated per request.
- ``GET /.well-known/void``: a ``void:Dataset`` (also ``dcat:Dataset``) per vocabulary
  with ``void:dataDump``, ``dcat:distribution``, ``void:triples``, ``void:entities``,
  a class partition for ``skos:Concept``, ``void:sparqlEndpoint``, ``void:rootResource``
  (its schemes) and ``dct:license`` when the vocabulary states one. Negotiated:
  Turtle by default, JSON-LD, RDF/XML, N-Triples (``?format=`` too).

The dumps directory is ``DUMPS_DIR`` (app config) or ``$GLOSSARY_DUMPS_DIR``, else
``<store>/dumps``.

Remote mode (``GLOSSARY_SPARQL_ENDPOINT``): a dump is written from one CONSTRUCT of
the vocabulary's graph, once per remote version of that graph (the version is in the
file name, as above), into ``<cache>/remote/<endpoint>/dumps``, and served from there.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, send_file

from glossary.concepts import DCT, RDF, SKOS, serialize
from glossary.errors import NotAcceptable, NotFound
from glossary.formats import RdfFormat
from glossary.linkeddata import RDF_FORMATS, SUFFIXES, representation_for, suffix_for
from glossary.negotiation import choose
from service.linkeddata import catalog
from service.params import open_cors

bp = Blueprint("dumps", __name__)

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def dumps_dir() -> Path:
    configured = current_app.config.get("DUMPS_DIR") or os.environ.get("GLOSSARY_DUMPS_DIR")
    if configured:
        return Path(configured)
    store = current_app.extensions["glossary"].get("store")
    cache_dir = getattr(store, "cache_dir", None)  # remote mode: this endpoint's cache
    if cache_dir is not None:
        return Path(cache_dir()) / "dumps"
    path = getattr(store, "path", None)
    if path is not None:
        return Path(path) / "dumps"
    return Path(tempfile.gettempdir()) / f"semantic-glossary-dumps-{os.getuid()}"


def _dump_file(vocab: Any, fmt: RdfFormat) -> Path:
    """The dump of ``vocab`` in ``fmt``, written first if this store version has none."""
    key = f"{vocab.id}\n{vocab.loaded_at}\n{getattr(vocab, 'content_hash', '')}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    directory = dumps_dir()
    target = directory / f"{vocab.id}-{digest}.{suffix_for(fmt)}"
    if target.exists():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{vocab.id}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            _write_dump(vocab, fmt, out)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    # Older versions' dumps of this vocabulary are no longer linked from anywhere.
    for old in directory.glob(f"{vocab.id}-*.{suffix_for(fmt)}"):
        if old != target and old.name.rsplit("-", 1)[0] == vocab.id:
            old.unlink(missing_ok=True)
    return target


def _write_dump(vocab: Any, fmt: RdfFormat, out: Any) -> None:
    store = catalog().src
    export = getattr(store, "export", None)
    if export is not None:
        export(out, vocab_id=vocab.id, fmt=fmt)
        return
    import pyoxigraph  # a store without export(): dump its named graph directly

    ox = store.oxigraph()  # type: ignore[attr-defined]
    ox.dump(out, fmt.oxigraph, from_graph=pyoxigraph.NamedNode(vocab.graph))


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    stem, dot, ext = name.rpartition(".")
    rep = SUFFIXES.get(ext.lower()) if dot else None
    if rep is None:
        raise NotFound(
            f"no dump named {name!r}",
            hint="dumps are /dumps/<vocab>." + ", .".join(suffix_for(f) for f in RDF_FORMATS),
        )
    vocab = catalog().vocabulary(stem)
    path = _dump_file(vocab, rep)
    resp = send_file(
        path,
        mimetype=rep.media_type,
        conditional=True,
        etag=True,
        download_name=f"{vocab.id}.{suffix_for(rep)}",
        max_age=3600,
    )
    resp.headers["Content-Type"] = f"{rep.media_type}; charset=utf-8"
    return resp


def void_triples(root: str) -> list[Any]:
    """The VoID/DCAT description of every vocabulary, as pyoxigraph triples."""
    import pyoxigraph as ox

    def nn(x: str) -> Any:
        return ox.NamedNode(x)

    def lit(value: Any, datatype: str | None = None, lang: str | None = None) -> Any:
        if lang:
            return ox.Literal(str(value), language=lang)
        if datatype:
            return ox.Literal(str(value), datatype=nn(datatype))
        return ox.Literal(str(value))

    cat = catalog()
    doc = nn(root + ".well-known/void")
    triples = [
        ox.Triple(doc, nn(RDF + "type"), nn(VOID + "DatasetDescription")),
        ox.Triple(
            doc,
            nn(DCT + "title"),
            lit("The vocabularies of this semantic-glossary service", lang="en"),
        ),
    ]
    for v in cat.vocabularies():
        ds = nn(f"{root}.well-known/void#{v.id}")
        add = triples.append
        add(ox.Triple(doc, nn("http://xmlns.com/foaf/0.1/topic"), ds))
        add(ox.Triple(ds, nn(RDF + "type"), nn(VOID + "Dataset")))
        add(ox.Triple(ds, nn(RDF + "type"), nn(DCAT + "Dataset")))
        add(ox.Triple(ds, nn(DCT + "identifier"), lit(v.id)))
        if v.title:
            add(ox.Triple(ds, nn(DCT + "title"), lit(v.title)))
        add(ox.Triple(ds, nn(VOID + "triples"), lit(v.triples, XSD + "integer")))
        add(ox.Triple(ds, nn(VOID + "entities"), lit(v.concepts, XSD + "integer")))
        part = ox.BlankNode()
        add(ox.Triple(ds, nn(VOID + "classPartition"), part))
        add(ox.Triple(part, nn(VOID + "class"), nn(SKOS + "Concept")))
        add(ox.Triple(part, nn(VOID + "entities"), lit(v.concepts, XSD + "integer")))
        add(ox.Triple(ds, nn(VOID + "vocabulary"), nn(SKOS)))
        add(ox.Triple(ds, nn(VOID + "sparqlEndpoint"), nn(root + "sparql")))
        add(ox.Triple(ds, nn(VOID + "uriLookupEndpoint"), nn(root + "resource?uri=")))
        if v.loaded_at:
            add(ox.Triple(ds, nn(DCT + "modified"), lit(v.loaded_at, XSD + "dateTime")))
        for lang in v.languages:
            add(ox.Triple(ds, nn(DCT + "language"), lit(lang)))
        for scheme in v.schemes:
            add(ox.Triple(ds, nn(VOID + "rootResource"), nn(scheme)))
        for info in cat.scheme_info(v.id).values():
            for licence in info["licenses"]:
                if licence.startswith(("http://", "https://")):
                    add(ox.Triple(ds, nn(DCT + "license"), nn(licence)))
                else:
                    add(ox.Triple(ds, nn(DCT + "license"), lit(licence)))
            for rights in info["rights"]:
                add(ox.Triple(ds, nn(DCT + "rights"), lit(rights)))
        for fmt in RDF_FORMATS:
            url = nn(f"{root}dumps/{v.id}.{suffix_for(fmt)}")
            add(ox.Triple(ds, nn(VOID + "dataDump"), url))
            dist = nn(f"{root}.well-known/void#{v.id}-{suffix_for(fmt)}")
            add(ox.Triple(ds, nn(DCAT + "distribution"), dist))
            add(ox.Triple(dist, nn(RDF + "type"), nn(DCAT + "Distribution")))
            add(ox.Triple(dist, nn(DCAT + "downloadURL"), url))
            add(ox.Triple(dist, nn(DCAT + "mediaType"), lit(fmt.media_type)))
            add(ox.Triple(dist, nn(DCT + "format"), lit(fmt.label)))
    return triples


@bp.get("/.well-known/void")
def void() -> Response:
    fmt_arg = request.args.get("format")
    if fmt_arg:
        rep = representation_for(fmt_arg)
        if rep.rdf is None:
            raise NotAcceptable("the VoID description is RDF only", offered=_void_offers())
        fmt = rep.rdf
        negotiated = False
    else:
        chosen = choose(request.headers.get("Accept"), _void_offers())
        if chosen is None:
            raise NotAcceptable(
                f"none of the media types in the Accept header ({request.headers.get('Accept')})"
                " is offered for the VoID description",
                offered=_void_offers(),
                hint="ask for text/turtle, or add ?format=ttl",
            )
        fmt = RdfFormat.from_media_type(chosen) or RdfFormat.TURTLE
        negotiated = True
    body = serialize(void_triples(request.host_url), fmt)
    resp = Response(body, mimetype=fmt.media_type)
    resp.headers["Content-Type"] = f"{fmt.media_type}; charset=utf-8"
    if negotiated:
        resp.headers["Vary"] = "Accept"
    return resp


def _void_offers() -> list[str]:
    return [f.media_type for f in RDF_FORMATS]


open_cors(bp)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
