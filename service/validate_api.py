"""``POST /api/validate[?profile=skos|glossary]``: RDF in the body, its ``Content-Type``
picks the parser; the answer is the validator's report, the same object as
``glossary validate --format json``, naming the profile that applied.

400 unreadable body (with the parser's line), 413 over ``GLOSSARY_VALIDATE_MAX_BYTES``
(checked after gunzip too), 415 unknown content type or content encoding.
"""

from __future__ import annotations

import zlib

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from glossary.errors import InputError, PayloadTooLarge
from glossary.formats import RdfFormat
from service.problems import problem

bp = Blueprint("validate_api", __name__)

SUPPORTED = [t for fmt in RdfFormat for t in fmt.media_types]


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the RDF is larger than {limit:,} bytes",
        hint="validate large files with the command line: glossary validate FILE",
    )


def _read_body(limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _gunzip(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InputError(
            f"the body is not valid gzip ({exc})",
            where="request body",
            hint="send it uncompressed, or drop the Content-Encoding: gzip header",
        ) from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise _too_large(limit)
    if not inflater.eof:
        raise InputError("the gzip body is truncated", where="request body")
    return out


def _profile() -> str | None:
    from glossary.shapes import PROFILES

    raw = request.args.get("profile")
    if raw is None or raw == "":
        return None
    if raw not in PROFILES:
        raise InputError(
            f"unknown validation profile {raw[:50]!r}",
            where="profile",
            hint=f"give profile={' or profile='.join(PROFILES)}, or leave it out to let "
            "the data choose",
        )
    return raw


@bp.post("/api/validate")
def validate() -> Response:
    profile = _profile()
    media_type = request.mimetype or ""
    fmt = RdfFormat.from_media_type(media_type) if media_type else None
    if fmt is None:
        shown = media_type or "no Content-Type"
        return problem(
            415,
            "Unsupported media type",
            f"cannot read RDF sent as {shown}; send it with one of the supported types",
            supported=SUPPORTED,
        )
    encoding = (request.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        return problem(
            415,
            "Unsupported content encoding",
            f"cannot decode Content-Encoding {encoding!r}; send gzip or no encoding",
            supported=["gzip", "identity"],
        )
    limit = int(current_app.config["GLOSSARY_VALIDATE_MAX_BYTES"])
    data = _read_body(limit)
    if encoding != "identity":
        data = _gunzip(data, limit)
    if not data.strip():
        raise InputError("the body is empty", where="request body",
                         hint=f"send the RDF to validate, as {fmt.label}")  # fmt: skip

    from glossary.rdfio import parse_bytes
    from glossary.validate import validate_triples

    triples = parse_bytes(data, fmt, where="request body", base_iri=request.base_url)
    report = validate_triples(triples, profile=profile)
    return jsonify(report.to_json())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
