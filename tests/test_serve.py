"""``glossary serve`` for real (gunicorn, workers), and /health before and after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import ROOT, STORE_DATA, free_port, oxigraph_exe, oxigraph_server

from glossary.cli.serve import gunicorn_argv
from glossary.store import Store
from service import create_app

MINI = STORE_DATA / "mini.ttl"
INVALID = STORE_DATA / "invalid.ttl"


class Server:
    def __init__(
        self, store: Path, log: Path, workers: int = 2, extra: tuple[str, ...] = ()
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "GLOSSARY_EMBEDDING_MODEL": "hash"}
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "glossary", "serve", "--store", str(store),
                 "--port", str(self.port), "--workers", str(workers), *extra],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_healthy(self, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}:\n{self.output()}")
            try:
                resp = requests.get(self.url + "/health", timeout=5)
            except requests.ConnectionError:
                time.sleep(0.2)
                continue
            if resp.status_code == 200:
                return resp.json()
            time.sleep(0.2)
        raise AssertionError(f"no healthy answer in {timeout}s:\n{self.output()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def mini_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    with Store.open(tmp_path / "st", read_only=False) as store:
        store.load([MINI])
    return tmp_path / "st"


def test_serve_answers_health_follows_loads_and_stops_cleanly(
    mini_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server(mini_store, tmp_path / "serve.log")
    try:
        health = server.wait_healthy()
        assert health["status"] == "ok"
        assert health["vocabularies"] == 1
        assert health["concepts"] == 5
        assert health["snapshot"] == 1
        resp = requests.get(server.url + "/health", timeout=5)
        assert resp.headers["Content-Type"] == "application/json"
        # A load while serving: every worker switches to the new snapshot by itself.
        with Store.open(mini_store, read_only=False) as store:
            store.load([INVALID], allow_invalid=True)
        time.sleep(0.5)  # > GLOSSARY_STORE_CHECK_INTERVAL
        answers = [requests.get(server.url + "/health", timeout=5).json() for _ in range(12)]
        assert all(a["snapshot"] == 2 and a["vocabularies"] == 2 for a in answers), answers
    finally:
        code = server.stop()
    out = server.output()
    assert code == 0, out
    assert "Shutting down: Master" in out
    assert "Traceback" not in out


def test_serve_fills_an_empty_store_with_the_bundled_glossary(tmp_path: Path) -> None:
    store = tmp_path / "fresh"
    server = Server(store, tmp_path / "serve.log", workers=1)
    try:
        health = server.wait_healthy()
    finally:
        code = server.stop()
    assert code == 0, server.output()
    assert health["vocabularies"] == 1
    assert health["concepts"] > 10
    with Store.open(store) as opened:
        [vocab] = opened.vocabularies()
        assert vocab.id == "community"
        assert vocab.source == "glossary/terms"
        assert vocab.conforms


def test_health_is_503_until_the_store_is_ready(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    path = tmp_path / "later"
    client = create_app({"TESTING": True, "GLOSSARY_STORE": str(path),
                         "GLOSSARY_STORE_CHECK_INTERVAL": 0}).test_client()  # fmt: skip
    resp = client.get("/health")  # no store directory yet
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["Retry-After"] == "5"
    assert "glossary load" in resp.get_json(force=True)["hint"]
    with Store.open(path, read_only=False) as store:
        assert client.get("/health").status_code == 503  # exists, but empty
        store.load([MINI])
    resp = client.get("/health")  # the same app, without a restart
    assert resp.status_code == 200
    assert resp.get_json()["vocabularies"] == 1


@pytest.mark.parametrize(
    ("host", "bind"),
    [("127.0.0.1", "127.0.0.1:8000"), ("::1", "[::1]:8000"), ("0.0.0.0", "0.0.0.0:8000")],
)
def test_gunicorn_bind(host: str, bind: str) -> None:
    argv = gunicorn_argv(host, 8000, 3)
    assert argv[argv.index("--bind") + 1] == bind
    assert argv[argv.index("--workers") + 1] == "3"


@pytest.mark.parametrize("bad", [["--port", "0"], ["--port", "http"], ["--workers", "0"]])
def test_bad_serve_arguments_exit_2(bad: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    from glossary.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["serve", *bad])
    assert exc.value.code == 2
    assert "glossary serve: error" in capsys.readouterr().err


def test_two_servers_filling_one_empty_store(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from glossary.cli.serve import prepare_store

    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    path = tmp_path / "shared"
    with ThreadPoolExecutor(2) as pool:
        said = list(pool.map(prepare_store, [path, path]))
    assert sum("loaded the bundled glossary" in s for s in said) == 1, said
    with Store.open(path) as store:
        assert [v.id for v in store.vocabularies()] == ["community"]
        assert store.snapshot == 1


def test_settings_from_the_environment(store_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from glossary.errors import GlossaryError

    monkeypatch.setenv("GLOSSARY_VALIDATE_MAX_BYTES", "1234")
    monkeypatch.setenv("GLOSSARY_STORE_CHECK_INTERVAL", "0.5")
    app = create_app({"GLOSSARY_STORE": str(store_path)})
    assert app.config["GLOSSARY_VALIDATE_MAX_BYTES"] == 1234
    assert app.config["GLOSSARY_STORE_CHECK_INTERVAL"] == 0.5
    monkeypatch.setenv("GLOSSARY_VALIDATE_MAX_BYTES", "lots")
    with pytest.raises(GlossaryError, match="GLOSSARY_VALIDATE_MAX_BYTES='lots' is not a number"):
        create_app()


def test_serve_with_a_remote_sparql_endpoint(tmp_path: Path) -> None:
    """`glossary serve --sparql-endpoint URL` (remote mode): /sparql and every other
    surface are answered by a real Oxigraph server on loopback; refusals still hold;
    no local store is made or filled (the --store directory is only a cache)."""
    data = tmp_path / "remote.nt"
    skos = "http://www.w3.org/2004/02/skos/core#"
    data.write_text(
        f'<http://example.org/remote> <{skos}prefLabel> "only remote"@en .\n'
        f"<http://example.org/remote> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        f"<{skos}Concept> .\n"
    )
    location = tmp_path / "oxigraph"
    subprocess.run([oxigraph_exe(), "load", "--location", str(location), "--file", str(data),
                    "--graph", "urn:x-glossary:vocab:remote"],
                   check=True, capture_output=True)  # fmt: skip
    cache = tmp_path / "cache-only"
    with oxigraph_server("serve-read-only", "--location", str(location),
                         "--union-default-graph") as base:  # fmt: skip
        server = Server(cache, tmp_path / "serve.log", extra=("--sparql-endpoint", base + "/query"))
        try:
            health = server.wait_healthy()
            assert health["vocabularies"] == 1 and health["indexes"]["indexed"] == ["remote"]
            query = "SELECT ?o WHERE { <http://example.org/remote> ?p ?o FILTER(isLiteral(?o)) }"
            resp = requests.get(
                server.url + "/sparql", params={"query": query},
                headers={"Accept": "application/sparql-results+json"}, timeout=30,
            )  # fmt: skip
            assert resp.status_code == 200, resp.text
            rows = resp.json()["results"]["bindings"]
            assert [r["o"]["value"] for r in rows] == ["only remote"]
            refused = requests.post(
                server.url + "/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"},
                timeout=30,
            )  # fmt: skip
            assert 400 <= refused.status_code < 500
            vocabs = requests.get(server.url + "/api/vocabularies", timeout=30).json()
            assert [(v["id"], v["concepts"]) for v in vocabs["vocabularies"]] == [("remote", 1)]
            hits = requests.get(server.url + "/api/search", params={"q": "only"}, timeout=30).json()
            assert [h["uri"] for h in hits["results"]] == ["http://example.org/remote"]
        finally:
            code = server.stop()
    assert code == 0, server.output()
    assert "answered by http://127.0.0.1" in server.output()
    assert "remote mode" in server.output() and "bundled glossary" not in server.output()
    assert not list(cache.rglob("CURRENT")), "a local store was made in remote mode"


def test_serve_refuses_a_sparql_endpoint_that_is_not_http(mini_store: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from glossary.cli import main

    assert main(["serve", "--store", str(mini_store), "--sparql-endpoint", "ftp://x/"]) == 2
    assert "must be an http(s) URL" in capsys.readouterr().err
