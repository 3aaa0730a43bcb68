"""The budgets of the rungs: scikit-learn's successive halving, and Hyperband.

A *bracket* is one run of successive halving: its candidates all start at the
first rung's budget, and after each rung the best ``sizes[i + 1]`` of them go
on to the next, larger one. A halving search is one bracket; Hyperband runs
several, from many candidates on a small budget to a few on the whole budget.
Pure arithmetic, so that it can be checked against scikit-learn's.
"""

from dataclasses import dataclass
from math import ceil, floor, log

__all__ = ["Bracket", "halving_bracket", "hyperband_brackets"]


@dataclass(frozen=True)
class Bracket:
    """The rungs of one run of successive halving.

    Attributes
    ----------
    resources : tuple of int
        The budget of each rung: the total resource (epochs, say) the
        candidates of that rung have been trained with when scored.
    sizes : tuple of int
        The number of candidates each rung scores; ``sizes[0]`` candidates
        enter the bracket.
    """

    resources: tuple
    sizes: tuple


@dataclass(frozen=True)
class HalvingSchedule:
    """scikit-learn's halving schedule and the figures it reports."""

    bracket: Bracket
    min_resources: int
    n_required_iterations: int
    n_possible_iterations: int
    n_remaining_candidates: int


def halving_bracket(
    n_candidates, factor, min_resources, max_resources, aggressive_elimination
):
    """The one bracket of scikit-learn's ``HalvingGridSearchCV``.

    The same arithmetic as scikit-learn's ``BaseSuccessiveHalving._run_search``
    (floating-point logarithms included), so that both run the same rungs.

    Parameters
    ----------
    n_candidates : int
    factor : float
    min_resources : int or {'exhaust', 'smallest'}
        'smallest' is 1; 'exhaust' is the largest budget that still lets the
        last rung use close to ``max_resources``.
    max_resources : int
    aggressive_elimination : bool
        Whether to spend extra rungs at the first budget until few enough
        candidates remain to reach ``max_resources`` with fewer than
        ``factor`` of them.

    Returns
    -------
    HalvingSchedule
    """
    n_required = 1 + floor(log(n_candidates, factor))
    smallest = 1 if isinstance(min_resources, str) else min_resources
    if min_resources == "exhaust":
        smallest = max(smallest, max_resources // factor ** (n_required - 1))
    n_possible = 1 + floor(log(max_resources // smallest, factor))
    n_rungs = n_required if aggressive_elimination else min(n_possible, n_required)
    resources, sizes = [], []
    size = n_candidates
    for rung in range(n_rungs):
        power = rung
        if aggressive_elimination:
            # Stay at the first budget while candidates are being eliminated.
            power = max(0, rung - n_required + n_possible)
        resources.append(min(int(factor**power * smallest), max_resources))
        sizes.append(size)
        size = ceil(size / factor)
    return HalvingSchedule(
        Bracket(tuple(resources), tuple(sizes)),
        int(smallest),
        n_required,
        n_possible,
        size,
    )


def hyperband_brackets(min_resources, max_resources, factor):
    """The brackets of Hyperband (Li et al., 2018, Algorithm 1).

    With ``R = max_resources / min_resources`` and ``s_max = floor(log_factor
    R)``, bracket ``s`` (from ``s_max`` down to 0) draws ``n = ceil((s_max + 1)
    factor**s / (s + 1))`` candidates, trains them for ``max_resources /
    factor**s``, and keeps ``floor(n / factor**i)`` of them at rung ``i``,
    which trains for ``factor**i`` times the first budget. Every bracket ends
    at ``max_resources``, and each spends about the same total budget.

    Parameters
    ----------
    min_resources, max_resources : int
    factor : float

    Returns
    -------
    list of Bracket
        The most exploratory bracket first.
    """
    s_max = floor(log(max_resources / min_resources, factor) + 1e-9)
    brackets = []
    for s in range(s_max, -1, -1):
        n = ceil((s_max + 1) * factor**s / (s + 1))
        resources = tuple(
            max(int(max_resources / factor ** (s - i) + 1e-9), 1) for i in range(s + 1)
        )
        sizes = tuple(max(floor(n / factor**i + 1e-9), 1) for i in range(s + 1))
        brackets.append(Bracket(resources, sizes))
    return brackets
