"""CI never passes by not testing: with GLOSSARY_CI=1 (set by .ci/run) a missing
precondition fails the test that needs it, and any skipped test fails the run; without
it, the same tests skip with their reason (a clone with no ../shared beside it)."""

from __future__ import annotations

import pytest
from conftest import ROOT

pytest_plugins = ["pytester"]

SUITE = """
from conftest import unavailable

def test_needs_something():
    unavailable("the thing is not here")

def test_plain():
    assert True
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makepyfile(test_suite=SUITE)
    return pytester


@pytest.mark.parametrize("ci", ["1", ""])
def test_a_missing_precondition_skips_outside_ci_and_fails_in_it(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("GLOSSARY_CI", ci)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    if ci:
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["*the thing is not here; CI (GLOSSARY_CI=1) requires it*"])
    else:
        result.assert_outcomes(passed=1, skipped=1)
        result.stdout.fnmatch_lines(["*SKIPPED*the thing is not here*"])
        assert result.ret == pytest.ExitCode.OK


def test_any_skip_fails_a_ci_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makepyfile("import pytest\n\ndef test_skipped():\n    pytest.skip('why')\n")
    monkeypatch.setenv("GLOSSARY_CI", "1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stderr.fnmatch_lines(["*GLOSSARY_CI=1: 1 test(s) skipped*"])
