"""The named SPARQL queries of ``ontology/queries/*.rq``, read once.

Code never builds SPARQL from user input: it names one of these queries and binds
user values as terms (pyoxigraph ``substitutions``).
"""

from __future__ import annotations

from functools import lru_cache

from glossary.config import queries_dir
from glossary.errors import StoreError


@lru_cache(maxsize=256)
def named_query(name: str) -> str:
    """The text of ``ontology/queries/<name>.rq``.

    >>> named_query("vocab-counts").startswith("# vocab-counts")
    True
    """
    path = queries_dir() / f"{name}.rq"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoreError(f"named query {name!r} is missing", where=str(path)) from None
