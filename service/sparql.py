"""``/sparql``: the SPARQL 1.1 Protocol endpoint, queries only.

- ``GET ?query=``, ``POST`` form (``application/x-www-form-urlencoded``), ``POST
  application/sparql-query``; ``default-graph-uri``/``named-graph-uri`` for the dataset.
- Results by ``format=`` (also ``output=``, ``results=``: media types or short names,
  repeated or not; one that names nothing offered is passed over), else ``Accept``
  (q-values); 406 problem+json, listing what is offered, only when neither names
  anything offered.
- Without a query: the Service Description (RDF, by ``Accept``), or an HTML query form
  for a browser.
- Updates (``update=``, ``application/sparql-update``) and ``SERVICE`` are refused
  with 400 and change nothing; nothing here ever makes a network request.
- A time limit and a row cap (:mod:`glossary.sparql`): 503 problem+json on timeout;
  a cut answer says so in ``X-Result-Truncated`` and ``Warning`` (and in the
  results' ``head`` ``link`` for JSON and XML).
- CORS open: ``Access-Control-Allow-Origin: *``, preflight answered.

Settings (``app.config`` keys, defaulting to the environment variables of the same
name): ``GLOSSARY_SPARQL_ENDPOINT`` (a remote SPARQL 1.1 store instead of the embedded
one), ``GLOSSARY_SPARQL_TIMEOUT`` (seconds, 10), ``GLOSSARY_SPARQL_ROW_LIMIT`` (10000),
``GLOSSARY_SPARQL_WORKERS`` (executor subprocesses per service process, 2),
``GLOSSARY_SPARQL_MEMORY_TRIPLES`` (a store up to this size is queried from each
executor's memory, 1000000; 0: on disk), and
``GLOSSARY_SPARQL_ENGINE`` (an :class:`glossary.sparql.Engine` object, for tests).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request
from werkzeug.exceptions import UnsupportedMediaType

from glossary.errors import BadQuery, GlossaryError, NotAcceptable, PayloadTooLarge
from glossary.formats import RdfFormat
from glossary.negotiation import choose_requested
from glossary.sparql import (
    GRAPH_FORMATS,
    GRAPH_NAMES,
    MAX_QUERY_BYTES,
    Engine,
    LocalEngine,
    content_type,
    engine_from_settings,
    prepare,
    serialize_graph,
    service_description,
    settings_from_env,
)
from service.params import warm_enabled

bp = Blueprint("sparql", __name__)

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Expose-Headers": "X-Result-Truncated, X-Result-Limit, Warning",
    "Access-Control-Max-Age": "86400",
}


def get_engine(app: Flask | None = None) -> Engine:
    """The app's SPARQL engine, made on first use (one per service process)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions["glossary"]
    engine: Engine | None = state.get("sparql_engine")
    if engine is not None:
        return engine
    with state.setdefault("sparql_engine_lock", threading.Lock()):  # threaded workers
        engine = state.get("sparql_engine")
        if engine is None:
            engine = _make_engine(app)
            state["sparql_engine"] = engine
    return engine


def _make_engine(app: Flask) -> Engine:
    configured = app.config.get("GLOSSARY_SPARQL_ENGINE")
    if configured is not None:
        engine = configured
    else:
        env = settings_from_env()

        def setting(name: str, key: str) -> Any:
            value = app.config.get(name)
            return env[key] if value is None else value

        from service import get_store

        engine = engine_from_settings(
            endpoint=setting("GLOSSARY_SPARQL_ENDPOINT", "endpoint"),
            snapshot=lambda: get_store(app).live_snapshot_path(),
            timeout=float(setting("GLOSSARY_SPARQL_TIMEOUT", "timeout")),
            row_limit=int(setting("GLOSSARY_SPARQL_ROW_LIMIT", "row_limit")),
            workers=int(setting("GLOSSARY_SPARQL_WORKERS", "workers")),
            queue=int(setting("GLOSSARY_SPARQL_QUEUE", "queue")),
            memory_quads=int(setting("GLOSSARY_SPARQL_MEMORY_TRIPLES", "memory_quads")),
        )
    return engine


def _one(name: str, values: list[str]) -> str | None:
    if len(values) > 1:
        raise BadQuery(
            f"the {name} parameter is given {len(values)} times",
            hint=f"send exactly one {name}",
        )
    return values[0] if values else None


def _refuse_update() -> BadQuery:
    return BadQuery(
        "SPARQL updates are refused: this endpoint is read-only",
        hint="load data with `glossary load FILE` on the server instead",
    )


def _read_query() -> str | None:
    """The query text of this request per the protocol, or None (no query at all)."""
    if request.method == "GET":
        if request.args.getlist("update"):
            raise _refuse_update()
        return _one("query", request.args.getlist("query"))
    mimetype = request.mimetype
    if request.content_length and request.content_length > MAX_QUERY_BYTES + 10_000:
        raise PayloadTooLarge(f"the request body is larger than {MAX_QUERY_BYTES:,} bytes")
    if mimetype == _FORM:
        if request.form.getlist("update"):
            raise _refuse_update()
        query = _one("query", request.form.getlist("query") + request.args.getlist("query"))
        if query is None:
            raise BadQuery(
                "the form has no query parameter", hint="send query=<SPARQL> in the body"
            )
        return query
    if mimetype == _UPDATE:
        raise _refuse_update()
    if mimetype == _QUERY:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise BadQuery(
                f"the query body is declared {charset}; SPARQL queries are UTF-8",
                hint="send it as UTF-8 (Content-Type: application/sparql-query; charset=utf-8)",
            )
        try:
            return request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadQuery(
                f"the query body is not valid UTF-8 (byte {exc.start})",
                hint="send it as UTF-8",
            ) from None
    shown = request.content_type or "none"
    raise UnsupportedMediaType(f"POST needs Content-Type {_FORM} or {_QUERY} (got {shown}).")


def _params(name: str) -> list[str]:
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == _FORM:
        values += request.form.getlist(name)
    return values


@bp.route("/sparql", methods=["GET", "POST"])
@bp.route("/sparql/", methods=["GET", "POST"])
def sparql() -> Response:
    query = _read_query()
    # Clients name the format in any of these, sometimes twice (SPARQLWrapper sends
    # format=rdf+xml&format=application/rdf+xml&output=...): all are hints, in order.
    fmt = [v for name in ("format", "output", "results") for v in _params(name)]
    if query is None:
        return _describe(fmt)
    defaults = _params("default-graph-uri")
    named = _params("named-graph-uri")
    has_protocol_dataset = bool(defaults or named)
    req, media_type = prepare(
        query,
        accept=request.headers.get("Accept"),
        format_param=fmt,
        default_graphs=defaults if has_protocol_dataset else None,
        named_graphs=named if has_protocol_dataset else None,
        base_iri=request.base_url,
    )
    result = get_engine().execute(req)
    # The negotiated type when the query has the form the lexer saw (always, for a
    # query that parses); otherwise the engine's choice for the real form.
    if req.form is None or (result.kind == "graph") != req.form.is_graph:
        media_type = result.media_type
    resp = Response(result.body, status=200, content_type=content_type(media_type))
    resp.headers["Vary"] = "Accept"
    if result.truncated:
        resp.headers["X-Result-Truncated"] = "true"
        resp.headers["X-Result-Limit"] = str(result.row_limit)
        resp.headers["Warning"] = (
            f'199 - "result truncated to the first {result.row_limit} rows; '
            'add a LIMIT/OFFSET to page"'
        )
    return resp


def _describe(fmt: list[str]) -> Response:
    """No query: the service description (RDF) or, for a browser, the query form."""
    offers = [f.media_type for f in GRAPH_FORMATS] + ["text/html"]
    names = {**GRAPH_NAMES, "html": "text/html"}
    chosen = choose_requested(fmt, request.headers.get("Accept"), offers, names)
    if chosen is None:
        raise NotAcceptable(
            "the service description is offered only as " + ", ".join(offers),
            offered=offers,
            hint="send a query, or accept one of the offered types",
        )
    engine = get_engine()
    graphs = engine.named_graphs()
    endpoint = request.base_url
    if chosen == "text/html":
        html = render_template(
            "sparql_form.html",
            endpoint=endpoint,
            graphs=graphs,
            example=_EXAMPLE,
            timeout=engine.timeout,
            row_limit=engine.row_limit,
        )
        resp = Response(html, content_type="text/html; charset=utf-8")
    else:
        rdf_format = RdfFormat.from_media_type(chosen) or RdfFormat.TURTLE
        body = serialize_graph(service_description(endpoint, graphs), rdf_format)
        resp = Response(body, content_type=content_type(chosen))
    resp.headers["Vary"] = "Accept"
    return resp


_EXAMPLE = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?concept ?label WHERE {
  ?concept a skos:Concept ; skos:prefLabel ?label .
  FILTER(LANG(?label) = "en")
}
ORDER BY ?label
LIMIT 20"""


@bp.after_request
def _cors(resp: Response) -> Response:
    for key, value in _CORS.items():
        resp.headers.setdefault(key, value)
    return resp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if not app.testing and warm_enabled(app):
        # Each service process readies its executors (started, the live snapshot copied
        # into memory) at start, so the first queries do not wait for them.
        threading.Thread(target=_warm, args=(app,), name="sparql-warm", daemon=True).start()


def _warm(app: Flask) -> None:
    try:
        engine = get_engine(app)
        if isinstance(engine, LocalEngine):
            engine.warm()
    except GlossaryError as exc:  # no store yet: the first query will open it
        logging.getLogger(__name__).info("SPARQL executors not warmed: %s", exc)
