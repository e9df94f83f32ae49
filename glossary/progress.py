"""Progress for long work (loading, indexing, validating), shown only on a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")


class Progress:
    """A one-line progress counter on stderr, redrawn at most 10 times a second.

    Silent when stderr is not a terminal (CI, pipes, tests), unless ``force``.
    """

    def __init__(
        self, label: str, total: int | None = None, *, stream: TextIO | None = None,
        force: bool = False,
    ) -> None:  # fmt: skip
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self._last = 0.0
        self._start = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self._last >= 0.1:
            self._last = now
            self._draw()

    def _draw(self, end: str = "") -> None:
        elapsed = time.monotonic() - self._start
        if self.total:
            pct = 100.0 * self.done / self.total
            text = f"\r{self.label}: {self.done:,}/{self.total:,} ({pct:.0f}%) {elapsed:.1f}s"
        else:
            text = f"\r{self.label}: {self.done:,} {elapsed:.1f}s"
        self.stream.write(text + end)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(end="\n")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def track(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` while showing progress on a terminal."""
    with Progress(label, total) as progress:
        for item in items:
            yield item
            progress.advance()
