"""glossary.concepts.VersionedCache: once per version, older versions dropped, bounded."""

from __future__ import annotations

import threading
import time

from glossary.concepts import VersionedCache


def test_computed_once_per_version_and_older_versions_dropped() -> None:
    version = ["v1"]
    calls: list[str] = []
    cache = VersionedCache(lambda: version[0], max_entries=10)

    def compute(name: str) -> str:
        calls.append(name)
        return f"{name}@{version[0]}"

    assert cache.get(("a",), lambda: compute("a")) == "a@v1"
    assert cache.get(("a",), lambda: compute("a")) == "a@v1"
    assert calls == ["a"]
    version[0] = "v2"
    assert cache.get(("a",), lambda: compute("a")) == "a@v2"
    assert calls == ["a", "a"]
    assert cache.held() == [("a",)]  # v1's value went when v2's was stored


def test_the_bound_evicts_only_evictable_keys_least_recent_first() -> None:
    cache = VersionedCache(lambda: 1, max_entries=3, evictable=lambda key: key[0] == "sorted")
    for key in [("rows", 1), ("sorted", 1), ("rows", 2), ("sorted", 2)]:
        cache.get(key, lambda: 0)
    assert cache.held() == [("rows", 1), ("rows", 2), ("sorted", 2)]
    cache.get(("rows", 3), lambda: 0)
    cache.get(("rows", 4), lambda: 0)  # nothing evictable left: the bound gives way
    assert ("rows", 1) in cache.held() and ("rows", 4) in cache.held()
    assert ("sorted", 2) not in cache.held()


def test_a_second_caller_waits_for_the_first() -> None:
    cache = VersionedCache(lambda: 1, max_entries=4)
    calls: list[int] = []
    started = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return 42

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(cache.get(("k",), slow)))
    first.start()
    started.wait(5)
    results.append(cache.get(("k",), slow))
    first.join()
    assert results == [42, 42] and calls == [1]
