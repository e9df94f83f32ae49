"""Security headers: every answer says nosniff and a Referrer-Policy; pages carry a
Content-Security-Policy that allows no inline script or style and no framing; the
reconciliation preview, which OpenRefine frames, may be framed and runs nothing.
tests/e2e/test_csp.py checks in Chromium that the pages work under the policy."""

from __future__ import annotations

import pytest

from service import PAGE_POLICY


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_the_page_policy_allows_nothing_inline_and_no_framing() -> None:
    d = _directives(PAGE_POLICY)
    for name in ("script-src", "style-src", "default-src"):
        assert d[name] == ["'self'"], name
    assert d["frame-ancestors"] == ["'none'"]
    assert d["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in PAGE_POLICY and "'unsafe-eval'" not in PAGE_POLICY


@pytest.mark.parametrize(
    "path", ["/", "/vocab/mini", "/sparql", "/resource?uri=https://example.org/mini/apple"]
)
def test_pages_carry_the_policy(client, path: str) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert resp.status_code == 200, path
    assert resp.mimetype == "text/html"
    assert resp.headers["Content-Security-Policy"] == PAGE_POLICY
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    html = resp.get_data(as_text=True)
    assert "<style" not in html and " style=" not in html  # would be blocked
    assert " onclick=" not in html and "javascript:" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/health",
        "/api/search?q=app",
        "/api/vocabularies",
        "/openapi.json",
        "/api/concepts?uri=http://example.org/nope",
    ],
)
def test_every_answer_says_nosniff(client, path: str) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(path)
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Content-Security-Policy" not in resp.headers  # not a page


def test_the_reconciliation_preview_may_be_framed_and_runs_nothing(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/reconcile/preview", query_string={"id": "https://example.org/mini/apple"})
    assert resp.status_code == 200
    d = _directives(resp.headers["Content-Security-Policy"])
    assert d["frame-ancestors"] == ["*"]
    assert d["default-src"] == ["'none'"] and "script-src" not in d
    assert "X-Frame-Options" not in resp.headers
