"""The web layer: ``create_app()`` and one blueprint per surface.

It uses only the public API of :mod:`glossary`. State (the store, indexes, settings)
lives in ``app.extensions["glossary"]``, never in module globals; a view gets the
store with :func:`get_store`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from glossary import __version__
from glossary.config import default_store_dir
from glossary.errors import GlossaryError, StoreError, StoreNotReady

if TYPE_CHECKING:
    from glossary.store import Store

#: Settings (``app.config`` keys) and their defaults. ``GLOSSARY_STORE`` None means
#: ``$GLOSSARY_STORE``, else the per-user data directory.
DEFAULTS: dict[str, Any] = {
    "GLOSSARY_STORE": None,
    # How often (seconds) a worker looks whether the store's live snapshot changed.
    "GLOSSARY_STORE_CHECK_INTERVAL": 0.2,
    # The largest body POST /api/validate accepts (bytes, after gunzip too).
    "GLOSSARY_VALIDATE_MAX_BYTES": 20 * 1024 * 1024,
}


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
    }

    from service import health, problems, search_api, validate_api

    problems.init_app(app)
    health.init_app(app)
    validate_api.init_app(app)
    search_api.init_app(app)
    # One line per surface: `from service import x` above, `x.init_app(app)` here.
    from service import api, dumps, linkeddata, pages, sparql  # linked data, pages, JSON, dumps

    for surface in (linkeddata, pages, api, dumps, sparql):
        surface.init_app(app)
    from service import openapi, reconcile  # /reconcile, /openapi.json

    reconcile.init_app(app)
    openapi.init_app(app)
    from service import skosmos  # /rest/v1/ (Skosmos REST v1)

    skosmos.init_app(app)

    @app.after_request
    def _version_header(resp):  # type: ignore[no-untyped-def]
        resp.headers.setdefault("Server", f"semantic-glossary/{__version__}")
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


def get_store(app: Flask | None = None) -> Store:
    """The app's store (read-only; it follows new snapshots by itself).

    Raises :class:`StoreNotReady` (503) while the store directory does not exist yet.
    """
    from glossary.store import Store

    app = app or current_app
    state = app.extensions["glossary"]
    store: Store | None = state["store"]
    if store is None:
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
