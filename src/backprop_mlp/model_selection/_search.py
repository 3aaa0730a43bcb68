"""The shared base of the searches: validate, run the rungs, refit, commit.

A fit validates everything first (the data, the folds, the scorers, the
budget and every candidate's parameters), then runs the rungs
(:mod:`._engine`), refits the best candidate on all the data, and only then
sets the fitted attributes, all at once: a fit that raises (a bad parameter
combination, Ctrl-C) leaves the search as it was.
"""

import time
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.metrics import get_scorer_names
from sklearn.utils import indexable
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.parallel import Parallel
from sklearn.utils.validation import _check_method_params

from .._warnings import warn
from ._best import BestEstimatorMixin
from ._continuation import can_continue
from ._engine import Candidate, run_brackets
from ._folds import Layout, fixed_splits
from ._jobs import caught_warnings
from ._resource import check_budgets, resolve_resource
from ._results import best_row, format_results
from ._scoring import Scoring

__all__ = ["BaseRungSearch"]

# Validation folds smaller than this move in steps of 2% or more: too coarse
# to rank candidates that differ by a point.
_FEW_ROWS = 50
# Epochs below which a slow starter (a small learning rate) still looks bad.
_FEW_EPOCHS = 3


@dataclass
class _Problem:
    """A validated search: what the rungs need, and nothing of the estimator."""

    X: object
    y: object
    splits: list
    layout: Layout
    resource: str
    scoring: Scoring
    refit: object
    head_params: dict
    trained_params: dict
    score_params: dict
    error_score: object
    return_train_score: bool


class BaseRungSearch(BestEstimatorMixin, MetaEstimatorMixin, BaseEstimator):
    """Shared base of the searches; not to be used directly.

    Subclasses list their parameters in ``__init__`` and implement
    ``_brackets(problem, min_resources, max_resources)``.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "scoring": [
            StrOptions(set(get_scorer_names())),
            callable,
            list,
            tuple,
            dict,
            None,
        ],
        "n_jobs": [Integral, None],
        "refit": ["boolean", str, callable],
        "cv": ["cv_object"],
        "verbose": ["verbose"],
        "error_score": [StrOptions({"raise"}), Real],
        "return_train_score": ["boolean"],
        "random_state": ["random_state"],
        "max_resources": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "resource": [str],
        "factor": [Interval(Real, 2, None, closed="left")],
    }

    # Whether cv_results_ says which bracket each row belongs to.
    _brackets_column = False
    # What to change when the first rung is too short; subclasses refine it.
    _first_rung_advice = "raise min_resources, or lower factor"

    def _store_params(self, params):
        """Keep each ``__init__`` argument as is, as scikit-learn expects."""
        vars(self).update({k: v for k, v in params.items() if k != "self"})

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, **params):
        """Run the search: every candidate at the first rung, the best further.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), \
                default=None
            The targets.
        **params : dict
            Arguments of the estimator's ``fit``, sliced per fold when they
            have one value per sample (``mlp__sample_weight`` in a Pipeline,
            ``sample_weight`` for an estimator alone, which then also weighs
            the scores), and ``groups`` for the splitter.

        Returns
        -------
        self : object
            The fitted search.
        """
        problem, base = self._validate(X, y, params)
        min_resources, max_resources = check_budgets(
            self.min_resources, self.max_resources, base, problem.resource
        )
        schedules, param_lists, fitted = self._brackets(
            problem, min_resources, max_resources
        )
        candidates = [
            [self._candidate(base, problem, params) for params in param_list]
            for param_list in param_lists
        ]
        self._warn_if_first_rung_unfair(problem, schedules, candidates)
        with Parallel(n_jobs=self.n_jobs) as parallel:
            rows, ranking = run_brackets(
                problem, schedules, candidates, parallel, self.verbose
            )
        results = format_results(
            rows,
            len(problem.splits),
            problem.error_score,
            self.return_train_score,
            with_bracket=self._brackets_column,
        )
        final = np.array(
            [row.rung == len(schedules[row.bracket].resources) - 1 for row in rows]
        )
        fitted.update(
            cv_results_=results,
            multimetric_=isinstance(problem.scoring.scorers, dict)
            or ranking != "score",
            n_splits_=len(problem.splits),
            scorer_=problem.scoring.scorers,
        )
        fitted.update(self._best(results, final, ranking))
        if self.refit:
            fitted.update(self._refit(base, fitted["best_params_"], problem, params))
        self._commit(fitted)
        return self

    def _validate(self, X, y, params):
        """Everything the rungs need, checked before any training."""
        if params and get_config().get("enable_metadata_routing", False):
            raise ValueError(
                "These searches do not route metadata yet: disable it with "
                "sklearn.set_config(enable_metadata_routing=False) and pass "
                "fit parameters as '<step>__<name>'."
            )
        X, y = indexable(X, y)
        params = dict(params)
        groups = params.pop("groups", None)
        params = _check_method_params(X, params)
        base = clone(self.estimator)
        resource = resolve_resource(base, self.resource)
        layout = Layout.of(base, resource)
        scoring = Scoring(base, self.scoring, self.refit)
        splits = fixed_splits(self.cv, X, y, groups, is_classifier(base))
        head_params, trained_params = layout.route(params)
        score_params = {}
        weights = params.get("sample_weight")
        if layout.step is None and weights is not None:
            if scoring.accept_sample_weight():
                score_params = {"sample_weight": weights}
        problem = _Problem(
            X,
            y,
            splits,
            layout,
            resource,
            scoring,
            self.refit,
            head_params,
            trained_params,
            score_params,
            self.error_score,
            self.return_train_score,
        )
        return problem, base

    def _candidate(self, base, problem, params):
        """A candidate, its parameters checked by setting them on a clone."""
        if problem.resource in params:
            raise ValueError(
                f"{problem.resource!r} is searched over, but it is the resource "
                "that the search sets at each rung: remove it from the "
                "candidates, or budget another parameter."
            )
        estimator = clone(base).set_params(**clone(params, safe=False))
        head, trained = problem.layout.split(estimator)
        return Candidate(
            params,
            head,
            problem.layout.head_key(estimator),
            trained,
            can_continue(trained, problem.layout.parameter),
        )

    def _warn_if_first_rung_unfair(self, problem, schedules, candidates):
        """Warn when the first rung's scores are too noisy to cut on."""
        if all(len(s.resources) < 2 for s in schedules):
            return
        smallest_fold = min(len(test) for _, test in problem.splits)
        first = min(s.resources[0] for s in schedules)
        reasons = []
        if smallest_fold < _FEW_ROWS:
            reasons.append(
                f"the validation folds hold as few as {smallest_fold} rows, so "
                f"a score moves in steps of {1 / smallest_fold:.0%}; use fewer "
                "folds (cv=3) or more data"
            )
        # Networks trained by epochs (ours, scikit-learn's MLPs) start slowly.
        networks = any(
            "learning_rate_init" in c.trained.get_params()
            for bracket in candidates
            for c in bracket
        )
        if networks and problem.layout.parameter == "max_iter" and first < _FEW_EPOCHS:
            reasons.append(
                f"the first rung trains for {first} epoch(s), after which a slow "
                f"starter (a small learning rate) looks worse than it is; "
                f"{self._first_rung_advice}"
            )
        if reasons:
            warn(
                "The first rung may cut good candidates on noise: "
                + "; and ".join(reasons)
                + ".",
                UserWarning,
            )

    def _best(self, results, final, ranking):
        """``best_index_``, ``best_params_`` and ``best_score_``, as scikit-learn."""
        if callable(self.refit):
            index = self.refit(results)
            if not isinstance(index, Integral) or isinstance(index, bool):
                raise TypeError(
                    f"refit={self.refit!r} must return the index of the best row "
                    f"of cv_results_ (an int), got {index!r}."
                )
            if not 0 <= index < len(results["params"]):
                raise IndexError(
                    f"refit={self.refit!r} returned {index}, out of the "
                    f"{len(results['params'])} rows of cv_results_."
                )
            return dict(best_index_=int(index), best_params_=results["params"][index])
        index = best_row(results, final, ranking)
        return dict(
            best_index_=index,
            best_params_=results["params"][index],
            best_score_=results[f"mean_test_{ranking}"][index],
        )

    def _refit(self, base, best_params, problem, params):
        """The best candidate fitted on all the data, with its budget."""
        estimator = clone(base).set_params(**clone(best_params, safe=False))
        params = dict(params)
        params.pop("groups", None)
        caught = caught_warnings(drop_convergence=False)
        with caught:
            start = time.perf_counter()
            if problem.y is None:
                estimator.fit(problem.X, **params)
            else:
                estimator.fit(problem.X, problem.y, **params)
            refit_time = time.perf_counter() - start
        for category, message in dict.fromkeys(caught.recorded()):
            warn(message, category)
        fitted = dict(best_estimator_=estimator, refit_time_=refit_time)
        if hasattr(estimator, "feature_names_in_"):
            fitted["feature_names_in_"] = estimator.feature_names_in_
        return fitted

    def _commit(self, fitted):
        """Replace every fitted attribute at once.

        The new ``__dict__`` is made aside and swapped in, as the estimators'
        commit does: a thread that reads the search meanwhile sees the old
        results or the new ones, never a mix or neither.
        """
        state = {
            k: v for k, v in vars(self).items() if not (k.endswith("_") and k[0] != "_")
        }
        state.update(fitted)
        self.__dict__ = state
