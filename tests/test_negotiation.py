import pytest

from glossary.negotiation import choose, parse_accept

OFFERS = ["text/html", "text/turtle", "application/ld+json", "application/rdf+xml"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),  # no Accept: the first offer
        ("", "text/html"),
        ("*/*", "text/html"),
        ("*", "text/html"),
        ("text/turtle", "text/turtle"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("text/html;q=0.9, text/turtle", "text/turtle"),
        ("application/*", "application/ld+json"),
        ("application/*;q=0.2, application/rdf+xml", "application/rdf+xml"),
        ("text/*;q=0.8, */*;q=0.1", "text/html"),
        ("*/*;q=0.1, text/turtle;q=0.9", "text/turtle"),
        ("text/html;q=0, */*", "text/turtle"),  # explicitly refused html
        ("image/png", None),
        ("text/turtle;q=0", None),
        ("TEXT/TURTLE", "text/turtle"),  # case-insensitive
        ("text/turtle;q=abc", None),  # a broken q is 0
        ("garbage, text/turtle", "text/turtle"),  # malformed parts skipped
        ('text/turtle;charset="utf-8"', "text/turtle"),
        ("application/ld+json;q=1.0, text/turtle;q=1.0", "text/turtle"),  # tie: server order
    ],
)
def test_choose(accept, expected):
    assert choose(accept, OFFERS) == expected


def test_parse_accept_clamps_q():
    (r,) = parse_accept("text/plain;q=7")
    assert r.q == 1.0
