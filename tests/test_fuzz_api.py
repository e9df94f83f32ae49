"""Fuzzing the JSON API against its contract (service/openapi.yaml) with schemathesis.

In process, against the WSGI app over a store holding the bundled community glossary
and the reconciliation fixture (``hash`` encoder). For every operation of
``/openapi.json``: no 5xx (``not_a_server_error``), every response conforms to its
documented schema (``response_schema_conformance``) and has a documented content type
(``content_type_conformance``). Hypothesis runs derandomized, so a run is repeatable:
30 valid and 15 invalid requests per operation here, 300 and 150 in the slow run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

RECON = Path(__file__).resolve().parent / "data" / "reconcile" / "recon.ttl"
SPEC = Path(__file__).resolve().parent.parent / "service" / "openapi.yaml"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from glossary.cli.serve import prepare_store
    from glossary.store import Store
    from service import create_app

    path = tmp_path_factory.mktemp("fuzz-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        prepare_store(path)
        with Store.open(path, read_only=False) as store:
            store.load([RECON], vocab_id="recon")
    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(path),
                      "GLOSSARY_WARM_CACHES": False,
                      # small bodies keep the fuzzer's validations fast
                      "GLOSSARY_VALIDATE_MAX_BYTES": 64 * 1024})  # fmt: skip
    inner = app.wsgi_app
    app.config["FUZZ_REQUESTS"] = 0

    def counting(environ, start_response):  # type: ignore[no-untyped-def]
        app.config["FUZZ_REQUESTS"] += 1
        return inner(environ, start_response)

    app.wsgi_app = counting  # type: ignore[method-assign]
    return app


@pytest.fixture
def api_schema(fuzz_app, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    return schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)


def _operations() -> list[tuple[str, str]]:
    """Every (path, method) of the contract file (read at collection: cheap, no app)."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return [(path, method.upper()) for path, item in spec["paths"].items()
            for method in item if method in ("get", "post", "put", "patch", "delete")]  # fmt: skip


OPERATIONS = _operations()


def fuzz(api_schema, path: str, method: str, examples: int) -> int:  # type: ignore[no-untyped-def]
    """Run ``examples`` valid and half as many invalid generated requests (derandomized:
    the same requests every run) through the app and check each response; returns the
    number of requests the app answered."""
    app = api_schema.app
    before = app.config["FUZZ_REQUESTS"]
    operation = api_schema[path][method]
    raw = operation.definition.raw
    has_inputs = bool(raw.get("parameters") or raw.get("requestBody"))
    # An operation without inputs has no invalid request to make.
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if has_inputs else [])
    for mode in modes:
        n = examples if mode is GenerationMode.POSITIVE else max(1, examples // 2)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=n, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])  # fmt: skip
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=CHECKS)

        run()
    return int(app.config["FUZZ_REQUESTS"] - before)


def test_every_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 17  # the contract's operations, all parametrized below
    assert ("/reconcile", "POST") in OPERATIONS and ("/api/validate", "POST") in OPERATIONS


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_api_conforms_to_its_contract(api_schema, path: str, method: str) -> None:  # type: ignore[no-untyped-def]
    answered = fuzz(api_schema, path, method, 30)
    assert answered >= (1 if path in ("/health", "/openapi.json", "/api/vocabularies") else 20)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_api_conforms_to_its_contract_long(api_schema, path: str, method: str) -> None:  # type: ignore[no-untyped-def]
    fuzz(api_schema, path, method, 300)


def test_the_fuzzer_catches_a_broken_contract(fuzz_app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The checks can fail: a contract that promises a member the app never sends."""
    import copy

    from service.openapi import load_spec

    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    spec = copy.deepcopy(load_spec())
    spec["components"]["schemas"]["Vocabulary"]["required"].append("colour")
    broken = schemathesis.openapi.from_dict(spec)
    broken.app = fuzz_app
    with pytest.raises(FailureGroup) as caught:
        fuzz(broken, "/api/vocabularies", "GET", 5)
    assert '"colour" is a required property' in str(caught.value.exceptions[0])


#: Requests the fuzzer once answered with a 500: regression tests. The validator now
#: reads the parsed triples directly (no rdflib term round trip), so a property IRI
#: that rdflib cannot write (``x!\\``) is validated, not a crash.
FOUND_BY_FUZZING = [
    pytest.param(
        "application/ld+json",
        b'{"@id": "http://example.org/a", "x!\\\\": "v"}',
        id="validate-jsonld-invalid-property-iri",
    ),
]


@pytest.mark.parametrize(("media_type", "body"), FOUND_BY_FUZZING)
def test_requests_found_by_fuzzing_are_not_server_errors(
    fuzz_app, media_type: str, body: bytes
) -> None:  # type: ignore[no-untyped-def]
    resp = fuzz_app.test_client().post("/api/validate", data=body, content_type=media_type)
    assert resp.status_code in (200, 400), resp.get_data(as_text=True)[:300]
    assert resp.is_json


#: The surfaces other software drives hardest (Skosmos clients, OpenRefine): fuzzed with
#: ten times the examples in the slow suite.
DEEP = [(p, m) for p, m in OPERATIONS if p.startswith(("/rest/v1/", "/reconcile"))]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "method"), DEEP)
def test_skosmos_and_reconciliation_under_more_examples(api_schema, path: str, method: str) -> None:  # type: ignore[no-untyped-def]
    assert len(DEEP) >= 30
    answered = fuzz(api_schema, path, method, 300)
    assert answered >= 200
