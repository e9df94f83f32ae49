"""semantic-glossary: glossaries and SKOS vocabularies as validated, searchable linked data.

The core library. It knows nothing of Flask or HTTP; heavy dependencies (torch,
sentence-transformers, faiss) are imported lazily where they are used.
"""

__version__ = "0.1.0"
