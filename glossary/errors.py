"""One exception hierarchy for the core.

The CLI prints a :class:`GlossaryError` as a clear message and exits with its
``exit_code``; the service turns it into RFC 9457 problem details with its
``http_status``. Messages say what went wrong, where, and how to fix it.
"""

from __future__ import annotations


class GlossaryError(Exception):
    """Base class: an error a user can act on (never a bug)."""

    exit_code: int = 2
    http_status: int = 400
    title: str = "Bad request"

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        parts = [f"{self.where}: {self.message}" if self.where else self.message]
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)


class InputError(GlossaryError):
    """Unreadable input: a file that is missing, not RDF, or malformed (exit 2)."""

    exit_code = 2
    http_status = 400
    title = "Unreadable input"


class TermFileError(InputError):
    """A Markdown term file that cannot be compiled; ``where`` is ``file:line``."""

    title = "Malformed term file"


class ValidationFailed(GlossaryError):
    """The data violates the shapes (exit 1). Carries the validation report."""

    exit_code = 1
    http_status = 422
    title = "Validation failed"

    def __init__(self, message: str, report: object | None = None, **kw: str | None):
        super().__init__(message, **kw)
        self.report = report


class BadQuery(GlossaryError):
    """A SPARQL query that cannot be parsed or is not allowed (exit 2, HTTP 400)."""

    exit_code = 2
    http_status = 400
    title = "Bad SPARQL query"


class QueryTimeout(GlossaryError):
    """A query that ran past the configured time limit (HTTP 503)."""

    exit_code = 2
    http_status = 503
    title = "Query timed out"


class EngineBusy(GlossaryError):
    """Every SPARQL executor is busy and the queue is full (HTTP 503, Retry-After)."""

    exit_code = 2
    http_status = 503
    title = "SPARQL endpoint busy"
    retry_after = 2  # seconds


class NotFound(GlossaryError):
    """An unknown vocabulary, concept or resource (HTTP 404)."""

    exit_code = 2
    http_status = 404
    title = "Not found"


class NotAcceptable(GlossaryError):
    """No representation matches the Accept header (HTTP 406)."""

    exit_code = 2
    http_status = 406
    title = "Not acceptable"

    def __init__(self, message: str, offered: list[str], **kw: str | None):
        super().__init__(message, **kw)
        self.offered = offered


class PayloadTooLarge(GlossaryError):
    exit_code = 2
    http_status = 413
    title = "Payload too large"


class StoreNotReady(GlossaryError):
    """The store or an index is not ready yet (HTTP 503)."""

    exit_code = 2
    http_status = 503
    title = "Service not ready"


class StoreError(GlossaryError):
    """The store cannot be opened or written (permissions, another writer, ...)."""

    exit_code = 2
    http_status = 503
    title = "Store unavailable"
