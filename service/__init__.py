"""The web layer: ``create_app()`` and one blueprint per surface.

It uses only the public API of :mod:`glossary`. State (the store, indexes, settings)
lives in ``app.extensions["glossary"]``, never in module globals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from glossary import __version__


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app. ``test_config`` overrides settings (tests, scripts).

    Settings (``app.config``), each also readable from the environment by the CLI:
    ``GLOSSARY_STORE`` the store directory.
    """
    app = Flask(__name__)
    app.config.from_mapping(GLOSSARY_STORE=None, JSON_SORT_KEYS=False)
    if test_config:
        app.config.from_mapping(test_config)
    app.extensions["glossary"] = {}

    from service import health, problems

    problems.init_app(app)
    health.init_app(app)

    @app.after_request
    def _version_header(resp):  # type: ignore[no-untyped-def]
        resp.headers.setdefault("Server", f"semantic-glossary/{__version__}")
        return resp

    return app
