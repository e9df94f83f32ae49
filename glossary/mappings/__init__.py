"""Mappings between vocabularies: suggestions (suggest.py) and SSSOM tables (sssom.py).

See docs/mappings.md.
"""

from glossary.mappings.sssom import MappingRow, MappingSet, read_sssom, write_sssom
from glossary.mappings.suggest import Suggestion, suggest_mappings

__all__ = [
    "MappingRow",
    "MappingSet",
    "Suggestion",
    "read_sssom",
    "suggest_mappings",
    "write_sssom",
]
