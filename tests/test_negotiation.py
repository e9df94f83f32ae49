import pytest

from glossary.negotiation import choose, choose_requested, parse_accept

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


GRAPHS = ["text/turtle", "application/n-triples", "application/rdf+xml"]
NAMES = {"n3": "text/turtle", "rdf": "application/rdf+xml"}


@pytest.mark.parametrize(
    ("requested", "accept", "expected"),
    [
        ([], None, "text/turtle"),  # nothing asked: Accept (absent: */*)
        (["application/rdf+xml"], "text/turtle", "application/rdf+xml"),  # a value wins
        (["rdf+xml", "application/rdf+xml"], None, "application/rdf+xml"),  # twice
        (["rdf+xml"], None, "application/rdf+xml"),  # a bare subtype
        (["n-triples"], None, "application/n-triples"),
        (["n3"], None, "text/turtle"),  # a short name
        (["RDF"], None, "application/rdf+xml"),  # names are case-insensitive
        (["application/rdf xml"], None, "application/rdf+xml"),  # '+' unescaped: space
        (["text/turtle; charset=utf-8"], None, "text/turtle"),  # parameters dropped
        (["yaml"], "application/n-triples", "application/n-triples"),  # unknown: Accept
        (["text/csv", ""], "application/rdf+xml", "application/rdf+xml"),  # not offered
        (["", "n3"], None, "text/turtle"),  # empty values passed over
        (["yaml", "rdf"], None, "application/rdf+xml"),  # the first one offered
        (["yaml"], "text/csv", None),  # nothing asked for is offered
        (["text/csv"], "text/csv;q=1, text/turtle;q=0", None),
    ],
)
def test_choose_requested(requested, accept, expected):
    assert choose_requested(requested, accept, GRAPHS, NAMES) == expected
