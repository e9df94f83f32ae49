"""SPARQL under load: a query running to its time limit must not take the rest of the
service with it. The executor pool queues at most ``queue`` queries per service process
and refuses the next at once (503 problem+json with Retry-After), so SPARQL never holds
every request thread; executors run niced, so pages win the CPU; and ``glossary serve``
runs threaded gunicorn workers, so /health and pages answer beside slow queries."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from glossary.errors import EngineBusy, QueryTimeout
from glossary.sparql import EXECUTOR_NICENESS, LocalEngine, QueryRequest, prepare
from service import create_app

#: Five-way cross product of a few hundred triples: runs far past any time limit here.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("admission") / "db"
    store = ox.Store(str(path))
    label = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    store.extend(
        ox.Quad(ox.NamedNode(f"http://example.org/c{i}"), label, ox.Literal(f"c {i}"))
        for i in range(300)
    )
    store.flush()
    del store
    return path


@pytest.fixture
def engine(store_dir: Path) -> Iterator[LocalEngine]:
    eng = LocalEngine(lambda: store_dir, timeout=2.0, workers=1, queue=1)
    yield eng
    eng.close()


def _request(query: str) -> QueryRequest:
    req, _ = prepare(query)
    return req


def test_past_the_queue_a_query_is_refused_at_once(engine: LocalEngine) -> None:
    outcomes: list[str] = []

    def slow() -> None:
        try:
            engine.execute(_request(SLOW))
        except QueryTimeout:
            outcomes.append("timeout")

    running = threading.Thread(target=slow)
    running.start()
    time.sleep(0.5)  # the one executor is busy
    waiting = threading.Thread(target=slow)
    waiting.start()
    time.sleep(0.3)  # ... and the one queue place taken
    start = time.monotonic()
    with pytest.raises(EngineBusy) as exc:
        engine.execute(_request("ASK { ?s ?p ?o }"))
    refused_after = time.monotonic() - start
    assert "1 SPARQL executors" in exc.value.message and "1 queries are waiting" in str(exc.value)
    assert exc.value.http_status == 503
    running.join()
    waiting.join()
    assert refused_after < 1.0  # at once, not at the end of the time limit
    # Both slow queries were accepted: one ran, one waited its turn within its deadline.
    assert outcomes == ["timeout", "timeout"]
    # Once the queue drains, queries are accepted again.
    assert engine.execute(_request("ASK { ?s ?p ?o }")).body


def test_a_busy_endpoint_answers_503_problem_with_retry_after(engine: LocalEngine) -> None:
    app = create_app({"TESTING": True, "GLOSSARY_SPARQL_ENGINE": engine})
    client = app.test_client()
    threads = [
        threading.Thread(
            target=client.get, args=("/sparql",), kwargs={"query_string": {"query": SLOW}}
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
        time.sleep(0.4)
    resp = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    for t in threads:
        t.join()
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["Retry-After"] == "2"
    body: dict[str, Any] = resp.get_json()
    assert body["title"] == "SPARQL endpoint busy" and "retry" in body["hint"]


def test_a_queue_of_zero_refuses_every_wait(store_dir: Path) -> None:
    eng = LocalEngine(lambda: store_dir, timeout=2.0, workers=1, queue=0)
    try:

        def slow() -> None:
            with pytest.raises(QueryTimeout):
                eng.execute(_request(SLOW))

        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.5)
        with pytest.raises(EngineBusy):
            eng.execute(_request("ASK { ?s ?p ?o }"))
        t.join()
    finally:
        eng.close()


def test_executors_run_nicer_than_the_service(engine: LocalEngine) -> None:
    engine.execute(_request("ASK { ?s ?p ?o }"))
    (worker,) = engine.pool._idle
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    theirs = os.getpriority(os.PRIO_PROCESS, worker.proc.pid)
    assert theirs == min(19, ours + EXECUTOR_NICENESS)


@pytest.mark.slow
def test_pages_and_health_answer_while_sparql_runs_to_its_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One gunicorn worker process (the hardest case): four queries run to the time
    limit (two executors, two queued), a fifth is refused at once, and meanwhile
    /health, label search and a concept page all answer before the slow ones end."""
    import requests
    from conftest import STORE_DATA
    from test_serve import Server

    from glossary.store import Store

    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    monkeypatch.setenv("GLOSSARY_SPARQL_TIMEOUT", "4")
    with Store.open(tmp_path / "st", read_only=False) as store:
        store.load([STORE_DATA / "mini.ttl"])
    server = Server(tmp_path / "st", tmp_path / "serve.log", workers=1)
    slow: list[tuple[int, float]] = []
    try:
        server.wait_healthy()

        def run_slow() -> None:
            resp = requests.get(server.url + "/sparql", params={"query": SLOW}, timeout=30)
            slow.append((resp.status_code, time.monotonic()))

        threads = [threading.Thread(target=run_slow) for _ in range(4)]
        for t in threads:
            t.start()
            time.sleep(0.3)
        time.sleep(0.5)
        busy = requests.get(server.url + "/sparql", params={"query": SLOW}, timeout=30)
        others: list[tuple[str, int, float]] = []
        for path, params in [
            ("/health", {}),
            ("/api/search", {"q": "app"}),
            ("/resource", {"uri": "https://example.org/mini/apple"}),
        ] * 5:
            resp = requests.get(server.url + path, params=params, timeout=30)
            others.append((path, resp.status_code, time.monotonic()))
        for t in threads:
            t.join()
    finally:
        assert server.stop() == 0, server.output()
    assert busy.status_code == 503 and busy.headers.get("Retry-After") == "2", busy.text
    assert sorted(code for code, _ in slow) == [503] * 4  # each stopped at its limit
    first_slow_end = min(end for _, end in slow)
    assert all(code == 200 for _, code, _ in others), others
    # Every other request was answered while all four slow queries were still running.
    assert max(end for _, _, end in others) < first_slow_end, (others, slow)
