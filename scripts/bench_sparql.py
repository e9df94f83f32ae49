"""Benchmark: ``/sparql`` of the service against a plain Oxigraph server and rdflib.

    .venv/bin/python scripts/bench_sparql.py [--file F] [--seconds S] [--workers N]
                                             [--clients 1,8] [--rdflib-seconds S]
                                             [--memory-triples N] [--oxigraph-memory]

In one run, on the same data (STW, 116k triples, by default):

1. loads the file into a fresh store through ``Store.load`` (validation and search
   indexes skipped: they are other benchmarks' business, the data is the same);
2. starts the service (``glossary serve``: gunicorn, the production configuration;
   its executors copy a store of up to ``GLOSSARY_SPARQL_MEMORY_TRIPLES`` into memory,
   ``--memory-triples 0`` measures them on disk) and a plain ``oxigraph
   serve-read-only`` on the store's live snapshot (``--oxigraph-memory``: an in-memory
   ``oxigraph serve`` loaded with the same quads instead);
3. drives both with the same mixed query set (a concept's triples, a label filter, a
   ``skos:broader+`` path, a count, a CONSTRUCT of a concept with the labels of its
   neighbours) at each client count, with keep-alive HTTP clients on loopback,
   bounded by time and count, in alternated slices (so both see the same machine
   load); prints throughput, p50 and p99, and the service/Oxigraph ratio;
4. answers the same queries with rdflib's SPARQL engine, in-process on the parsed
   graph (sequentially, bounded by time, in slices alternated with the service and
   Oxigraph at one client), and prints the service's throughput over rdflib's, and the
   median per query kind;
5. measures the executor pool's overhead per query: ``LocalEngine.execute`` against
   the same query run and serialised in-process with pyoxigraph (on the same kind of
   store: in memory, or on disk), and pyoxigraph in memory against on disk.

Goals: the service reaches at least half of Oxigraph server's throughput at 8 clients,
and answers at least 20 times faster than rdflib. The machine may be shared: figures
are noisy, which is why ratios of peers measured in the same run are what counts.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from glossary import store as store_module  # noqa: E402
from glossary.sparql import DEFAULT_MEMORY_QUADS, LocalEngine, prepare  # noqa: E402
from glossary.store import Store  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared" / "vocabularies" / "stw-9.16.ttl.gz"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PREFIX = f"PREFIX skos: <{SKOS}>\n"
WORDS = ["trade", "bank", "tax", "labour", "market", "price", "energy", "health",
         "finance", "policy", "industry", "capital", "money", "risk", "land"]  # fmt: skip


class _SkippedReport:
    conforms = True
    results: ClassVar[list[Any]] = []


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    accept: str


def make_queries(concepts: list[str], with_broader: list[str], rng: random.Random
                 ) -> list[Query]:  # fmt: skip
    """The mixed set: each kind with several parameters (so no answer is cached)."""
    out: list[Query] = []
    json_accept = "application/sparql-results+json"
    for i in range(20):
        c = rng.choice(concepts)
        b = rng.choice(with_broader)
        word = WORDS[i % len(WORDS)]
        out.append(Query("concept", f"SELECT ?p ?o WHERE {{ <{c}> ?p ?o }}", json_accept))
        out.append(Query("label", PREFIX + "SELECT ?c ?l WHERE { ?c skos:prefLabel ?l "
                         f'FILTER(CONTAINS(LCASE(STR(?l)), "{word}")) }} LIMIT 50',
                         json_accept))  # fmt: skip
        out.append(Query("broader+", PREFIX + f"SELECT ?b WHERE {{ <{b}> skos:broader+ ?b }}",
                         json_accept))  # fmt: skip
        out.append(Query("count", PREFIX + "SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept "
                         f'; skos:prefLabel ?l FILTER(LANG(?l) = "{["en", "de"][i % 2]}") }}',
                         json_accept))  # fmt: skip
        out.append(Query("construct", PREFIX + "CONSTRUCT { "
                         f"<{c}> ?p ?o . ?n skos:prefLabel ?nl }} WHERE {{ {{ <{c}> ?p ?o }} "
                         f"UNION {{ <{c}> skos:broader|skos:narrower|skos:related ?n . "
                         "?n skos:prefLabel ?nl } }", "text/turtle"))  # fmt: skip
    rng.shuffle(out)
    return out


# --------------------------------------------------------------------------- HTTP load


@dataclass
class Target:
    name: str
    host: str
    port: int
    path: str


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def merge(self, other: Phase) -> None:
        self.latencies += other.latencies
        self.kinds += other.kinds
        self.errors += other.errors
        self.elapsed += other.elapsed

    def median_of(self, kind: str) -> float:
        xs = [t for t, k in zip(self.latencies, self.kinds, strict=True) if k == kind]
        return statistics.median(xs) * 1000 if xs else float("nan")

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000 if xs else float("nan")


def _get(conn: http.client.HTTPConnection, target: Target, q: Query) -> tuple[int, bytes]:
    url = target.path + "?" + urllib.parse.urlencode({"query": q.text})
    for attempt in range(2):
        try:
            conn.request("GET", url, headers={"Accept": q.accept})
            resp = conn.getresponse()
            return resp.status, resp.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()  # the server closed the kept-alive connection: reconnect once
            if attempt:
                raise
    raise AssertionError("unreachable")


def drive(target: Target, queries: list[Query], clients: int, seconds: float,
          max_requests: int) -> Phase:  # fmt: skip
    """``clients`` threads, each with one keep-alive connection, until time or count."""
    phase = Phase()
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = [0]

    def client(idx: int) -> None:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=60)
        i = idx * 7
        mine: list[float] = []
        kinds: list[str] = []
        errors = 0
        while time.monotonic() < stop:
            with lock:
                if counter[0] >= max_requests:
                    break
                counter[0] += 1
            q = queries[i % len(queries)]
            i += 1
            t = time.perf_counter()
            status, _ = _get(conn, target, q)
            if status == 200:
                mine.append(time.perf_counter() - t)
                kinds.append(q.kind)
            else:
                errors += 1
        conn.close()
        with lock:
            phase.latencies.extend(mine)
            phase.kinds.extend(kinds)
            phase.errors += errors

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.elapsed = time.monotonic() - start
    return phase


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(target: Target, probe: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(target.host, target.port, timeout=2)
            conn.request("GET", probe)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{target.name} did not become ready on port {target.port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- rdflib


class RdflibRunner:
    """rdflib's SPARQL engine, in-process, on the parsed graph: sequential slices."""

    def __init__(self, path: Path, queries: list[Query]) -> None:
        import rdflib

        t = time.perf_counter()
        self.graph = rdflib.Graph()
        self.graph.parse(data=gzip.decompress(path.read_bytes()), format="turtle")
        self.parse_time = time.perf_counter() - t
        self.queries = queries
        self.next = 0
        self.phase = Phase()

    def run_for(self, seconds: float) -> None:
        """Answer queries (round-robin over the mix, as the HTTP clients do) until time is
        up; a query started is finished."""
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            q = self.queries[self.next % len(self.queries)]
            self.next += 1
            t = time.perf_counter()
            result = self.graph.query(q.text)
            result.serialize(format="turtle" if q.kind == "construct" else "json")
            self.phase.latencies.append(time.perf_counter() - t)
            self.phase.kinds.append(q.kind)
        self.phase.elapsed += time.perf_counter() - start


def bench_overhead(snapshot: Path, queries: list[Query], rounds: int, memory_quads: int
                   ) -> dict[str, float]:  # fmt: skip
    """Mean ms per query: in-process pyoxigraph on disk and in memory (query + serialise),
    and the executor pool (``LocalEngine`` with ``memory_quads``)."""
    from glossary.sparql_worker import evaluate

    disk = ox.Store.read_only(str(snapshot))
    memory = ox.Store()
    memory.extend(disk)
    engine = LocalEngine(lambda: snapshot, workers=1, memory_quads=memory_quads)
    reqs = [prepare(q.text, accept=q.accept)[0] for q in queries]
    engine.execute(reqs[0])  # start the worker

    def inproc(store: Any) -> Callable[[], None]:
        def run() -> None:
            for r in reqs:
                evaluate(store, r.to_wire(snapshot=None, row_limit=engine.row_limit))

        return run

    def pooled() -> None:
        for r in reqs:
            engine.execute(r)

    def timed(fn: Callable[[], None]) -> float:
        t = time.perf_counter()
        for _ in range(rounds):
            fn()
        return (time.perf_counter() - t) / (rounds * len(reqs)) * 1000

    runs = {"disk": inproc(disk), "memory": inproc(memory), "pool": pooled}
    for fn in runs.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(3):  # interleaved, so all see the same machine load
        for name, fn in runs.items():
            times[name].append(timed(fn))
    engine.close()
    return {name: statistics.median(xs) for name, xs in times.items()}


def start_oxigraph_in_memory(exe: Path, snapshot: Path, port: int) -> subprocess.Popen[bytes]:
    """``oxigraph serve`` (in memory) loaded over HTTP with the snapshot's quads."""
    proc = subprocess.Popen(
        [shutil.which("oxigraph", path=str(exe)) or "oxigraph", "serve",
         "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_ready(Target("oxigraph", "127.0.0.1", port, "/query"), "/query?query=ASK%7B%7D")
    body = ox.Store.read_only(str(snapshot)).dump(format=ox.RdfFormat.N_QUADS)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("POST", "/store", body=body, headers={"Content-Type": "application/n-quads"})
    resp = conn.getresponse()
    resp.read()
    if resp.status >= 300:
        raise RuntimeError(f"loading the in-memory Oxigraph server failed: {resp.status}")
    return proc


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--seconds", type=float, default=10.0, help="per target and client count")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per phase")
    parser.add_argument("--clients", default="1,8", help="client counts, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="run gunicorn's gthread workers with this many threads each "
        "(default 0: the production configuration, service/gunicorn_conf.py)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="phases per target, alternated, so both see the same machine load",
    )
    parser.add_argument(
        "--rdflib-seconds",
        type=float,
        default=30.0,
        help="time for rdflib, and again for the service beside it",
    )
    parser.add_argument(
        "--memory-triples",
        type=int,
        default=None,
        help="GLOSSARY_SPARQL_MEMORY_TRIPLES for the service (default: the service's own, "
        "1000000: STW is queried from memory; 0: on disk)",
    )
    parser.add_argument(
        "--oxigraph-memory",
        action="store_true",
        help="compare with an in-memory `oxigraph serve` instead of `serve-read-only` on disk",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]

    Store._validate = lambda self, src: _SkippedReport()  # type: ignore[method-assign]
    store_module._index_builder = lambda: None  # type: ignore[assignment,return-value]

    tmp = Path(tempfile.mkdtemp(prefix="bench-sparql-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        store_dir = tmp / "store"
        t = time.perf_counter()
        with Store.open(store_dir, read_only=False) as store:
            vocab = store.load([args.file], vocab_id="stw").vocabularies[0]
            snapshot = store.live_snapshot_path()
        assert snapshot is not None
        print(f"loaded {args.file.name}: {vocab.triples:,} triples, {vocab.concepts:,} "
              f"concepts in {time.perf_counter() - t:.1f} s")  # fmt: skip

        ro = ox.Store.read_only(str(snapshot))
        concepts = sorted(r["c"].value for r in ro.query(
            PREFIX + "SELECT DISTINCT ?c { ?c a skos:Concept ; skos:prefLabel ?l }",
            use_default_graph_as_union=True))  # fmt: skip
        with_broader = sorted(r["c"].value for r in ro.query(
            PREFIX + "SELECT DISTINCT ?c { ?c skos:broader/skos:broader ?x }",
            use_default_graph_as_union=True))  # fmt: skip
        del ro
        queries = make_queries(concepts, with_broader, random.Random(args.seed))

        exe = Path(sys.executable).parent
        env = {**os.environ, "GLOSSARY_STORE": str(store_dir), "GLOSSARY_LOG_LEVEL": "warning"}
        if args.memory_triples is not None:
            env["GLOSSARY_SPARQL_MEMORY_TRIPLES"] = str(args.memory_triples)
        memory_quads = int(env.get("GLOSSARY_SPARQL_MEMORY_TRIPLES") or DEFAULT_MEMORY_QUADS)
        if args.threads:  # gunicorn reads extra settings from this variable
            env["GUNICORN_CMD_ARGS"] = f"--worker-class gthread --threads {args.threads}"
        svc_port, ox_port = free_port(), free_port()
        procs.append(subprocess.Popen(
            [str(exe / "glossary"), "serve", "--store", str(store_dir), "--port", str(svc_port),
             "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        if args.oxigraph_memory:
            procs.append(start_oxigraph_in_memory(exe, snapshot, ox_port))
        else:
            procs.append(subprocess.Popen(
                [shutil.which("oxigraph", path=str(exe)) or "oxigraph", "serve-read-only",
                 "--location", str(snapshot), "--bind", f"127.0.0.1:{ox_port}",
                 "--union-default-graph"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
        service = Target("service", "127.0.0.1", svc_port, "/sparql")
        oxigraph = Target("oxigraph", "127.0.0.1", ox_port, "/query")
        wait_ready(service, "/health")
        wait_ready(oxigraph, "/query?query=ASK%7B%7D")

        # Same answers from both (row counts of each query), and a warm-up.
        for q in queries[:25]:
            a = _get(http.client.HTTPConnection(service.host, service.port), service, q)
            b = _get(http.client.HTTPConnection(oxigraph.host, oxigraph.port), oxigraph, q)
            assert a[0] == b[0] == 200, (q.text, a[0], b[0], a[1][:300])
            if q.kind != "construct":
                na = len(list(ox.parse_query_results(a[1], ox.QueryResultsFormat.JSON)))
                nb = len(list(ox.parse_query_results(b[1], ox.QueryResultsFormat.JSON)))
                assert na == nb, (q.text, na, nb)
        for target in (service, oxigraph):
            drive(target, queries, max(client_counts), 2.0, 10_000)  # warm-up

        print(f"\nmixed queries ({len(queries)} distinct: "
              + ", ".join(sorted({q.kind for q in queries})) + f"), {args.seconds:g} s per phase, "
              f"service = glossary serve --workers {args.workers}"
              + (f" (gthread, {args.threads} threads)" if args.threads else " (sync workers)")
              + (", executors query the store in memory" if vocab.triples <= memory_quads
                 else ", executors query the store on disk")
              + (", oxigraph = `oxigraph serve` in memory" if args.oxigraph_memory
                 else ", oxigraph = `oxigraph serve-read-only` on disk")
              + f", {args.rounds} alternated rounds")  # fmt: skip
        print(
            f"{'clients':>7} {'target':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"
        )
        results: dict[tuple[str, int], Phase] = {}
        for clients in client_counts:
            for r in range(args.rounds):
                for target in (service, oxigraph) if r % 2 == 0 else (oxigraph, service):
                    ph = drive(target, queries, clients, args.seconds / args.rounds,
                               args.max_requests // args.rounds)  # fmt: skip
                    results.setdefault((target.name, clients), Phase()).merge(ph)
            for target in (service, oxigraph):
                ph = results[(target.name, clients)]
                print(f"{clients:>7} {target.name:>9} {ph.throughput:>9.1f} {ph.pct(0.5):>8.2f} "
                      f"{ph.pct(0.99):>8.2f} {ph.errors:>6}")  # fmt: skip
            s, o = results[("service", clients)], results[("oxigraph", clients)]
            print(f"{clients:>7} {'ratio':>9} {s.throughput / o.throughput:>9.2f} "
                  f"{s.pct(0.5) / o.pct(0.5):>8.2f} {s.pct(0.99) / o.pct(0.99):>8.2f}"
                  "   (service / oxigraph)")  # fmt: skip
        # rdflib against the service at 1 client, alternated in slices (same load).
        rdflib_runner = RdflibRunner(args.file, queries)
        svc_one, ox_one = Phase(), Phase()
        for _ in range(args.rounds):
            slice_s = args.rdflib_seconds / args.rounds
            svc_one.merge(drive(service, queries, 1, slice_s, args.max_requests))
            rdflib_runner.run_for(slice_s)
            ox_one.merge(drive(oxigraph, queries, 1, slice_s, args.max_requests))
        rd = rdflib_runner.phase
        for p in procs:
            stop(p)

        print(f"\nexecutor pool (memory_quads {memory_quads:,}) against in-process pyoxigraph "
              "(same queries, 1 worker, ms per query, query + serialise):")  # fmt: skip
        light = [q for q in queries if q.kind == "concept"]
        for label, qs, rounds in (("all kinds", queries, 3), ("concept only", light, 30)):
            ms = bench_overhead(snapshot, qs, rounds=rounds, memory_quads=memory_quads)
            peer = ms["memory"] if vocab.triples <= memory_quads else ms["disk"]
            print(f"  {label:12s}: pyoxigraph on disk {ms['disk']:.3f}, in memory "
                  f"{ms['memory']:.3f} ({ms['disk'] / ms['memory']:.2f}x faster); LocalEngine "
                  f"{ms['pool']:.3f}: {ms['pool'] - peer:+.3f} ms over the same store "
                  "in-process")  # fmt: skip

        print(
            f"\nrdflib (in-process, sequential; parse {rdflib_runner.parse_time:.1f} s), "
            f"alternated with the service and oxigraph at 1 client, {args.rdflib_seconds:g} s each:"
        )
        print(f"  service {svc_one.throughput:.2f} req/s ({len(svc_one.latencies)} queries), "
              f"oxigraph {ox_one.throughput:.2f} req/s ({len(ox_one.latencies)} queries), "
              f"rdflib {rd.throughput:.2f} req/s ({len(rd.latencies)} queries)")  # fmt: skip
        one_ox = ox_one
        print("  median ms per kind:")
        print(f"    {'kind':10s} {'service':>9} {'oxigraph':>9} {'rdflib':>9} {'rdflib/svc':>10}")
        sums = [0.0, 0.0, 0.0]
        for kind in sorted({q.kind for q in queries}):
            a, b, c = svc_one.median_of(kind), one_ox.median_of(kind), rd.median_of(kind)
            print(f"    {kind:10s} {a:>9.2f} {b:>9.2f} {c:>9.1f} {c / a:>10.1f}")
            sums = [sums[0] + a, sums[1] + b, sums[2] + c]
        print(
            f"    one of each kind: rdflib / service {sums[2] / sums[0]:.1f}x, "
            f"rdflib / oxigraph server {sums[2] / sums[1]:.1f}x (the engine's own ratio)"
        )
        print(f"\nservice / rdflib at 1 client (same single stream): "
              f"{svc_one.throughput / rd.throughput:.1f}x   (goal >= 20x); oxigraph server / "
              f"rdflib {ox_one.throughput / rd.throughput:.1f}x")  # fmt: skip
        eight = max(client_counts)
        best = results[("service", eight)].throughput
        print(f"service at {eight} clients / rdflib: {best / rd.throughput:.1f}x   "
              "(rdflib is one stream: the GIL)")  # fmt: skip
        ratio = best / results[("oxigraph", eight)].throughput
        print(f"service / oxigraph at {eight} clients: {ratio:.2f}   (goal >= 0.5)")
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
