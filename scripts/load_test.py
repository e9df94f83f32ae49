"""Load test: a real ``glossary serve`` (gunicorn, threaded workers) under many clients.

Scenarios, each printing throughput, errors and p50/p99 per kind of request:

* ``mixed``: 64 clients for 60 s asking for concept pages, Turtle, label search,
  related terms, SPARQL and reconciliation, over STW and the community glossary.
* ``slow-sparql``: 8 clients send a query that runs to the SPARQL time limit, again and
  again, while 8 others ask for /health, label search and concept pages (goal: their
  p99 under 200 ms).
* ``reload``: the mixed load (for twice the duration) while a new version of STW is
  loaded (``glossary load --replace`` in another process, from 5 s on, which must end
  inside the run): no request may fail, and every answer comes from
  one version or the other (a SPARQL count of the labels the new version renames is 0
  or all of them, never in between).

As a peer in the same run, the probe requests (/health, label search, concept page) are
first timed one at a time on the idle service; the loaded figures are printed beside
them. Clients run in 4 processes of threads, each thread with its own keep-alive
connection (the client's own CPU use is part of the machine's load: 2 cores here).

    .venv/bin/python scripts/load_test.py [--store DIR] [--scenarios mixed,slow-sparql,reload]
        [--clients 64] [--duration 60] [--workers 2] [--threads 16]

The store (default: a directory under /tmp, kept between runs) is filled on first use
with the community glossary and ../shared/vocabularies/stw-9.16.ttl.gz, with the real
embedding model (a few minutes once).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import math
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary.config import DEFAULT_THREADS  # noqa: E402

SKOS = "http://www.w3.org/2004/02/skos/core#"
STW = ROOT.parent / "shared" / "vocabularies" / "stw-9.16.ttl.gz"
#: The marker the new STW version appends to some English prefLabels.
MARK = " (v2)"
RENAMED = 100
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
VERSION_QUERY = (
    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?c <{SKOS}prefLabel> ?l }} "
    f'FILTER(STRENDS(STR(?l), "{MARK}")) }}'
)
#: The mixed workload: kind and weight.
MIX = {"page": 25, "turtle": 15, "search": 25, "related": 10, "sparql": 15, "reconcile": 10}
PROBES = ("health", "search", "page")
CLIENT_PROCESSES = 4


# --------------------------------------------------------------------------- requests


def make_requests(concepts: list[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Request samples per kind, from (uri, English prefLabel) pairs."""
    rng = random.Random(7)
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in (*MIX, "health", "version")}
    for uri, label in concepts:
        q = urllib.parse.quote(uri, safe="")
        out["page"].append({"path": f"/resource?uri={q}", "accept": "text/html"})
        out["turtle"].append({"path": f"/resource?uri={q}", "accept": "text/turtle"})
        prefix = label[: rng.randint(3, max(3, min(8, len(label))))]
        out["search"].append({"path": "/api/search?" + urllib.parse.urlencode({"q": prefix})})
        out["related"].append({"path": "/api/related?" + urllib.parse.urlencode({"q": label})})
        query = f"SELECT ?p ?o WHERE {{ <{uri}> ?p ?o }} LIMIT 50"
        out["sparql"].append(
            {"path": "/sparql?" + urllib.parse.urlencode({"query": query}),
             "accept": "application/sparql-results+json"}
        )  # fmt: skip
        body = urllib.parse.urlencode({"queries": json.dumps({"q0": {"query": label}})})
        out["reconcile"].append(
            {"path": "/reconcile", "method": "POST", "body": body,
             "type": "application/x-www-form-urlencoded"}
        )  # fmt: skip
    out["health"].append({"path": "/health"})
    out["version"].append(
        {"path": "/sparql?" + urllib.parse.urlencode({"query": VERSION_QUERY}),
         "accept": "application/sparql-results+json", "check": "version"}
    )  # fmt: skip
    out["slow"] = [
        {"path": "/sparql?" + urllib.parse.urlencode({"query": SLOW_QUERY}),
         "accept": "application/sparql-results+json", "expect": (503,)}
    ]  # fmt: skip
    return out


def _send(conn: http.client.HTTPConnection, req: dict[str, Any]) -> tuple[int, bytes]:
    headers = {"Accept": req.get("accept", "application/json")}
    if "type" in req:
        headers["Content-Type"] = req["type"]
    path = req["path"]
    for _ in range(3):  # follow 303s (a concept URI to its page or data)
        conn.request(req.get("method", "GET"), path, body=req.get("body"), headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status in (301, 302, 303, 307, 308):
            location = resp.getheader("Location", "")
            path = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
            continue
        return resp.status, body
    return 599, b"too many redirects"


def _ok(req: dict[str, Any], status: int, body: bytes) -> bool:
    if status not in req.get("expect", (200,)):
        return False
    if req.get("check") == "version":
        n = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        return n in (0, RENAMED)
    return True


Plan = list[tuple[list[tuple[str, int]], dict[str, list[dict[str, Any]]]]]
#: kind, status ("status title" of a problem), seconds, end time, ok
Record = tuple[str, str, float, float, bool]


def client_process(port: int, plan: Plan, threads: int, duration: float, seed: int) -> list[Record]:
    """Run ``threads`` clients for ``duration`` s; each picks a kind from its plan entry
    (kinds and weights) per request. Records (kind, status, seconds, end time, ok)."""
    records: list[Record] = []
    lock = threading.Lock()
    stop_at = time.time() + duration

    def run(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        weights, samples = plan[n % len(plan)]
        kinds = [k for k, _ in weights]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.time() < stop_at:
            kind = rng.choices(kinds, [w for _, w in weights])[0]
            req = rng.choice(samples[kind])
            start = time.perf_counter()
            try:
                status, body = _send(conn, req)
                ok = _ok(req, status, body)
                what = str(status)
                if status >= 400 and body.startswith(b"{"):
                    what += " " + str(json.loads(body).get("title"))
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                what, ok = type(exc).__name__, False
            mine.append((kind, what, time.perf_counter() - start, time.time(), ok))
        conn.close()
        with lock:
            records.extend(mine)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return records


def drive(port: int, plan: Plan, clients: int, duration: float) -> list[Record]:
    """``clients`` client threads over CLIENT_PROCESSES processes; client n follows
    ``plan[n % len(plan)]``."""
    ctx = multiprocessing.get_context("spawn")
    procs = min(CLIENT_PROCESSES, clients)
    per = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    # Client n of process i is global client offset+n: give each process its plan slice.
    jobs, offset = [], 0
    for i, count in enumerate(per):
        sub = [plan[(offset + n) % len(plan)] for n in range(count)]
        jobs.append((port, sub, count, duration, i))
        offset += count
    with ctx.Pool(procs) as pool:
        parts = pool.starmap(client_process, jobs)
    return [r for part in parts for r in part]


# --------------------------------------------------------------------------- report


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def report(title: str, records: list[Record], duration: float,
           idle: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:  # fmt: skip
    print(f"\n{title}")
    print(f"  {'kind':<10} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} "
          f"{'p99 ms':>8}{'   idle p50/p99 ms' if idle else ''}")  # fmt: skip
    kinds = sorted({r[0] for r in records})
    summary: dict[str, Any] = {}
    for kind in [*kinds, "all"]:
        rows = [r for r in records if kind in ("all", r[0])]
        errors = [r for r in rows if not r[4]]
        times = [r[2] * 1000 for r in rows]
        p50, p99 = pct(times, 50), pct(times, 99)
        base = ""
        if idle and kind in idle:
            base = f"   {idle[kind][0]:.1f} / {idle[kind][1]:.1f}"
        print(f"  {kind:<10} {len(rows):>8} {len(errors):>6} {len(rows) / duration:>7.1f} "
              f"{p50:>8.1f} {p99:>8.1f}{base}")  # fmt: skip
        statuses: dict[str, int] = {}
        for r in errors:
            statuses[r[1]] = statuses.get(r[1], 0) + 1
        if errors:
            t0 = min(r[3] for r in records)
            when = sorted(r[3] - t0 for r in errors)
            print(f"  {'':<10} errors by status: {statuses}, between {when[0]:.0f} s and "
                  f"{when[-1]:.0f} s")  # fmt: skip
        summary[kind] = {"requests": len(rows), "errors": len(errors), "p50": p50, "p99": p99}
    return summary


# --------------------------------------------------------------------------- setup


def prepare_store(store: Path, stw: Path) -> None:
    from glossary.compile import compile_terms
    from glossary.store import Store

    with Store.open(store, read_only=False) as st:
        have = {v.id for v in st.vocabularies()}
        if "community" not in have:
            print("loading the community glossary ...", flush=True)
            st.load_graph(compile_terms(), vocab_id="community", source="glossary/terms")
        if "stw" not in have:
            print(f"loading {stw.name} with the real model (a few minutes) ...", flush=True)
            st.load([stw], vocab_id="stw", allow_invalid=True)


def sample_concepts(store: Path, n: int) -> list[tuple[str, str]]:
    from glossary.store import Store

    with Store.open(store, read_only=True, check_interval=0) as st:
        rows = st.select(
            f"SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l FILTER(LANGMATCHES(LANG(?l), 'en')) "
            f'FILTER(!STRENDS(STR(?l), "{MARK}")) }}'
        )
    pairs = sorted((r["c"].value, r["l"].value) for r in rows)
    # Every concept of the community glossary, and a sample of the rest (STW).
    ours = [p for p in pairs if "/semantic-glossary/" in p[0]]
    rest = [p for p in pairs if "/semantic-glossary/" not in p[0]]
    return ours + random.Random(11).sample(rest, min(n, len(rest)))


def second_version(stw: Path, out: Path) -> Path:
    """STW with RENAMED English prefLabels marked: the 'new version' of the reload."""
    import pyoxigraph as ox

    if out.exists():
        return out
    with gzip.open(stw, "rb") as f:
        quads = list(ox.parse(f.read(), format=ox.RdfFormat.TURTLE))
    pref = ox.NamedNode(SKOS + "prefLabel")
    english = sorted(
        {q.subject.value for q in quads
         if q.predicate == pref and isinstance(q.object, ox.Literal) and q.object.language == "en"}
    )  # fmt: skip
    chosen = set(random.Random(5).sample(english, RENAMED))
    changed = []
    for q in quads:
        if q.predicate == pref and q.subject.value in chosen and q.object.language == "en":
            q = ox.Quad(q.subject, pref, ox.Literal(q.object.value + MARK, language="en"))
        changed.append(ox.Triple(q.subject, q.predicate, q.object))
    out.write_bytes(ox.serialize(changed, format=ox.RdfFormat.N_TRIPLES))
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(store: Path, port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GLOSSARY_STORE_CHECK_INTERVAL": "0.2"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "glossary", "serve", "--store", str(store), "--port",
             str(port), "--workers", str(workers), "--threads", str(threads)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            status, _ = _send(conn, {"path": "/health"})
            if status == 200:
                return proc
        except OSError:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(0.5)
    raise SystemExit(f"glossary serve did not become healthy; see {log}")


def idle_baseline(port: int, samples: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    rng = random.Random(3)
    out = {}
    for kind in PROBES:
        times = []
        for _ in range(200):
            start = time.perf_counter()
            status, _ = _send(conn, rng.choice(samples[kind]))
            if status != 200:
                raise SystemExit(f"the idle service answered {status} to a {kind} request")
            times.append((time.perf_counter() - start) * 1000)
        out[kind] = (pct(times, 50), pct(times, 99))
    conn.close()
    return out


def live_count(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    q = "/sparql?" + urllib.parse.urlencode({"query": VERSION_QUERY})
    status, body = _send(conn, {"path": q, "accept": "application/sparql-results+json"})
    conn.close()
    if status != 200:
        raise SystemExit(f"the version query answered {status}: {body[:300]!r}")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--store", type=Path, default=Path(tempfile.gettempdir()) / "glossary-load-test" / "store"
    )
    parser.add_argument("--stw", type=Path, default=STW)
    parser.add_argument("--scenarios", default="mixed,slow-sparql,reload")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--slow-clients", type=int, default=8)
    args = parser.parse_args()  # fmt: skip
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if not args.stw.is_file():
        raise SystemExit(f"STW is not at {args.stw} (give --stw FILE)")

    args.store.parent.mkdir(parents=True, exist_ok=True)
    prepare_store(args.store, args.stw)
    concepts = sample_concepts(args.store, 500)
    samples = make_requests(concepts)
    port = free_port()
    log = args.store.parent / "serve.log"
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; serving "
          f"{args.workers} workers x {args.threads} threads; {args.clients} clients in "
          f"{CLIENT_PROCESSES} processes", flush=True)  # fmt: skip
    proc = serve(args.store, port, args.workers, args.threads, log)
    failed = False
    try:
        # Warm up every worker (the model loads on the first related request).
        drive(port, [(list(MIX.items()), samples)], 16, 15)
        idle = idle_baseline(port, samples)
        print("idle, one request at a time: " + ", ".join(
            f"{k} p50 {v[0]:.1f} / p99 {v[1]:.1f} ms" for k, v in idle.items()))  # fmt: skip
        mixed_plan = [(list(MIX.items()), samples)]
        if "mixed" in scenarios:
            recs = drive(port, mixed_plan, args.clients, args.duration)
            s = report(f"mixed: {args.clients} clients, {args.duration:g} s", recs, args.duration)
            failed |= s["all"]["errors"] > 0
        if "slow-sparql" in scenarios:
            probes = [(k, 1) for k in PROBES]
            plan = [([("slow", 1)], samples)] * args.slow_clients + [(probes, samples)] * 8
            recs = drive(port, plan, args.slow_clients + 8, args.duration)
            title = (f"slow-sparql: {args.slow_clients} clients running queries to the time "
                     f"limit, 8 probing, {args.duration:g} s")  # fmt: skip
            s = report(title, recs, args.duration, idle)
            worst = max(s[k]["p99"] for k in PROBES)
            print(f"  probes' worst p99: {worst:.1f} ms (goal < 200 ms): "
                  f"{'met' if worst < 200 else 'NOT met'}")  # fmt: skip
            failed |= any(s[k]["errors"] for k in PROBES) or worst >= 200
        if "reload" in scenarios:
            before = live_count(port)
            target = args.stw if before == RENAMED else second_version(
                args.stw, args.store.parent / "stw-v2.nt")  # fmt: skip
            plan = [(list(MIX.items()), samples)] * (args.clients - 4) + [
                ([("version", 1)], samples)] * 4  # fmt: skip
            result: dict[str, Any] = {}

            def reload() -> None:
                time.sleep(5)
                start = time.monotonic()
                done = subprocess.run(
                    [sys.executable, "-m", "glossary", "load", "--store", str(args.store),
                     "--vocab", "stw", "--replace", "--allow-invalid", str(target)],
                    capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                )  # fmt: skip
                result.update(code=done.returncode, seconds=time.monotonic() - start,
                              ended=time.monotonic(),
                              err=done.stderr[-2000:])  # fmt: skip

            loader = threading.Thread(target=reload)
            loader.start()
            # Twice as long: the load (validation, indexes, a process that loads the
            # model) takes tens of seconds on a busy machine, and must end inside the run.
            span = 2 * args.duration
            started = time.monotonic()
            recs = drive(port, plan, args.clients, span)
            loader.join()
            s = report(f"reload: {args.clients} clients, {span:g} s, a new STW "
                       f"version loaded from {target.name} from 5 s on", recs, span)  # fmt: skip
            after = live_count(port)
            settle = time.monotonic() + 30  # SPARQL shows a load once its executors have it
            while after == before and time.monotonic() < settle:
                time.sleep(0.5)
                after = live_count(port)
            print(f"  load: from 5 s to {result.get('seconds', 0) + 5:.0f} s, exit "
                  f"{result.get('code')}; "
                  f"renamed labels live: {before} before, {after} after; every 'version' "
                  f"answer was 0 or {RENAMED} (else it counts as an error above)")  # fmt: skip
            if result.get("code") != 0:
                print(result.get("err"))
            inside = result.get("ended", 0) < started + span
            print(f"  the load ended {'inside' if inside else 'AFTER'} the run")
            failed |= s["all"]["errors"] > 0 or result.get("code") != 0 or after == before
            failed |= not inside
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    print(f"\nmachine load at the end: {os.getloadavg()[0]:.1f}; service log: {log}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
