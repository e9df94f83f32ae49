"""The W3C SPARQL 1.1 Protocol test suite, as data, against ``/sparql``.

The cases come from ``tests/data/protocol/sparql11-protocol-tests.json`` (a copy of
``/work/shared/conformance/sparql11-protocol-tests.json``); each becomes one test,
run twice: on the embedded engine (executor subprocesses on a pyoxigraph store) and on
a remote engine forwarding to a real Oxigraph server on loopback. The dataset tests
(``FIXTURE``) run on the graphs of ``tests/data/protocol/dataset.trig``.

Known non-applicable cases are listed in :data:`NOT_APPLICABLE` with the reason; they
are not skipped: each is checked for what a read-only endpoint must do instead (the
update refused with 4xx, and nothing changed).
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from conftest import oxigraph_exe, oxigraph_server

from glossary.formats import RdfFormat, ResultFormat
from glossary.sparql import LocalEngine
from glossary.sparql_remote import RemoteEngine
from service import create_app

PROTOCOL = Path(__file__).resolve().parent / "data" / "protocol"
CASES: list[dict[str, Any]] = json.loads(
    (PROTOCOL / "sparql11-protocol-tests.json").read_text(encoding="utf-8")
)
#: Cases that do not apply to a read-only endpoint, and why. Each is still run: its
#: update request must be refused with 4xx and its check query must find no change.
NOT_APPLICABLE = {
    "update_dataset_default_graph": "read-only endpoint: SPARQL Update is refused",
    "update_dataset_default_graphs": "read-only endpoint: SPARQL Update is refused",
    "update_dataset_named_graphs": "read-only endpoint: SPARQL Update is refused",
    "update_dataset_full": "read-only endpoint: SPARQL Update is refused",
    "update_post_form": "read-only endpoint: SPARQL Update is refused",
    "update_post_direct": "read-only endpoint: SPARQL Update is refused",
    "update_base_uri": "read-only endpoint: SPARQL Update is refused",
}
EXPECTED = {"REQUIRED": 21, "FIXTURE": 6, "NOT_APPLICABLE(update)": 7}
MODES = ["local", "local-disk", "remote"]  # local: executors copy the store into memory
RAN: dict[str, set[str]] = {mode: set() for mode in MODES}


def test_the_suite_is_what_we_expect() -> None:
    counts: dict[str, int] = {}
    for case in CASES:
        counts[case["applicability"]] = counts.get(case["applicability"], 0) + 1
    assert counts == EXPECTED
    na = {c["id"] for c in CASES if c["applicability"].startswith("NOT_APPLICABLE")}
    assert na == set(NOT_APPLICABLE)
    shared = Path(__file__).resolve().parents[2] / "shared" / "conformance"
    if (shared / "sparql11-protocol-tests.json").exists():  # the copy is still current
        assert json.loads((shared / "sparql11-protocol-tests.json").read_text()) == CASES


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("protocol-store") / "db"
    store = ox.Store(str(path))
    store.bulk_load(path=str(PROTOCOL / "dataset.trig"), format=ox.RdfFormat.TRIG)
    store.flush()
    del store
    return path


@pytest.fixture(scope="module")
def oxigraph_remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server on loopback holding the fixture graphs."""
    location = tmp_path_factory.mktemp("oxigraph-server")
    subprocess.run([oxigraph_exe(), "load", "--location", str(location), "--file",
                    str(PROTOCOL / "dataset.trig")], check=True, capture_output=True)  # fmt: skip
    with oxigraph_server("serve-read-only", "--location", str(location),
                         "--union-default-graph") as base:  # fmt: skip
        yield base + "/query"


@pytest.fixture(scope="module", params=MODES)
def mode_client(request: pytest.FixtureRequest, dataset_dir: Path, tmp_path_factory):  # type: ignore[no-untyped-def]
    if request.param.startswith("local"):
        memory_quads = 0 if request.param == "local-disk" else 1_000_000
        engine: Any = LocalEngine(lambda: dataset_dir, timeout=10, workers=2,
                                  memory_quads=memory_quads)  # fmt: skip
    else:
        engine = RemoteEngine(request.getfixturevalue("oxigraph_remote"), timeout=10)
    app = create_app({
        "TESTING": True,
        "GLOSSARY_STORE": str(tmp_path_factory.mktemp("unused-store")),
        "GLOSSARY_SPARQL_ENGINE": engine,
    })  # fmt: skip
    yield request.param, app.test_client()
    engine.close()


# --------------------------------------------------------------------------- checking


def _status_ok(status: int, expected: list[str]) -> bool:
    return any(str(status)[0] == e[0] for e in expected)


def _check_format(resp: Any, spec: dict[str, Any]) -> None:
    expect = spec["expect_format"]
    if expect is None:
        return
    media_type = resp.mimetype
    body = resp.get_data()
    if expect == "boolean":
        fmt = ResultFormat.from_media_type(media_type)
        assert fmt in (ResultFormat.JSON, ResultFormat.XML), media_type
        result = ox.parse_query_results(body, fmt.oxigraph)
        assert isinstance(result, ox.QueryBoolean), body
        if spec["expect_boolean"] is not None:
            assert bool(result) is spec["expect_boolean"], body
    elif expect == "tabular":
        fmt = ResultFormat.from_media_type(media_type)
        assert fmt is not None, media_type
        if fmt is ResultFormat.CSV:
            assert body.splitlines()[0].strip() == b"value"
        else:
            sols = ox.parse_query_results(body, fmt.oxigraph)
            assert isinstance(sols, ox.QuerySolutions)
            assert [v.value for v in sols.variables] == ["value"]
    elif expect == "RDF":
        rdf = RdfFormat.from_media_type(media_type)
        assert rdf in (RdfFormat.RDFXML, RdfFormat.TURTLE, RdfFormat.NTRIPLES), media_type
        list(ox.parse(io.BytesIO(body), format=rdf.oxigraph))  # parses
    else:  # pragma: no cover - a new kind of expectation in the suite
        raise AssertionError(f"unknown expect_format {expect!r}")


def _send(client: Any, spec: dict[str, Any]) -> Any:
    body = spec["body"]
    data = body.encode(spec["body_encoding"] or "utf-8") if body is not None else None
    parts = urlsplit(spec["path"])
    kwargs: dict[str, Any] = {"method": spec["method"], "data": data}
    if spec["content_type"]:
        kwargs["content_type"] = spec["content_type"]
    return client.open(parts.path, query_string=parts.query, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_protocol_case(mode_client: Any, case: dict[str, Any]) -> None:
    mode, client = mode_client
    requests = case["requests"]
    if case["id"] in NOT_APPLICABLE:
        update, *checks = requests
        resp = _send(client, update)
        assert 400 <= resp.status_code < 500, (resp.status_code, resp.get_data())
        assert resp.mimetype == "application/problem+json"
        assert "read-only" in resp.get_json()["detail"]
        for check in checks:  # nothing changed: the graphs the update writes are absent
            resp = _send(client, check)
            assert resp.status_code == 200, resp.get_data()
            result = ox.parse_query_results(resp.get_data(), ResultFormat.JSON.oxigraph)
            assert bool(result) is False
    else:
        for spec in requests:
            resp = _send(client, spec)
            assert _status_ok(resp.status_code, spec["expect_status"]), (
                resp.status_code, resp.get_data()[:500])  # fmt: skip
            if resp.status_code < 300:
                _check_format(resp, spec)
            else:
                assert resp.mimetype == "application/problem+json"
    RAN[mode].add(case["id"])


def test_every_case_ran() -> None:
    """Runs last in this module: every case of the suite ran in every mode."""
    ids = {c["id"] for c in CASES}
    for mode in MODES:
        assert RAN[mode] == ids, (mode, sorted(ids - RAN[mode]))
