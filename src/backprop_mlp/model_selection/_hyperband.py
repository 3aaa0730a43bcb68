"""Hyperband: several brackets of successive halving, survivors continuing.

Successive halving cuts on the first rung's scores, and a candidate that
starts slowly (a small learning rate, after three epochs) is cut however
well it would end. Hyperband (Li et al., 2018) hedges: its brackets run
successive halving from many candidates on a short first rung to a few
candidates trained on the whole budget from the start, each bracket with
about the same total budget.
"""

from math import log
from numbers import Integral

import numpy as np
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._docs import ATTRIBUTES_HYPERBAND, BUDGET, MIN_RESOURCES_HYPERBAND, SETTINGS
from ._rungs import Bracket, hyperband_brackets
from ._search import _FEW_EPOCHS, BaseRungSearch

__all__ = ["HyperbandSearchCV"]


def _auto_min_resources(max_resources, factor):
    """The smallest ``max_resources / factor**s`` that is still at least 3."""
    s_max = max(0, int(log(max_resources / _FEW_EPOCHS, factor) + 1e-9))
    return max(1, int(max_resources / factor**s_max + 1e-9))


class HyperbandSearchCV(BaseRungSearch):
    __doc__ = (
        """Hyperband over sampled candidates, whose surviving candidates keep training.

    The brackets of Li et al. (2018) on the machinery of
    :class:`HalvingGridSearchCV`: bracket ``s`` (from ``s_max`` down to 0)
    draws ``ceil((s_max + 1) factor**s / (s + 1))`` candidates, trains them
    for ``max_resources / factor**s`` epochs, and runs successive halving
    from there up to ``max_resources``. The first bracket explores many
    candidates briefly, the last trains a few on the whole budget: a slow
    starter that halving would cut gets its chance. Survivors continue their
    training runs, and all brackets' rungs that are due run in one parallel
    call. The best candidate is the best of the brackets' last rungs, which
    all train ``max_resources``.

    Parameters
    ----------
    estimator : estimator object
        Our estimator, a Pipeline ending with it, or any scikit-learn
        estimator with an integer budget parameter.

    param_distributions : dict or list of dicts
        Parameter names and lists of values or distributions (with an
        ``rvs`` method), as in
        :class:`~sklearn.model_selection.RandomizedSearchCV`. Each bracket
        draws its own candidates; from lists only (a grid), without
        replacement, and at most the whole grid.
"""
        + BUDGET
        + MIN_RESOURCES_HYPERBAND
        + SETTINGS
        + ATTRIBUTES_HYPERBAND
        + """
    See Also
    --------
    HalvingGridSearchCV : One bracket over a grid: faster, and riskier when
        a slow starter can be the best.

    References
    ----------
    L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar,
    "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
    Optimization", Journal of Machine Learning Research 18 (2018).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from backprop_mlp import BackpropMLPClassifier
    >>> from backprop_mlp.model_selection import HyperbandSearchCV
    >>> X, y = load_digits(return_X_y=True)
    >>> mlp = BackpropMLPClassifier((16,), max_iter=9, random_state=0)
    >>> search = HyperbandSearchCV(
    ...     mlp, {"alpha": [1e-4, 1e-2, 1.0]}, cv=3, random_state=0
    ... ).fit(X[:600] / 16, y[:600])
    >>> search.n_resources_, search.n_candidates_
    ([[3, 9], [9]], [[3, 1], [2]])
"""
    )

    _parameter_constraints: dict = {
        **BaseRungSearch._parameter_constraints,
        "param_distributions": [dict, list],
        "min_resources": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
    }

    _brackets_column = True
    _first_rung_advice = "raise min_resources"

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        factor=3,
        resource="auto",
        max_resources="auto",
        min_resources="auto",
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self._store_params(locals())

    def _brackets(self, problem, min_resources, max_resources):
        if min_resources == "auto":
            min_resources = _auto_min_resources(max_resources, self.factor)
        grid_size = self._grid_size()
        rng = check_random_state(self.random_state)
        brackets, candidates = [], []
        for bracket in hyperband_brackets(min_resources, max_resources, self.factor):
            n = min(bracket.sizes[0], grid_size)
            sizes = tuple(min(size, n) for size in bracket.sizes)
            brackets.append(Bracket(bracket.resources, sizes))
            sampler = ParameterSampler(self.param_distributions, n, random_state=rng)
            candidates.append(list(sampler))
        fitted = dict(
            n_resources_=[list(b.resources) for b in brackets],
            n_candidates_=[list(b.sizes) for b in brackets],
            n_brackets_=len(brackets),
            n_iterations_=sum(len(b.resources) for b in brackets),
            min_resources_=min_resources,
            max_resources_=max_resources,
        )
        return brackets, candidates, fitted

    def _grid_size(self):
        """The number of distinct candidates: finite for lists only."""
        spaces = self.param_distributions
        spaces = [spaces] if isinstance(spaces, dict) else spaces
        if any(hasattr(v, "rvs") for space in spaces for v in space.values()):
            return np.inf
        return len(ParameterGrid(spaces))
