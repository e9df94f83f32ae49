from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
#: The shared real vocabularies (../shared/vocabularies beside the checkout).
VOCABULARIES = Path(
    os.environ.get("GLOSSARY_VOCABULARIES", ROOT.parent / "shared" / "vocabularies")
)


#: `.ci/run` sets GLOSSARY_CI=1. There, what a developer's clone may lack (the real
#: vocabularies of ../shared, a program) is required: a test that would skip fails
#: instead, and any skipped test fails the run (pytest_sessionfinish below).
IN_CI = os.environ.get("GLOSSARY_CI") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip the calling test because ``reason`` (something it needs is missing here),
    or fail it in CI, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"{reason}; CI (GLOSSARY_CI=1) requires it", pytrace=False)
    pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failed run: CI must never pass by not testing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if IN_CI and skipped and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        sys.stderr.write(f"\nGLOSSARY_CI=1: {skipped} test(s) skipped; CI runs every test\n")


@pytest.fixture(scope="session")
def vocabularies() -> Path:
    """The real vocabularies directory; the test is skipped where it is absent (a clone
    without ../shared beside it), and fails in CI."""
    if not VOCABULARIES.is_dir():
        unavailable(
            f"the real vocabularies are not at {VOCABULARIES} (clone beside ../shared, "
            "or set GLOSSARY_VOCABULARIES)"
        )
    return VOCABULARIES


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_exe() -> str:
    """The Oxigraph server command (PyPI package ``oxigraph``, a dev dependency)."""
    exe = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if not exe:
        unavailable("the Oxigraph server (PyPI package oxigraph) is not in .venv: make setup")
    return exe


@contextlib.contextmanager
def oxigraph_server(*args: str) -> Iterator[str]:
    """A real Oxigraph server on a free loopback port, started with ``oxigraph ARGS
    --bind ...`` (e.g. ``serve-read-only --location DIR``, or ``serve`` for a writable
    in-memory one); yields its base URL once it accepts connections, kills it after."""
    port = free_port()
    proc = subprocess.Popen([oxigraph_exe(), *args, "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the oxigraph server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------- store, app
#: Small hand-written fixtures for the store (see the header of each file).
STORE_DATA = DATA / "store"


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store directory holding one vocabulary, ``mini`` (tests/data/store/mini.ttl),
    loaded once per session through the real load path (validation, counts, indexes;
    search vectors from the light ``hash`` encoder). Treat it as read-only: tests that
    load use their own ``tmp_path``."""
    from glossary.store import Store

    path = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(path, read_only=False) as store:
            store.load([STORE_DATA / "mini.ttl"])
    return path


@pytest.fixture
def store(store_path: Path):  # type: ignore[no-untyped-def]
    """The session store, opened read-only (as a service worker opens it)."""
    from glossary.store import Store

    with Store.open(store_path, read_only=True, check_interval=0) as opened:
        yield opened


@pytest.fixture
def app(store_path: Path):  # type: ignore[no-untyped-def]
    """The Flask app over the session store."""
    from service import create_app

    return create_app({"TESTING": True, "GLOSSARY_STORE": str(store_path)})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


#: Lines a test asks to print at the end of the run (e.g. how many conformance cases
#: ran), shown in pytest's terminal summary whatever the capture mode.
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("conformance suites")
        for line in SUMMARY:
            terminalreporter.write_line(line)
