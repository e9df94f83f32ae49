"""gunicorn settings for ``glossary serve`` (loaded as ``python:service.gunicorn_conf``).

``glossary serve`` passes ``--bind`` and ``--workers`` on the command line, which win
over the values here; the store directory comes in ``$GLOSSARY_STORE``.
"""

from __future__ import annotations

import os

wsgi_app = "service:create_app()"
bind = os.environ.get("GLOSSARY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GLOSSARY_WORKERS", "2"))
# Threads, not sync workers: a SPARQL query running to its time limit holds one thread,
# not a whole process, so pages, search and /health keep answering beside it. Every
# surface is safe to share between threads (one store handle and its caches under
# locks, the SPARQL executor pool, the search indexes, the encoder under its lock).
worker_class = "gthread"
threads = int(os.environ.get("GLOSSARY_THREADS", "8"))
# Not preloaded: each worker opens the store itself after the fork (a RocksDB handle
# must not be shared across processes), and follows new snapshots on its own.
preload_app = False
timeout = 120
graceful_timeout = 10
keepalive = 5
# Limits on the request line and headers (bodies are limited per endpoint).
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GLOSSARY_LOG_LEVEL", "info")
proc_name = "semantic-glossary"
