"""``/openapi.json``: one contract for every JSON endpoint, and no path the app lacks.

Datasette's habit: an undocumented JSON route fails the suite. A route that answers
something other than JSON (HTML pages, linked data, dumps, static files) is listed in
:data:`NOT_JSON` with the reason, so leaving it out of the contract is a decision, not
an accident.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from service import create_app
from service.openapi import load_spec

#: Rules of the app's url_map that answer no JSON (endpoint name -> why).
NOT_JSON: dict[str, str] = {
    "static": "static files (CSS, JavaScript, images)",
    "pages.home": "HTML page",
    "pages.search": "HTML page (results of the search box)",
    "pages.vocabulary": "HTML page",
    "pages.index": "HTML page (alphabetical index)",
    "linkeddata.resource": "linked data: 303 to HTML or RDF by Accept (docs/linked-data.md)",
    "linkeddata.by_path": "linked data: concept URIs under the public base, by Accept",
    "dumps.dump": "RDF dumps of whole vocabularies (Turtle, N-Triples, ...)",
    "dumps.void": "VoID description (RDF)",
}
#: Rules documented under another path (alias -> documented path).
ALIASES = {"/sparql/": "/sparql"}
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def openapi_path(rule: str) -> str:
    """A Flask rule in OpenAPI's path syntax: ``/vocab/<vocab_id>/`` -> ``/vocab/{vocab_id}/``.

    >>> openapi_path("/dumps/<name>")
    '/dumps/{name}'
    """
    return re.sub(r"<(?:[a-z_]+:)?([A-Za-z_][A-Za-z0-9_]*)>", r"{\1}", rule)


@pytest.fixture(scope="module")
def app():  # type: ignore[no-untyped-def]
    return create_app({"TESTING": True, "GLOSSARY_STORE": "/nonexistent/openapi-test"})


def app_routes(app: Any) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_JSON:
            continue
        path = ALIASES.get(rule.rule, openapi_path(rule.rule))
        routes.setdefault(path, set()).update(m for m in rule.methods or () if m in _METHODS)
    return routes


def spec_routes(spec: dict[str, Any]) -> dict[str, set[str]]:
    return {
        path: {m.upper() for m in item if m.upper() in _METHODS}
        for path, item in spec["paths"].items()
    }


def test_served_as_json_with_cors(app) -> None:  # type: ignore[no-untyped-def]
    resp = app.test_client().get("/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    spec = resp.get_json()
    assert spec["openapi"].startswith("3.")
    from glossary import __version__

    assert spec["info"]["version"] == __version__


def undocumented(app: Any, spec: dict[str, Any]) -> set[str]:
    documented = spec_routes(spec)
    return {f"{m} {p}" for p, ms in app_routes(app).items() for m in ms - documented.get(p, set())}


def test_every_json_route_is_documented(app) -> None:  # type: ignore[no-untyped-def]
    """Fails when a blueprint adds a JSON route without describing it in
    service/openapi.yaml (or, if it answers no JSON, listing it in NOT_JSON here)."""
    missing = undocumented(app, load_spec())
    assert not missing, f"routes missing from service/openapi.yaml: {sorted(missing)}"


def test_every_documented_path_exists(app) -> None:  # type: ignore[no-untyped-def]
    routes = app_routes(app)
    phantom = {
        f"{m} {p}" for p, ms in spec_routes(load_spec()).items() for m in ms - routes.get(p, set())
    }
    assert not phantom, f"service/openapi.yaml documents what the app lacks: {sorted(phantom)}"


def test_not_json_list_is_current(app) -> None:  # type: ignore[no-untyped-def]
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = set(NOT_JSON) - endpoints
    assert not stale, f"NOT_JSON names endpoints the app no longer has: {sorted(stale)}"


def test_coverage_check_can_fail(app) -> None:  # type: ignore[no-untyped-def]
    spec = load_spec()
    trimmed = {**spec, "paths": {k: v for k, v in spec["paths"].items() if k != "/api/search"}}
    assert undocumented(app, trimmed) == {"GET /api/search"}


def test_every_operation_documents_problem_errors() -> None:
    spec = load_spec()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if path == "/openapi.json":
                continue
            responses = op["responses"]
            errors = [c for c in responses if c == "default" or c.startswith(("4", "5"))]
            assert errors, f"{method.upper()} {path} documents no error response"
            for code in errors:
                ref = responses[code]["$ref"]
                name = ref.rsplit("/", 1)[1]
                content = spec["components"]["responses"][name]["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)


def test_limits_are_documented_as_the_code_enforces_them() -> None:
    """The contract's bounds are the handlers' bounds (a drift here misleads clients)."""
    from glossary.reconcile import MAX_LIMIT
    from glossary.search import MAX_LIMIT as SEARCH_MAX
    from service.api import MAX_LIMIT as TREE_MAX
    from service.linkeddata import MAX_URI
    from service.search_api import MAX_OFFSET, MAX_Q

    spec = load_spec()
    params = spec["components"]["parameters"]

    def query_param(path: str, name: str) -> dict[str, Any]:
        for p in spec["paths"][path]["get"]["parameters"]:
            p = params[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
            if p["name"] == name:
                schema: dict[str, Any] = p["schema"]
                return schema
        raise AssertionError(f"{path} has no parameter {name}")

    assert query_param("/api/search", "limit")["maximum"] == SEARCH_MAX
    assert query_param("/api/search", "offset")["maximum"] == MAX_OFFSET
    assert query_param("/api/search", "q")["maxLength"] == MAX_Q
    assert query_param("/api/related", "k")["maximum"] == SEARCH_MAX
    assert params["TreeLimit"]["schema"]["maximum"] == TREE_MAX
    assert spec["components"]["schemas"]["AbsoluteUri"]["maxLength"] == MAX_URI
    assert MAX_LIMIT == SEARCH_MAX  # reconciliation limits follow the search index's
