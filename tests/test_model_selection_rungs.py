"""The rung schedules and the promotion rule, as arithmetic.

Oracles: the table of brackets in Li et al. (2018), the algorithm's own
rules, and scikit-learn's ``_top_k``. The halving schedule is checked against
scikit-learn's search in ``test_model_selection.py``.
"""

import itertools

import numpy as np
import pytest

from backprop_mlp.model_selection._results import top_k
from backprop_mlp.model_selection._rungs import hyperband_brackets


def test_hyperband_brackets_are_li_et_al_table_1():
    """R = 81, eta = 3, one unit the smallest budget: the paper's Table 1."""
    brackets = hyperband_brackets(1, 81, 3)
    assert [b.sizes for b in brackets] == [
        (81, 27, 9, 3, 1),
        (34, 11, 3, 1),
        (15, 5, 1),
        (8, 2),
        (5,),
    ]
    assert [b.resources for b in brackets] == [
        (1, 3, 9, 27, 81),
        (3, 9, 27, 81),
        (9, 27, 81),
        (27, 81),
        (81,),
    ]


@pytest.mark.parametrize(
    "min_resources, max_resources, factor",
    [(3, 81, 3), (1, 100, 3), (2, 64, 2), (5, 200, 4), (81, 81, 3)],
)
def test_hyperband_brackets_follow_the_algorithm(min_resources, max_resources, factor):
    """Every bracket ends at the full budget, multiplies its budget by
    ``factor`` and keeps ``floor(n / factor**i)``; the first one starts at
    ``min_resources`` (up to rounding) and each spends about the same."""
    brackets = hyperband_brackets(min_resources, max_resources, factor)
    s_max = len(brackets) - 1
    assert factor**s_max <= max_resources / min_resources < factor ** (s_max + 1)
    for s, bracket in zip(range(s_max, -1, -1), brackets, strict=True):
        assert len(bracket.resources) == s + 1
        assert bracket.resources[-1] == max_resources
        assert bracket.sizes[0] == np.ceil((s_max + 1) * factor**s / (s + 1))
        for i, (size, budget) in enumerate(
            zip(bracket.sizes, bracket.resources, strict=True)
        ):
            assert size == max(1, np.floor(bracket.sizes[0] / factor**i))
            assert budget == int(max_resources / factor ** (s - i))
    assert brackets[0].resources[0] >= min_resources
    # The budget of a bracket, n * r * (s + 1), is within a factor of B.
    budget = (s_max + 1) * max_resources
    for s, bracket in zip(range(s_max, -1, -1), brackets, strict=True):
        spent = bracket.sizes[0] * bracket.resources[0] * (s + 1)
        assert budget / factor <= spent <= budget * factor


_SCORES = [
    [0.5, 0.7, 0.7, 0.1, 0.7, 0.2],
    [np.nan, 0.3, np.nan, 0.3, 0.9],
    [0.4] * 7,
    [np.nan, np.nan],
    list(np.random.RandomState(0).randint(0, 4, 40) / 4),
]


@pytest.mark.parametrize(
    "scores, k",
    [(s, k) for s in _SCORES for k in (1, 2, len(s))],
)
def test_promotion_is_scikit_learns_top_k_ties_included(scores, k):
    from sklearn.model_selection._search_successive_halving import _top_k

    params = [{"i": i} for i in range(len(scores))]
    results = {
        "iter": np.zeros(len(scores), int),
        "mean_test_score": np.array(scores),
        "params": np.array(params),
    }
    expected = [p["i"] for p in _top_k(results, k, 0)]
    assert list(top_k(scores, k)) == expected


def test_every_bracket_is_distinct_and_budgets_grow():
    for min_resources, factor in itertools.product((1, 2, 3), (2, 3, 4)):
        brackets = hyperband_brackets(min_resources, 100, factor)
        firsts = [b.resources[0] for b in brackets]
        assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)
