"""A remote SPARQL 1.1 store behind the service (``GLOSSARY_SPARQL_ENDPOINT``).

For users who outgrow one machine: Oxigraph server, Virtuoso, GraphDB, QLever or
Fuseki hold the data; the service stays stateless and forwards user queries with the
same rules as the embedded engine: updates and ``SERVICE`` refused before anything is
sent (:func:`glossary.sparql.check_query`), the same time limit (the whole exchange,
connection to last byte) and the same row cap.

The remote answer is asked in one format every store speaks (SPARQL JSON for
SELECT/ASK, N-Triples or Turtle for graphs), parsed with pyoxigraph, cut at the row
cap, and written in the format the client negotiated, so every client sees the same
behaviour whatever store is behind. Standard library HTTP only (http.client), with
one deadline for the whole exchange.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from typing import Any

from glossary.errors import BadQuery, QueryTimeout, StoreError
from glossary.formats import RdfFormat, ResultFormat
from glossary.sparql import (
    DEFAULT_ROW_LIMIT,
    DEFAULT_TIMEOUT,
    QueryRequest,
    QueryResult,
    check_query,
    inspect_query,
    write_solutions,
    write_triples,
)

_ACCEPT_RESULTS = "application/sparql-results+json"
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
#: The most a remote answer may weigh before it is cut off (bytes).
MAX_REMOTE_BYTES = 512 * 1024 * 1024


class RemoteEngine:
    """Forwards user SPARQL to ``endpoint`` (a SPARQL 1.1 Protocol query URL)."""

    def __init__(
        self, endpoint: str, *, timeout: float = DEFAULT_TIMEOUT,
        row_limit: int = DEFAULT_ROW_LIMIT,
    ) -> None:  # fmt: skip
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreError(
                f"the SPARQL endpoint {endpoint!r} is not an http(s) URL",
                hint="e.g. GLOSSARY_SPARQL_ENDPOINT=http://localhost:8890/sparql",
            )
        self.endpoint = endpoint
        self._parts = parts
        self._path = parts.path or "/"
        if parts.query:
            self._path += "?" + parts.query
        self.timeout = float(timeout)
        self.row_limit = int(row_limit)

    def _post(self, request: QueryRequest, accept: str, timeout: float) -> tuple[str, bytes]:
        """POST the query; the answer's media type and body, all within ``timeout``.

        A URL-encoded form (``query``, ``default-graph-uri``, ``named-graph-uri``): the
        one request every SPARQL 1.1 store accepts.
        """
        params: list[tuple[str, str]] = [("query", request.query)]
        params += [("default-graph-uri", g) for g in request.default_graphs or ()]
        params += [("named-graph-uri", g) for g in request.named_graphs or ()]
        body = urllib.parse.urlencode(params).encode("ascii")
        deadline = time.monotonic() + timeout
        conn_class = (
            http.client.HTTPSConnection
            if self._parts.scheme == "https"
            else http.client.HTTPConnection
        )
        conn = conn_class(self._parts.netloc, timeout=timeout)
        resp: http.client.HTTPResponse | None = None
        try:
            conn.request("POST", self._path, body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": accept,
                "User-Agent": "semantic-glossary",
            })  # fmt: skip
            _settimeout(conn, deadline)
            resp = conn.getresponse()
            chunks: list[bytes] = []
            size = 0
            while True:
                _settimeout(conn, deadline)
                chunk = resp.read1(1 << 16)  # one recv: the deadline is checked between
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_REMOTE_BYTES:
                    raise StoreError(
                        f"the remote answer is larger than {MAX_REMOTE_BYTES:,} bytes",
                        where=self.endpoint,
                    )
                chunks.append(chunk)
            data = b"".join(chunks)
        except TimeoutError:
            raise QueryTimeout(
                f"the query timed out after {timeout:g} s and was stopped",
                where=self.endpoint,
                hint="make it more selective (a LIMIT, fewer property paths)",
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise StoreError(
                f"the SPARQL store cannot be reached: {exc}", where=self.endpoint,
                hint="check GLOSSARY_SPARQL_ENDPOINT and that the store is running",
            ) from None  # fmt: skip
        finally:
            if resp is not None:
                resp.close()  # its file object holds the socket open otherwise
            conn.close()
        assert resp is not None
        if resp.status >= 400:
            detail = data[:4000].decode("utf-8", "replace").strip()
            if resp.status < 500:
                raise BadQuery(
                    f"the SPARQL store refused the query ({resp.status}): {detail}",
                    where=self.endpoint,
                )
            raise StoreError(f"the SPARQL store failed ({resp.status}): {detail}",
                             where=self.endpoint)  # fmt: skip
        if resp.getheader("X-SQL-State"):
            # Virtuoso's "anytime query": past its MaxQueryExecutionTime it answers 200
            # with the rows found so far and this header. A partial answer is no answer.
            raise QueryTimeout(
                "the SPARQL store stopped the query at its own time limit and sent a "
                f"partial answer ({resp.getheader('X-SQL-State')}: "
                f"{resp.getheader('X-SQL-Message') or 'no message'})",
                where=self.endpoint,
                hint="make the query more selective; the store's limit is "
                "MaxQueryExecutionTime in virtuoso.ini",
            )
        media_type = (resp.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
        return media_type, data

    def execute(self, request: QueryRequest) -> QueryResult:
        import pyoxigraph

        check_query(request.query)  # refuse before anything leaves this machine
        timeout = request.timeout if request.timeout is not None else self.timeout
        limit = request.row_limit if request.row_limit is not None else self.row_limit
        form = inspect_query(request.query).form
        start = time.monotonic()
        if form is not None and form.is_graph:
            media_type, data = self._post(request, _ACCEPT_GRAPH, timeout)
            fmt = RdfFormat.from_media_type(media_type) or RdfFormat.NTRIPLES
            try:
                triples = [q.triple for q in pyoxigraph.parse(data, format=fmt.oxigraph)]
            except SyntaxError as exc:
                raise StoreError(f"the SPARQL store sent unreadable {fmt.label}: {exc}",
                                 where=self.endpoint) from None  # fmt: skip
            body, rows, truncated = write_triples(triples, request.graph_format, limit)
            out_type, kind = request.graph_format.media_type, "graph"
        else:
            _, data = self._post(request, _ACCEPT_RESULTS, timeout)
            try:
                parsed = pyoxigraph.parse_query_results(data, pyoxigraph.QueryResultsFormat.JSON)
            except (SyntaxError, ValueError) as exc:
                raise StoreError(f"the SPARQL store sent unreadable results: {exc}",
                                 where=self.endpoint) from None  # fmt: skip
            fmt_r = request.result_format
            if isinstance(parsed, pyoxigraph.QueryBoolean):
                body = parsed.serialize(format=fmt_r.oxigraph) or b""
                kind, rows, truncated = "boolean", 1, False
            else:
                body, rows, truncated = write_solutions(parsed, fmt_r, limit)
                kind = "solutions"
            out_type = fmt_r.media_type
        return QueryResult(
            body=body, media_type=out_type, kind=kind, rows=rows, truncated=truncated,
            row_limit=limit, elapsed=time.monotonic() - start,
        )  # fmt: skip

    def fetch(
        self, query: str, *, default_graphs: tuple[str, ...] | None = None,
        named_graphs: tuple[str, ...] | None = None, timeout: float | None = None,
    ) -> Any:  # fmt: skip
        """Run a trusted query of the code itself (no checks, no row cap) and return
        pyoxigraph objects: ``QuerySolutions`` (SELECT), ``QueryBoolean`` (ASK) or a
        list of ``Triple`` (CONSTRUCT/DESCRIBE). Used by :mod:`glossary.remote_store`.

        A 4xx from the store is a :class:`StoreError` here, not a :class:`BadQuery`:
        the query is the service's own, so a refusal is the store's fault or its
        dialect's, never the user's.
        """
        import pyoxigraph

        form = inspect_query(query).form
        request = QueryRequest(query=query, default_graphs=default_graphs,
                               named_graphs=named_graphs)  # fmt: skip
        wait = self.timeout if timeout is None else timeout
        graph = form is not None and form.is_graph
        try:
            media_type, data = self._post(request, _ACCEPT_GRAPH if graph else _ACCEPT_RESULTS,
                                          wait)  # fmt: skip
        except BadQuery as exc:
            raise StoreError(exc.message, where=exc.where,
                             hint="the remote store does not accept a query of the service; "
                             "check that it speaks SPARQL 1.1") from None  # fmt: skip
        try:
            if graph:
                fmt = RdfFormat.from_media_type(media_type) or RdfFormat.NTRIPLES
                return [q.triple for q in pyoxigraph.parse(data, format=fmt.oxigraph)]
            return pyoxigraph.parse_query_results(data, pyoxigraph.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"the SPARQL store sent an unreadable answer: {exc}",
                             where=self.endpoint) from None  # fmt: skip

    def named_graphs(self) -> list[str]:
        req = QueryRequest(
            query="SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g",
            result_format=ResultFormat.JSON,
            timeout=min(self.timeout, 5.0),
        )
        result = self.execute(req)
        data = json.loads(result.body)
        return [b["g"]["value"] for b in data["results"]["bindings"] if b["g"]["type"] == "uri"]

    def close(self) -> None:
        pass


def _settimeout(conn: http.client.HTTPConnection, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    if conn.sock is not None:
        conn.sock.settimeout(left)
