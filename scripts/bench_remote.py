"""Benchmark: what remote mode costs per request, against the embedded store.

Loads one vocabulary into a temporary embedded store (the real load path; search
vectors from the light ``hash`` encoder), exports it with ``glossary export`` into a
real ``oxigraph serve-read-only`` on loopback (named graph ``urn:x-glossary:vocab:<id>``),
and drives two apps through Flask's test client (no network on the service side):
one on the embedded store (the peer), one in remote mode (``GLOSSARY_SPARQL_ENDPOINT``)
with an empty cache directory. For each kind of request on sampled concepts it prints
the SPARQL queries the remote-mode app sent per request (counted by RemoteStore), and
the median time of each app and their ratio. The caches of both apps (counts, index
letters, search indexes) are warmed first, as in a running service.

    .venv/bin/python scripts/bench_remote.py [VOCAB_FILE] [--concepts 40]

Default vocabulary: ../shared/vocabularies/unesco-thesaurus.ttl.gz (4,482 concepts,
88k triples, 5 languages). The machine is shared: compare the ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(exe: str, location: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}/query"
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the oxigraph server did not start") from None
            time.sleep(0.05)


def main() -> int:
    default = ROOT.parent / "shared" / "vocabularies" / "unesco-thesaurus.ttl.gz"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vocab", nargs="?", type=Path, default=default)
    parser.add_argument("--concepts", type=int, default=40, help="concepts to sample")
    args = parser.parse_args()
    os.environ.setdefault("GLOSSARY_EMBEDDING_MODEL", "hash")
    os.environ["GLOSSARY_WARM_CACHES"] = "0"  # warmed below, before timing

    from glossary.remote_store import CHECK_INTERVAL, VERSIONS_GRAPH, RemoteStore
    from glossary.store import Store, graph_iri, vocab_id_from_path
    from service import create_app, get_store, remote_indexer

    exe = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if not exe:
        raise SystemExit("the oxigraph server (PyPI package oxigraph) is not in .venv")
    work = Path(tempfile.mkdtemp(prefix="bench-remote-"))
    proc = None
    try:
        vid = vocab_id_from_path(args.vocab)
        t = time.perf_counter()
        with Store.open(work / "store", read_only=False) as store:
            store.load([args.vocab], allow_invalid=True)
        print(f"embedded load of {args.vocab.name}: {time.perf_counter() - t:.1f} s")
        dump = work / f"{vid}.nt"
        with open(dump, "wb") as out:
            subprocess.run([sys.executable, "-m", "glossary", "export", "--store",
                            str(work / "store"), "--vocab", vid, "--format", "nt"],
                           stdout=out, check=True, cwd=ROOT)  # fmt: skip
        subprocess.run([exe, "load", "--location", str(work / "ox"), "--file", str(dump),
                        "--graph", graph_iri(vid)], check=True, capture_output=True)  # fmt: skip
        proc, endpoint = _serve(exe, work / "ox")
        local = create_app({"TESTING": True, "GLOSSARY_STORE": str(work / "store")})
        remote = create_app({"TESTING": True, "GLOSSARY_STORE": str(work / "cache"),
                             "GLOSSARY_SPARQL_ENDPOINT": endpoint})  # fmt: skip
        t = time.perf_counter()
        indexer = remote_indexer(remote)
        assert indexer is not None
        if not indexer.wait_ready(600):
            raise SystemExit(f"the remote search indexes were not built: {indexer.status()}")
        print(f"remote mode: counts and search indexes built from the remote data in "
              f"{time.perf_counter() - t:.1f} s")  # fmt: skip

        with Store.open(work / "store") as store:
            rows = store.select(
                "SELECT ?c ?l WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> ; "
                "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(LANGMATCHES(LANG(?l),"
                " 'en')) } ORDER BY ?c"
            )
        rng = random.Random(7)
        sample = rng.sample(rows, min(args.concepts, len(rows)))
        kinds: list[tuple[str, Any]] = [
            ("concept page, HTML", lambda c, label: ("/resource", {"uri": c}, "text/html")),
            ("concept, Turtle", lambda c, label: ("/resource", {"uri": c}, "text/turtle")),
            ("GET /api/concepts", lambda c, label: ("/api/concepts", {"uri": c}, None)),
            ("GET /api/search", lambda c, label: ("/api/search", {"q": label[:4]}, None)),
            ("Skosmos /narrower", lambda c, label: (f"/rest/v1/{vid}/narrower", {"uri": c}, None)),
            ("GET /api/vocabularies", lambda c, label: ("/api/vocabularies", {}, None)),
        ]
        clients = {"embedded": local.test_client(), "remote": remote.test_client()}
        # warm both: whole-vocabulary lists, counts, search index opening
        for client in clients.values():
            client.get(f"/vocab/{vid}/")
            client.get("/api/search", query_string={"q": "a"})
        print(f"\n{len(sample)} concepts of {vid}; medians; remote = oxigraph serve on loopback\n")
        print(
            f"{'request':24} {'queries/request':>16} {'embedded':>10} {'remote':>10} {'ratio':>7}"
        )
        for name, make in kinds:
            times: dict[str, list[float]] = {"embedded": [], "remote": []}
            queries: list[int] = []
            for row in sample:
                path, params, accept = make(row["c"].value, row["l"].value)
                headers = {"Accept": accept} if accept else {}
                for mode, client in clients.items():
                    with remote.app_context():
                        before = get_store().queries  # type: ignore[union-attr]
                    t = time.perf_counter()
                    resp = client.get(path, query_string=params, headers=headers)
                    times[mode].append(time.perf_counter() - t)
                    if resp.status_code != 200:
                        raise SystemExit(f"{mode} {path} {params}: {resp.status_code}")
                    if mode == "remote":
                        with remote.app_context():
                            queries.append(get_store().queries - before)  # type: ignore[union-attr]
            e = statistics.median(times["embedded"]) * 1000
            r = statistics.median(times["remote"]) * 1000
            q = f"{statistics.median(queries):g} (max {max(queries)})"
            print(f"{name:24} {q:>16} {e:8.1f}ms {r:8.1f}ms {r / e:6.1f}x")
        indexer.stop()
        # The version check each worker makes every CHECK_INTERVAL seconds: by counting
        # (no versions stated), then with a version stated in urn:x-glossary:versions.
        print(f"\nversion check, every {CHECK_INTERVAL:g} s per worker (median of 5):")
        for how in ("triple counts", "stated version"):
            if how == "stated version":
                proc.kill()
                proc.wait()
                stated = work / "versions.nt"
                stated.write_text(f'<{graph_iri(vid)}> <http://purl.org/dc/terms/modified> '
                                  '"2026-01-01" .\n')  # fmt: skip
                subprocess.run([exe, "load", "--location", str(work / "ox"), "--file",
                                str(stated), "--graph", VERSIONS_GRAPH],
                               check=True, capture_output=True)  # fmt: skip
                proc, endpoint = _serve(exe, work / "ox")
            probe = RemoteStore(endpoint, work / "probe")
            checks = []
            for _ in range(5):
                t = time.perf_counter()
                probe.refresh(force=True)
                checks.append(time.perf_counter() - t)
            print(f"  {how:15} {statistics.median(checks) * 1000:8.1f} ms")
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
