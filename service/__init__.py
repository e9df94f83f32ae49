"""The web layer: ``create_app()`` and one blueprint per surface.

It uses only the public API of :mod:`glossary`. State (the store, indexes, settings)
lives in ``app.extensions["glossary"]``, never in module globals; a view gets the
store with :func:`get_store`.

Remote mode: with ``GLOSSARY_SPARQL_ENDPOINT`` set (app config or environment),
:func:`get_store` returns a :class:`glossary.remote_store.RemoteStore`, so every surface
(pages, linked data, JSON API, reconciliation, Skosmos API, dumps, search) reads the
remote store; ``GLOSSARY_STORE`` is then only a cache directory, and the search indexes
are built from the remote data in the background (:func:`remote_indexer`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from glossary import __version__
from glossary.config import default_store_dir
from glossary.errors import GlossaryError, StoreError, StoreNotReady

if TYPE_CHECKING:
    from glossary.remote_store import RemoteIndexer, RemoteStore
    from glossary.store import Store

#: Settings (``app.config`` keys) and their defaults. ``GLOSSARY_STORE`` None means
#: ``$GLOSSARY_STORE``, else the per-user data directory.
DEFAULTS: dict[str, Any] = {
    "GLOSSARY_STORE": None,
    # How often (seconds) a worker looks whether the store's live snapshot changed.
    "GLOSSARY_STORE_CHECK_INTERVAL": 0.2,
    # Remote mode: how often (seconds) a worker asks whether the remote data changed.
    "GLOSSARY_REMOTE_CHECK_INTERVAL": 30.0,
    # The largest body POST /api/validate accepts (bytes, after gunzip too).
    "GLOSSARY_VALIDATE_MAX_BYTES": 20 * 1024 * 1024,
}


#: On every answer: no MIME sniffing; only the origin goes to other sites in Referer.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
#: Pages load only the service's own scripts, styles and images (no inline script or
#: style: JSON data blocks are not scripts), post forms only to it, and are framed by
#: nobody. A view that needs otherwise sets its own (the reconciliation preview).
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app. ``test_config`` overrides settings (tests, scripts).

    The store is opened read-only on first use, so an app can start before the store
    is filled (``/health`` answers 503 until then).
    """
    app = Flask(__name__)
    app.config.from_mapping(JSON_SORT_KEYS=False, **DEFAULTS)
    app.config.from_mapping(_settings_from_env())
    if test_config:
        app.config.from_mapping(test_config)
    path = app.config["GLOSSARY_STORE"]
    app.extensions["glossary"] = {
        "store_path": Path(path).expanduser() if path else default_store_dir(),
        "store": None,
        "store_lock": threading.Lock(),
    }
    if remote_endpoint(app) and not app.testing:
        get_store(app)  # starts building the search indexes from the remote data now

    from service import health, mappings_api, problems, search_api, validate_api

    problems.init_app(app)
    health.init_app(app)
    validate_api.init_app(app)
    search_api.init_app(app)
    mappings_api.init_app(app)
    # One line per surface: `from service import x` above, `x.init_app(app)` here.
    from service import api, dumps, linkeddata, pages, sparql  # linked data, pages, JSON, dumps

    for surface in (linkeddata, pages, api, dumps, sparql):
        surface.init_app(app)
    from service import openapi, reconcile  # /reconcile, /openapi.json

    reconcile.init_app(app)
    openapi.init_app(app)
    from service import skosmos  # /rest/v1/ (Skosmos REST v1)

    skosmos.init_app(app)
    from service import changes  # /api/changes, /vocab/<id>/changes.atom

    changes.init_app(app)

    @app.after_request
    def _headers(resp):  # type: ignore[no-untyped-def]
        resp.headers.setdefault("Server", f"semantic-glossary/{__version__}")
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        if resp.mimetype == "text/html" and "Content-Security-Policy" not in resp.headers:
            resp.headers["Content-Security-Policy"] = PAGE_POLICY
            resp.headers["X-Frame-Options"] = "DENY"  # frame-ancestors, for old browsers
        return resp

    return app


def _settings_from_env() -> dict[str, Any]:
    """The numeric :data:`DEFAULTS` set in the environment (e.g. by ``glossary serve``)."""
    found: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = os.environ.get(key)
        if raw is None or default is None:
            continue
        try:
            found[key] = type(default)(raw)
        except ValueError:
            raise GlossaryError(
                f"{key}={raw!r} is not a number", hint=f"unset it, or give e.g. {default}"
            ) from None
    return found


def remote_endpoint(app: Flask) -> str | None:
    """The remote SPARQL 1.1 store the app reads everything from (app config
    ``GLOSSARY_SPARQL_ENDPOINT``, else the environment), or None: the embedded store."""
    value = app.config.get("GLOSSARY_SPARQL_ENDPOINT")
    if value is None:
        value = os.environ.get("GLOSSARY_SPARQL_ENDPOINT")
    return str(value) if value else None


def get_store(app: Flask | None = None) -> Store | RemoteStore:
    """The app's store (read-only; it follows new snapshots by itself): the embedded
    store, or in remote mode a :class:`glossary.remote_store.RemoteStore` (whose first
    use starts the background build of the search indexes).

    Raises :class:`StoreNotReady` (503) while the store directory does not exist yet.
    """
    from glossary.store import Store

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions["glossary"]
    store: Store | RemoteStore | None = state["store"]
    if store is not None:
        return store
    endpoint = remote_endpoint(app)
    # One store per app, whichever thread asks first (a request, or the background
    # warm-up of the SPARQL executors).
    with state["store_lock"]:
        store = state["store"]
        if store is not None:
            return store
        if endpoint:
            store = state["store"] = _open_remote(app, endpoint, state["store_path"])
            return store
        try:
            store = Store.open(
                state["store_path"],
                read_only=True,
                check_interval=float(app.config["GLOSSARY_STORE_CHECK_INTERVAL"]),
            )
        except StoreError as exc:
            raise StoreNotReady(
                f"the store is not ready: {exc.message}",
                hint="load a vocabulary (glossary load FILE), or start with glossary serve",
            ) from None
        state["store"] = store
        return store


def _open_remote(app: Flask, endpoint: str, cache: Path) -> RemoteStore:
    from glossary.remote_store import CHECK_INTERVAL, RemoteIndexer, RemoteStore
    from glossary.sparql import settings_from_env

    timeout = app.config.get("GLOSSARY_SPARQL_TIMEOUT")
    if timeout is None:
        timeout = settings_from_env()["timeout"]
    interval = float(app.config.get("GLOSSARY_REMOTE_CHECK_INTERVAL", CHECK_INTERVAL))
    store = RemoteStore(endpoint, cache, timeout=float(timeout), check_interval=interval)
    app.extensions["glossary"]["remote_indexer"] = RemoteIndexer(store).start()
    return store


def remote_indexer(app: Flask | None = None) -> RemoteIndexer | None:
    """The background builder of the search indexes in remote mode (None: embedded)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if not remote_endpoint(app):
        return None
    get_store(app)
    indexer: RemoteIndexer | None = app.extensions["glossary"].get("remote_indexer")
    return indexer
