"""Checks on untrusted RDF before pyoxigraph parses it: documents that would make the
parser itself the problem are refused with a clear error.

* **RDF/XML entities.** pyoxigraph's RDF/XML parser expands the internal DTD subset's
  general entities, so a few hundred bytes of nested entities ("billion laughs")
  expand to gigabytes. Entities that name a file or URL (``SYSTEM``, ``PUBLIC``) and
  parameter entities are refused outright (the service never reads other files or the
  network); plain entities, as vocabularies use them for namespaces (``&skos;``), are
  kept while what they expand to, counted over the whole document, stays under
  :data:`MAX_ENTITY_EXPANSION` bytes.
* **JSON nesting.** pyoxigraph's JSON-LD parser recurses per nested object or array,
  and a few thousand levels overflow the stack and kill the process (a segmentation
  fault, seen with 5,000). Nesting deeper than :data:`MAX_JSON_DEPTH` is refused.

Both run in linear time over the bytes, before any parsing.

>>> check(b'<!DOCTYPE r [<!ENTITY a "&b;&b;"><!ENTITY b "xx">]><r>&a;</r>', "RDF/XML")
>>> check(b'[[[[1]]]]', "JSON-LD")
"""

from __future__ import annotations

import functools
import re
from typing import Any

from glossary.errors import InputError

#: Bytes that entity references may add to an RDF/XML document, in all.
MAX_ENTITY_EXPANSION = 16 * 1024 * 1024
#: Deepest nesting of JSON objects and arrays accepted (real JSON-LD needs tens).
MAX_JSON_DEPTH = 256

_SUBSET = re.compile(rb"<!DOCTYPE\s[^\[>]*\[(.*?)\]\s*>", re.S)
_ENTITY = re.compile(
    rb"<!ENTITY\s+(%\s+)?([^\s\"']+)\s+(SYSTEM|PUBLIC)?\s*(?:\"([^\"]*)\"|'([^']*)')", re.S
)
_REF = re.compile(rb"&([A-Za-z_:][\w.:-]*);")


def check(data: bytes, label: str, *, where: str = "input") -> None:
    """Refuse ``data`` (an RDF document in the syntax ``label`` names) if it is hostile
    in the ways described above; else return None."""
    if label == "RDF/XML":
        _check_entities(data, where)
    elif label == "JSON-LD":
        _check_depth(data, where)


def _check_entities(data: bytes, where: str) -> None:
    head = data[: 1 << 20]  # the DTD comes before the root element
    if b"<!ENTITY" not in head and b"<!entity" not in head.lower():
        return
    subset = _SUBSET.search(head)
    declarations = subset.group(1) if subset else head
    values: dict[bytes, bytes] = {}
    for m in _ENTITY.finditer(declarations):
        parameter, name, external = m.group(1), m.group(2), m.group(3)
        if parameter or external:
            kind = (
                "a parameter entity" if parameter else f"an external ({external.decode()}) entity"
            )
            raise InputError(
                f"the RDF/XML declares {kind} ({name.decode(errors='replace')}): refused, "
                "the service never reads other files or the network",
                where=where,
                hint="remove the declaration, or write its value in the document",
            )
        values[name] = m.group(4) if m.group(4) is not None else m.group(5)
    if declarations.count(b"<!ENTITY") > len(values):
        raise InputError(
            "the RDF/XML has an entity declaration that cannot be read",
            where=where,
            hint='declare entities as <!ENTITY name "value">',
        )
    sizes: dict[bytes, int] = {}

    def size(name: bytes, seen: frozenset[bytes]) -> int:
        if name in sizes:
            return sizes[name]
        if len(seen) > 32:
            raise InputError(
                "the RDF/XML nests entities more than 32 deep",
                where=where,
                hint="write the values in the document instead of nested entities",
            )
        if name in seen:
            raise InputError(
                f"the RDF/XML entity {name.decode(errors='replace')} refers to itself",
                where=where,
            )
        value = values[name]
        total = len(value)
        for ref in _REF.findall(value):
            if ref in values:
                total += size(ref, seen | {name}) - len(ref) - 2
            if total > MAX_ENTITY_EXPANSION:
                break
        sizes[name] = total
        return total

    body = data[subset.end() :] if subset else data
    expansion = 0
    for ref in _REF.findall(body):
        if ref in values:
            expansion += size(ref, frozenset())
            if expansion > MAX_ENTITY_EXPANSION:
                raise InputError(
                    f"the RDF/XML's entities expand to more than {MAX_ENTITY_EXPANSION:,} bytes "
                    "(nested entities: an 'entity expansion' attack, or a mistake)",
                    where=where,
                    hint="write the values in the document instead of nested entities",
                )


@functools.cache
def _json_kinds() -> Any:
    """Byte -> 1 opens an object or array, -1 closes one, 2 a quote, 0 the rest."""
    import numpy as np

    table = np.zeros(256, dtype=np.int8)
    table[[ord("["), ord("{")]] = 1
    table[[ord("]"), ord("}")]] = -1
    table[ord('"')] = 2
    return table


def _check_depth(data: bytes, where: str) -> None:
    import numpy as np

    # Escapes first, left to right as JSON reads them: an escaped backslash, then an
    # escaped quote; every quote left opens or closes a string.
    plain = data.replace(b"\\\\", b"__").replace(b'\\"', b"__")
    kinds = _json_kinds()[np.frombuffer(plain, dtype=np.uint8)]
    kinds = kinds[np.flatnonzero(kinds)]  # brackets and quotes only, in order
    quote = kinds == 2
    outside = (np.cumsum(quote, dtype=np.int32) & 1) == 0
    step = np.where(quote | ~outside, 0, kinds).astype(np.int32)
    deepest = int(np.cumsum(step).max()) if len(step) else 0
    if deepest > MAX_JSON_DEPTH:
        raise InputError(
            f"the JSON-LD nests objects and arrays {deepest} levels deep (at most "
            f"{MAX_JSON_DEPTH} are read)",
            where=where,
            hint="flatten the document (e.g. JSON-LD flattened form)",
        )
