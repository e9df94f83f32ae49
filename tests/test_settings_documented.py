"""Settings cannot drift: every GLOSSARY_* variable the code reads is in
glossary.config.SETTINGS, and the README's settings table lists exactly those."""

import re

from conftest import ROOT

from glossary.config import INTERNAL_ENV, SETTINGS

#: Keys of Flask's app.config that tests use to inject objects; not environment variables.
APP_CONFIG_ONLY = {"GLOSSARY_SPARQL_ENGINE", "GLOSSARY_INDEX_DIR"}

LITERAL = re.compile(r"""["'](GLOSSARY_[A-Z][A-Z0-9_]*)["']""")


def names_in_code() -> set[str]:
    found: set[str] = set()
    for pkg in ("glossary", "service"):
        for path in (ROOT / pkg).rglob("*.py"):
            found |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(GLOSSARY_[A-Z0-9_]+)` \|", section, flags=re.M))


def test_every_variable_the_code_reads_is_a_documented_setting():
    documented = {s.env for s in SETTINGS}
    missing = names_in_code() - documented - INTERNAL_ENV - APP_CONFIG_ONLY
    assert not missing, f"add these to glossary.config.SETTINGS and the README: {missing}"


def test_the_readme_lists_exactly_the_settings():
    assert readme_table() == {s.env for s in SETTINGS}


def test_the_scan_finds_something():
    assert {"GLOSSARY_STORE", "GLOSSARY_SPARQL_TIMEOUT"} <= names_in_code()
