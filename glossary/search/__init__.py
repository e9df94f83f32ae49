"""Search: by label (prefix, folded) and by meaning (embeddings + FAISS, hybrid).

Public API (docs/internal-api.md, docs/search.md)::

    build_indexes(ox, graph, vocab_id, index_dir)   # at load time, per vocabulary
    drop_indexes(index_dir, vocab_id)
    index = SearchIndex.open(index_dir)             # once per process
    index.search("deja", lang="en", vocab=None, limit=10, offset=0) -> list[Hit]
    index.related(q="...", k=10) / index.related(uri="...", k=10)  -> list[Hit]
                                  # q= is expanded with WordNet where it holds the
                                  # whole query (expansion.py)
    if index.changed(): index = SearchIndex.open(index_dir)

Heavy libraries (torch, sentence-transformers, faiss) load only when first needed.
"""

from __future__ import annotations

from glossary.search.build import BuildStats, build_indexes, drop_indexes
from glossary.search.index import MAX_LIMIT, Hit, SearchIndex
from glossary.search.text import fold

__all__ = ["MAX_LIMIT", "BuildStats", "Hit", "SearchIndex", "build_indexes", "drop_indexes",
           "fold"]  # fmt: skip
