"""Successive halving over a grid or sampled candidates, survivors continuing.

The public face of scikit-learn's ``HalvingGridSearchCV`` and
``HalvingRandomSearchCV`` with ``resource`` the epochs: the same parameters,
rungs, promotions and ``cv_results_``, so that switching is a change of
import. What differs is inside: a survivor's networks keep training from
where the last rung left them instead of starting again.
"""

from numbers import Integral

import numpy as np
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.utils._param_validation import Interval, StrOptions

from ._docs import (
    AGGRESSIVE_ELIMINATION,
    ATTRIBUTES_HALVING,
    BUDGET,
    MIN_RESOURCES_HALVING,
    SETTINGS,
)
from ._rungs import halving_bracket
from ._search import BaseRungSearch

__all__ = ["HalvingGridSearchCV", "HalvingRandomSearchCV"]


class _Halving(BaseRungSearch):
    """One bracket of successive halving, as scikit-learn runs it."""

    _parameter_constraints: dict = {
        **BaseRungSearch._parameter_constraints,
        "min_resources": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"exhaust", "smallest"}),
        ],
        "aggressive_elimination": ["boolean"],
    }

    _first_rung_advice = (
        "raise min_resources, or use HyperbandSearchCV, whose brackets also "
        "try candidates on longer first rungs"
    )

    def _brackets(self, problem, min_resources, max_resources):
        smallest = 1 if isinstance(min_resources, str) else min_resources
        candidates = list(self._candidate_params(smallest, max_resources))
        schedule = halving_bracket(
            len(candidates),
            self.factor,
            min_resources,
            max_resources,
            self.aggressive_elimination,
        )
        bracket = schedule.bracket
        fitted = dict(
            n_resources_=list(bracket.resources),
            n_candidates_=list(bracket.sizes),
            n_remaining_candidates_=schedule.n_remaining_candidates,
            n_iterations_=len(bracket.resources),
            n_possible_iterations_=schedule.n_possible_iterations,
            n_required_iterations_=schedule.n_required_iterations,
            min_resources_=schedule.min_resources,
            max_resources_=max_resources,
        )
        return [bracket], [candidates], fitted


class HalvingGridSearchCV(_Halving):
    __doc__ = (
        """Successive halving over a grid, whose surviving candidates keep training.

    scikit-learn's ``HalvingGridSearchCV`` with the epochs as the resource:
    every candidate trains for a few epochs, the best ``1 / factor`` go on
    for ``factor`` times as many, and so on. A survivor's networks continue
    their training run at each rung (one model per fold), so that after a
    rung of ``r`` epochs they are exactly the networks a fit with
    ``max_iter=r`` gives, at a fraction of the cost. In a Pipeline, the
    steps before the network are fitted once per fold and reused at every
    rung.

    Parameters
    ----------
    estimator : estimator object
        Our estimator, a Pipeline ending with it, or any scikit-learn
        estimator with an integer budget parameter (fitted afresh at each
        rung).

    param_grid : dict or list of dicts
        Parameter names and the lists of values to try, as in
        :class:`~sklearn.model_selection.GridSearchCV`.
"""
        + BUDGET
        + MIN_RESOURCES_HALVING.format(default="exhaust")
        + AGGRESSIVE_ELIMINATION
        + SETTINGS
        + ATTRIBUTES_HALVING
        + """
    See Also
    --------
    HalvingRandomSearchCV : The same, over sampled candidates.
    HyperbandSearchCV : Several halving brackets, the safer choice when a
        slow starter can be the best.
    sklearn.model_selection.HalvingGridSearchCV : Retrains every survivor
        from scratch at each rung.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from backprop_mlp import BackpropMLPClassifier
    >>> from backprop_mlp.model_selection import HalvingGridSearchCV
    >>> X, y = load_digits(return_X_y=True)
    >>> pipe = make_pipeline(
    ...     StandardScaler(),
    ...     BackpropMLPClassifier(hidden_layer_sizes=(16,), max_iter=9, random_state=0),
    ... )
    >>> grid = {"backpropmlpclassifier__alpha": [1e-4, 1e-2, 1.0]}
    >>> search = HalvingGridSearchCV(pipe, grid, cv=3).fit(X[:600], y[:600])
    >>> search.n_resources_, search.n_candidates_
    ([3, 9], [3, 1])
    >>> search.cv_results_["continued"].tolist()
    [False, False, False, True]
    >>> search.best_params_["backpropmlpclassifier__max_iter"]
    9
"""
    )

    _parameter_constraints: dict = {
        **_Halving._parameter_constraints,
        "param_grid": [dict, list],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        factor=3,
        resource="auto",
        max_resources="auto",
        min_resources="exhaust",
        aggressive_elimination=False,
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

    def _candidate_params(self, smallest, max_resources):
        return ParameterGrid(self.param_grid)


class HalvingRandomSearchCV(_Halving):
    __doc__ = (
        """Successive halving over sampled candidates, survivors continuing.

    scikit-learn's ``HalvingRandomSearchCV`` with the epochs as the resource;
    see :class:`HalvingGridSearchCV` for what continues.

    Parameters
    ----------
    estimator : estimator object
        Our estimator, a Pipeline ending with it, or any scikit-learn
        estimator with an integer budget parameter.

    param_distributions : dict or list of dicts
        Parameter names and lists of values or distributions (with an
        ``rvs`` method) to sample from, as in
        :class:`~sklearn.model_selection.RandomizedSearchCV`.

    n_candidates : int or 'exhaust', default='exhaust'
        The number of candidates the first rung draws; 'exhaust' draws
        enough for the last rung to use ``max_resources`` (not with
        ``min_resources='exhaust'``).
"""
        + BUDGET
        + MIN_RESOURCES_HALVING.format(default="smallest")
        + AGGRESSIVE_ELIMINATION
        + SETTINGS
        + ATTRIBUTES_HALVING
        + """
    See Also
    --------
    HalvingGridSearchCV : The same, over a grid.
    HyperbandSearchCV : Several halving brackets of sampled candidates.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_digits
    >>> from backprop_mlp import BackpropMLPClassifier
    >>> from backprop_mlp.model_selection import HalvingRandomSearchCV
    >>> X, y = load_digits(return_X_y=True)
    >>> mlp = BackpropMLPClassifier((16,), max_iter=9, random_state=0)
    >>> search = HalvingRandomSearchCV(
    ...     mlp,
    ...     {"alpha": loguniform(1e-5, 1)},
    ...     n_candidates=3,
    ...     min_resources=3,
    ...     cv=3,
    ...     random_state=0,
    ... ).fit(X[:600] / 16, y[:600])
    >>> search.n_candidates_, search.n_resources_
    ([3, 1], [3, 9])
"""
    )

    _parameter_constraints: dict = {
        **_Halving._parameter_constraints,
        "param_distributions": [dict, list],
        "n_candidates": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"exhaust"}),
        ],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_candidates="exhaust",
        factor=3,
        resource="auto",
        max_resources="auto",
        min_resources="smallest",
        aggressive_elimination=False,
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

    def _candidate_params(self, smallest, max_resources):
        n_candidates = self.n_candidates
        if n_candidates == "exhaust":
            if self.min_resources == "exhaust":
                raise ValueError(
                    "n_candidates and min_resources cannot both be 'exhaust': "
                    "each is derived from the other. Set one of them to a number."
                )
            n_candidates = max_resources // smallest
        return ParameterSampler(
            self.param_distributions, n_candidates, random_state=self.random_state
        )
