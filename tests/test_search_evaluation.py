"""The held-out protocol's reporting helpers (glossary/search/evaluation.py, which
scripts/evaluate_search.py prints with; the evaluation itself, on UNESCO:
tests/test_search_quality.py, slow)."""

import random

from glossary.search import evaluation as ev


def test_the_interval_is_wilsons():
    # Wilson's 95 % interval for 50 of 100 and for 0 of 20 (textbook values).
    assert ev.interval(0.5, 100) == "0.404-0.596"
    assert ev.interval(0.0, 20) == "0.000-0.161"
    # 1,500 queries around 0.5: about +-0.025, the noise of the sampled figures
    assert ev.interval(0.493, 1500) == "0.468-0.518"


def test_the_goal_is_judged_on_unesco_only():
    assert ev.goal("unesco", 0.512, 0.858).endswith(": met")
    assert ev.goal("unesco", 0.493, 0.857).endswith(": NOT met")
    assert ev.goal("unesco", 0.55, 0.84).endswith(": NOT met")
    assert ev.goal("stw", 0.9, 0.9) == ""


def test_the_reference_sample_is_seeded_and_inside_the_full_set():
    held = [(f"label {i}", f"urn:c{i % 700}") for i in range(3000)]
    sample = ev.evaluation_sample(held, ev.REFERENCE_SIZE)
    assert len(sample) == 1500 and len(set(sample)) == 1500
    assert sample == ev.evaluation_sample(list(held), 1500)  # the same draw every run
    assert set(sample) <= set(held)
    assert sample == random.Random(42).sample(held, 1500)
    assert ev.evaluation_sample(held[:10], 1500) == held[:10]
