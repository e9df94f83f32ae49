"""A path some route takes with another method is a 405 with Allow, never a concept
lookup by the linked-data catch-all (which would answer 404)."""

import pytest


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "/api/validate", "POST"),
        ("delete", "/sparql", "GET"),
        ("put", "/api/search", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    resp = getattr(client, method)(path, headers={"Accept": "application/json"})
    assert resp.status_code == 405
    assert resp.content_type == "application/problem+json"
    assert allowed in resp.headers["Allow"]


def test_unknown_path_is_still_404(client):
    resp = client.get("/no/such/thing", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
