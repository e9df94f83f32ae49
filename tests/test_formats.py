import gzip

import pytest

from glossary.errors import InputError
from glossary.formats import RdfFormat, ResultFormat
from glossary.rdfio import detect_format, read_graph, read_quads, read_triples


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.ttl", RdfFormat.TURTLE), ("a.ttl.gz", RdfFormat.TURTLE), ("a.nt", RdfFormat.NTRIPLES),
        ("a.rdf", RdfFormat.RDFXML), ("a.owl", RdfFormat.RDFXML), ("a.jsonld", RdfFormat.JSONLD),
        ("a.trig.gz", RdfFormat.TRIG), ("a.nq", RdfFormat.NQUADS),
    ],
)  # fmt: skip
def test_detect_format(tmp_path, name, fmt):
    assert detect_format(tmp_path / name) is fmt


def test_unknown_extension_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="cannot tell the RDF syntax"):
        detect_format(tmp_path / "a.txt")


def test_media_types_round_trip():
    for fmt in RdfFormat:
        assert RdfFormat.from_media_type(fmt.media_type + "; charset=utf-8") is fmt
    for rfmt in ResultFormat:
        assert ResultFormat.from_media_type(rfmt.media_type) is rfmt


TTL = b'@prefix ex: <http://example.org/> .\nex:a ex:b "c"@en .\n'


@pytest.mark.parametrize("gz", [False, True])
def test_read_graph_and_quads(tmp_path, gz):
    path = tmp_path / ("x.ttl.gz" if gz else "x.ttl")
    path.write_bytes(gzip.compress(TTL) if gz else TTL)
    assert len(read_graph(path)) == 1
    assert len(list(read_quads(path))) == 1


def test_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.ttl"
    path.write_bytes(TTL + b'ex:d ex:e "unterminated .\n')
    with pytest.raises(InputError) as info:
        list(read_quads(path))
    assert info.value.where == f"{path}:3"
    with pytest.raises(InputError) as info2:
        read_graph(path)
    assert str(path) in (info2.value.where or "")


def test_read_graph_trig_under_warnings_as_errors(tmp_path):
    path = tmp_path / "d.trig"
    path.write_bytes(b"@prefix ex: <http://e/> .\nex:g { ex:a ex:b ex:c . }\nex:x ex:y ex:z .\n")
    assert len(read_graph(path)) == 2


def test_reader_is_lenient_on_language_tags_so_the_validator_can_report_them(tmp_path):
    path = tmp_path / "tags.ttl"
    path.write_bytes(b'<http://e/a> <http://e/b> "c"@abcdefghij .\n')
    (triple,) = read_triples(path)
    assert triple.object.language == "abcdefghij"
