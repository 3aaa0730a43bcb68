"""The searches of backprop_mlp.model_selection, on the path that retrains.

Estimators that cannot continue (scikit-learn's, or ours with L-BFGS) are
fitted afresh at every rung, exactly as scikit-learn's halving searches fit
them: those searches are the oracle, row by row. The continuation itself is
tested in ``test_model_selection_continuation.py``.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import (
    HalvingGridSearchCV as SklearnHalvingGrid,
)
from sklearn.model_selection import (
    HalvingRandomSearchCV as SklearnHalvingRandom,
)
from sklearn.model_selection import (
    KFold,
    ParameterSampler,
    ShuffleSplit,
    StratifiedKFold,
    cross_validate,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_param_validation

from backprop_mlp import BackpropMLPClassifier
from backprop_mlp.model_selection import (
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    HyperbandSearchCV,
)
from backprop_mlp.model_selection._hyperband import _auto_min_resources
from backprop_mlp.model_selection._resource import resolve_resource
from backprop_mlp.model_selection._rungs import halving_bracket, hyperband_brackets

# The rungs stop training on purpose; the tests about warnings say so.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The keys added to scikit-learn's cv_results_.
OURS_ONLY = {"continued", "n_resources_reused", "n_resources_trained"}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=240, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return X, y


def _logistic():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=20))


LOGISTIC_GRID = {
    "logisticregression__C": [0.001, 0.01, 0.1, 1.0, 10.0],
    "logisticregression__fit_intercept": [True, False],
}


def sklearn_twin(search):
    """scikit-learn's halving search with our ``search``'s parameters, unfitted.

    The budget that ours finds by itself (``resource='auto'``, and
    ``max_resources='auto'``: its ``max_iter``) is named for scikit-learn's.
    """
    params = search.get_params(deep=False)
    params["resource"] = resolve_resource(search.estimator, search.resource)
    if params["max_resources"] == "auto":
        params["max_resources"] = search.estimator.get_params()[params["resource"]]
    if isinstance(search, HalvingRandomSearchCV):
        return SklearnHalvingRandom(**params)
    return SklearnHalvingGrid(**params)


def _assert_same_rows(ours, theirs):
    """Our cv_results_ is scikit-learn's, row by row, plus our columns."""
    assert set(ours) - set(theirs) == OURS_ONLY

    def untimed(results):
        return {k: v for k, v in results.items() if k in theirs and "_time" not in k}

    np.testing.assert_equal(untimed(ours), untimed(theirs))


# ---------------------------------------------------------- sklearn's rows


@pytest.mark.parametrize("aggressive", [False, True])
def test_grid_search_rows_are_scikit_learns(data, aggressive):
    X, y = data
    kwargs = dict(
        factor=2,
        min_resources=2,
        max_resources=16,
        aggressive_elimination=aggressive,
        cv=3,
    )
    ours = HalvingGridSearchCV(_logistic(), LOGISTIC_GRID, **kwargs).fit(X, y)
    theirs = sklearn_twin(ours).fit(X, y)
    _assert_same_rows(ours.cv_results_, theirs.cv_results_)
    for name in (
        "best_index_",
        "best_params_",
        "best_score_",
        "n_resources_",
        "n_candidates_",
        "n_iterations_",
        "n_possible_iterations_",
        "n_required_iterations_",
        "n_remaining_candidates_",
        "min_resources_",
        "max_resources_",
        "n_splits_",
        "multimetric_",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    # Nothing continued: LogisticRegression is refitted from scratch.
    assert not ours.cv_results_["continued"].any()
    assert (
        ours.cv_results_["n_resources_trained"] == ours.cv_results_["n_resources"]
    ).all()
    np.testing.assert_array_equal(
        ours.best_estimator_[-1].coef_, theirs.best_estimator_[-1].coef_
    )
    np.testing.assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))
    assert ours.score(X, y) == theirs.score(X, y)


def test_random_search_rows_are_scikit_learns(data):
    X, y = data
    distributions = {
        "logisticregression__C": np.logspace(-3, 2, 30),
        "logisticregression__tol": [1e-4, 1e-2],
    }
    kwargs = dict(n_candidates=10, factor=3, max_resources=18, cv=3, random_state=4)
    ours = HalvingRandomSearchCV(_logistic(), distributions, **kwargs).fit(X, y)
    theirs = sklearn_twin(ours).fit(X, y)
    _assert_same_rows(ours.cv_results_, theirs.cv_results_)
    assert ours.best_params_ == theirs.best_params_
    assert ours.n_resources_ == theirs.n_resources_


def test_mlpclassifier_in_a_pipeline_falls_back_to_scikit_learns_rows(data):
    """sklearn's MLPClassifier cannot continue: it is refitted, and the
    scaler's per-fold fit is reused, which changes no number."""
    X, y = data
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("mlp", MLPClassifier(hidden_layer_sizes=(6,), random_state=0, max_iter=9)),
        ]
    )
    grid = {"mlp__alpha": [1e-4, 1e-1, 1.0], "mlp__learning_rate_init": [1e-3, 1e-2]}
    ours = HalvingGridSearchCV(pipe, grid, cv=3).fit(X, y)
    theirs = sklearn_twin(ours).fit(X, y)
    _assert_same_rows(ours.cv_results_, theirs.cv_results_)
    assert ours.best_params_["mlp__max_iter"] == theirs.best_params_["mlp__max_iter"]


def test_our_lbfgs_estimator_falls_back_to_scikit_learns_rows(data):
    """L-BFGS cannot continue exactly: ours with it is refitted too."""
    X, y = data
    pipe = make_pipeline(
        StandardScaler(),
        BackpropMLPClassifier((5,), solver="lbfgs", max_iter=12, random_state=0),
    )
    grid = {"backpropmlpclassifier__alpha": [1e-3, 1e-1, 10.0]}
    ours = HalvingGridSearchCV(pipe, grid, cv=3, factor=2).fit(X, y)
    theirs = sklearn_twin(ours).fit(X, y)
    _assert_same_rows(ours.cv_results_, theirs.cv_results_)
    assert not ours.cv_results_["continued"].any()


class _Tied(ClassifierMixin, BaseEstimator):
    """Scores ``quality``, or fails when it is NaN: ties and failures on demand."""

    def __init__(self, max_iter=1, quality=0.0):
        self.max_iter = max_iter
        self.quality = quality

    def fit(self, X, y):
        if np.isnan(self.quality):
            raise ValueError("this candidate cannot be fitted")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y):
        return self.quality


@pytest.mark.parametrize(
    "n_candidates, factor, min_resources, max_resources, aggressive",
    [
        (54, 3, "exhaust", 81, False),
        (54, 3, 3, 81, False),
        (54, 3, "smallest", 81, False),
        (27, 3, "exhaust", 81, False),
        (100, 2, "exhaust", 64, False),
        (100, 2, 4, 64, True),
        (40, 3, 20, 81, True),
        (40, 3, 20, 81, False),
        (7, 2.5, "exhaust", 30, False),
        (1, 3, "exhaust", 10, False),
        (10, 4, 1, 200, False),
    ],
)
def test_halving_schedule_is_scikit_learns(
    n_candidates, factor, min_resources, max_resources, aggressive
):
    X, y = np.zeros((30, 1)), np.arange(30) % 2
    sklearn_search = SklearnHalvingGrid(
        _Tied(),
        {"quality": list(np.linspace(0, 1, n_candidates))},
        factor=factor,
        resource="max_iter",
        min_resources=min_resources,
        max_resources=max_resources,
        aggressive_elimination=aggressive,
        cv=2,
    ).fit(X, y)
    ours = halving_bracket(
        n_candidates, factor, min_resources, max_resources, aggressive
    )
    assert list(ours.bracket.resources) == sklearn_search.n_resources_
    assert list(ours.bracket.sizes) == sklearn_search.n_candidates_
    assert ours.min_resources == sklearn_search.min_resources_
    assert ours.n_required_iterations == sklearn_search.n_required_iterations_
    assert ours.n_possible_iterations == sklearn_search.n_possible_iterations_
    assert ours.n_remaining_candidates == sklearn_search.n_remaining_candidates_


@pytest.mark.filterwarnings("ignore:One or more of the (test|train) scores")
def test_ties_and_failures_promote_as_in_scikit_learn(data):
    X, y = data
    grid = {"quality": [0.5, 0.7, 0.7, 0.1, 0.7, np.nan, 0.2, 0.7, 0.5]}
    kwargs = dict(factor=2, min_resources=1, max_resources=8, cv=2)
    with pytest.warns(FitFailedWarning, match="cannot be fitted"):
        ours = HalvingGridSearchCV(_Tied(), grid, **kwargs).fit(X, y)
    with pytest.warns(FitFailedWarning):
        theirs = sklearn_twin(ours).fit(X, y)
    _assert_same_rows(ours.cv_results_, theirs.cv_results_)
    assert ours.best_index_ == theirs.best_index_


def test_every_fit_failing_raises_with_the_error(data):
    X, y = data
    search = HalvingGridSearchCV(
        _Tied(), {"quality": [np.nan, np.nan]}, max_resources=4, cv=2
    )
    with pytest.raises(
        ValueError, match=r"(?s)All the 4 fits of a rung failed.*cannot be"
    ):
        search.fit(X, y)


def test_several_metrics_with_refit_naming_the_ranking_one(data):
    X, y = data
    scoring = {"acc": "accuracy", "nll": "neg_log_loss"}
    search = HalvingGridSearchCV(
        _logistic(),
        LOGISTIC_GRID,
        scoring=scoring,
        refit="nll",
        max_resources=9,
        cv=3,
    ).fit(X, y)
    results = search.cv_results_
    # Each row's scores are cross_validate's for its parameters.
    for i in (0, len(results["params"]) - 1):
        expected = cross_validate(
            _logistic().set_params(**results["params"][i]),
            X,
            y,
            cv=3,
            scoring=scoring,
        )
        for name in scoring:
            np.testing.assert_allclose(
                results[f"mean_test_{name}"][i],
                expected[f"test_{name}"].mean(),
                rtol=1e-12,
            )
    assert search.multimetric_
    # Promotion and the choice followed 'nll'.
    last = results["iter"] == results["iter"].max()
    best = np.flatnonzero(last)[np.argmax(results["mean_test_nll"][last])]
    assert search.best_index_ == best
    assert search.best_score_ == results["mean_test_nll"][best]
    second = results["iter"] == 1
    first = results["iter"] == 0
    kept = {str(p) for p, s in zip(results["params"], second, strict=True) if s}
    ranked = np.argsort(results["mean_test_nll"][first])[-second.sum() :]
    from_first = [
        {k: v for k, v in results["params"][np.flatnonzero(first)[i]].items()}
        for i in ranked
    ]
    assert {
        str({**p, "logisticregression__max_iter": search.n_resources_[1]})
        for p in from_first
    } == kept
    assert search.score(X, y) == search.scorer_["nll"](search.best_estimator_, X, y)


def test_callable_refit_picks_the_row(data):
    X, y = data

    def lowest_c(results):
        return int(np.argmin(results["param_logisticregression__C"]))

    search = HalvingGridSearchCV(
        _logistic(), LOGISTIC_GRID, refit=lowest_c, max_resources=9, cv=3
    ).fit(X, y)
    assert search.best_index_ == lowest_c(search.cv_results_)
    assert search.best_params_["logisticregression__C"] == 0.001
    assert not hasattr(search, "best_score_")


# --------------------------------------------------------- the Pipeline


class _CountingScaler(StandardScaler):
    """A StandardScaler that counts its fits, in this process."""

    fits = 0

    def fit(self, X, y=None, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight)


def test_the_preprocessing_is_fitted_once_per_fold_and_setting(data):
    X, y = data
    _CountingScaler.fits = 0
    pipe = make_pipeline(_CountingScaler(), LogisticRegression(max_iter=20))
    grid = {
        "_countingscaler__with_mean": [True, False],
        "logisticregression__C": [0.01, 0.1, 1.0, 10.0],
    }
    search = HalvingGridSearchCV(pipe, grid, factor=2, max_resources=8, cv=3)
    search.fit(X, y)
    # Two distinct scalers x 3 folds, and the refit's: not one per fit.
    assert len(search.cv_results_["params"]) > 8
    assert _CountingScaler.fits == 2 * 3 + 1
    theirs = sklearn_twin(search).fit(X, y)
    _assert_same_rows(search.cv_results_, theirs.cv_results_)


def test_the_resource_is_found_inside_nested_pipelines():
    from backprop_mlp.model_selection._resource import resolve_resource

    inner = Pipeline([("scale", StandardScaler()), ("mlp", BackpropMLPClassifier())])
    outer = Pipeline([("pre", StandardScaler()), ("model", inner)])
    assert resolve_resource(outer, "auto") == "model__mlp__max_iter"
    assert resolve_resource(BackpropMLPClassifier(), "auto") == "max_iter"
    assert resolve_resource(_logistic(), "auto") == "logisticregression__max_iter"


def test_fit_parameters_are_sliced_per_fold(data):
    """sample_weight for the final step: each fold trains on its own rows'
    weights, as scikit-learn's search slices them."""
    X, y = data
    weights = np.random.RandomState(0).uniform(0.1, 3, len(y))
    params = {"logisticregression__sample_weight": weights}
    ours = HalvingGridSearchCV(_logistic(), LOGISTIC_GRID, max_resources=9, cv=3).fit(
        X, y, **params
    )
    theirs = sklearn_twin(ours).fit(X, y, **params)
    _assert_same_rows(ours.cv_results_, theirs.cv_results_)


def test_sample_weight_of_an_estimator_alone_weighs_its_scores(data):
    X, y = data
    weights = np.random.RandomState(1).uniform(0.1, 3, len(y))
    grid = {"C": [0.01, 1.0]}
    search = HalvingGridSearchCV(
        LogisticRegression(max_iter=50), grid, max_resources=50, min_resources=50, cv=3
    ).fit(X, y, sample_weight=weights)
    row = 0
    expected = []
    for train, test in StratifiedKFold(3).split(X, y):
        model = LogisticRegression(max_iter=50, C=0.01)
        model.fit(X[train], y[train], sample_weight=weights[train])
        expected.append(
            accuracy_score(y[test], model.predict(X[test]), sample_weight=weights[test])
        )
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"][row], np.mean(expected)
    )


# -------------------------------------------------------------- Hyperband


def test_hyperband_brackets_rows_and_choice(data):
    X, y = data
    grid = {
        "logisticregression__C": list(np.logspace(-3, 2, 12)),
        "logisticregression__fit_intercept": [True, False],
    }
    search = HyperbandSearchCV(
        _logistic(), grid, min_resources=2, max_resources=18, cv=3, random_state=0
    ).fit(X, y)
    brackets = hyperband_brackets(2, 18, 3)
    assert search.n_brackets_ == len(brackets) == 3
    assert search.n_resources_ == [list(b.resources) for b in brackets]
    assert search.n_candidates_ == [list(b.sizes) for b in brackets]
    results = search.cv_results_
    # Rows bracket by bracket, rung by rung, with the rung's budget.
    order = list(zip(results["bracket"], results["iter"], strict=True))
    assert order == sorted(order)
    for b, bracket in enumerate(brackets):
        for i, (size, budget) in enumerate(
            zip(bracket.sizes, bracket.resources, strict=True)
        ):
            rows = (results["bracket"] == b) & (results["iter"] == i)
            assert rows.sum() == size
            assert (results["n_resources"][rows] == budget).all()
    # Each bracket drew its candidates from one random state, in turn.
    rng = np.random.RandomState(0)
    for b, bracket in enumerate(brackets):
        drawn = list(ParameterSampler(grid, bracket.sizes[0], random_state=rng))
        first = (results["bracket"] == b) & (results["iter"] == 0)
        params = [p for p, f in zip(results["params"], first, strict=True) if f]
        assert [
            {k: v for k, v in p.items() if k != "logisticregression__max_iter"}
            for p in params
        ] == drawn
    # The best is the best of the brackets' last rungs, all at the full budget.
    last = np.array([i == len(brackets[b].resources) - 1 for b, i in order], dtype=bool)
    assert (results["n_resources"][last] == 18).all()
    best = np.flatnonzero(last)[np.nanargmax(results["mean_test_score"][last])]
    assert search.best_index_ == best
    # Every row's scores are a plain cross-validation of its parameters.
    for i in (0, best):
        expected = cross_validate(
            _logistic().set_params(**results["params"][i]), X, y, cv=3
        )["test_score"]
        assert results["mean_test_score"][i] == pytest.approx(
            expected.mean(), rel=1e-12
        )


def test_hyperband_takes_at_most_the_whole_grid(data):
    X, y = data
    grid = {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # not ParameterSampler's
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = HyperbandSearchCV(
            _logistic(), grid, min_resources=1, max_resources=27, cv=3, random_state=0
        ).fit(X, y)
    for sizes in search.n_candidates_:
        assert sizes[0] <= 4
    first = search.cv_results_["iter"] == 0
    for b in range(search.n_brackets_):
        rows = first & (search.cv_results_["bracket"] == b)
        values = search.cv_results_["param_logisticregression__C"][rows].tolist()
        assert len(set(values)) == len(values)


def test_hyperband_auto_min_resources_is_at_least_three_epochs():
    for max_resources in (3, 8, 9, 10, 26, 27, 28, 81, 200):
        smallest = _auto_min_resources(max_resources, 3)
        brackets = hyperband_brackets(smallest, max_resources, 3)
        assert brackets[0].resources[0] >= 3 or max_resources < 3
        # One more bracket would start below three.
        assert int(brackets[0].resources[0] / 3) < 3


# ------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            dict(resource="logisticregression__C"),
            ValueError,
            r"resource='logisticregression__C' must be an integer parameter.*0\.1",
        ),
        (
            dict(resource="logisticregression__fit_intercept"),
            ValueError,
            "must be an integer parameter",
        ),
        (
            dict(resource="max_iter"),
            ValueError,
            r"not a parameter of Pipeline.*"
            r"'logisticregression__max_iter'",
        ),
        (dict(resource="n_samples"), ValueError, "more epochs, not more rows"),
        (
            dict(min_resources=30, max_resources=20),
            ValueError,
            "min_resources=30 is greater than max_resources=20",
        ),
        (dict(factor=1.5), ValueError, r"'factor' parameter .* range \[2"),
        (
            dict(cv=KFold(3, shuffle=True)),
            ValueError,
            "gives different splits each time.*random_state to an int",
        ),
        (
            dict(cv=ShuffleSplit(3)),
            ValueError,
            "gives different splits each time",
        ),
        (
            dict(scoring=["accuracy", "f1_macro"]),
            ValueError,
            r"With several metrics \(accuracy, f1_macro\), refit must name",
        ),
        (
            dict(scoring=["accuracy", "f1_macro"], refit=False),
            ValueError,
            "refit must name the one that promotes",
        ),
    ],
)
def test_refusals_name_the_argument_and_the_fix(data, kwargs, error, message):
    X, y = data
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=20))
    kwargs = {"max_resources": 9, "cv": 3, **kwargs}
    search = HalvingGridSearchCV(pipe, {"logisticregression__tol": [1e-4]}, **kwargs)
    with pytest.raises(error, match=message):
        search.fit(X, y)
    assert not hasattr(search, "cv_results_")


def test_refusals_of_the_candidates(data):
    X, y = data
    pipe = _logistic()
    with pytest.raises(ValueError, match="'logisticregression__max_iter' is searched"):
        HalvingGridSearchCV(
            pipe, {"logisticregression__max_iter": [3, 9]}, max_resources=9
        ).fit(X, y)
    with pytest.raises(ValueError, match="cannot both be 'exhaust'"):
        HalvingRandomSearchCV(
            pipe, {"logisticregression__C": [1.0]}, min_resources="exhaust"
        ).fit(X, y)
    with pytest.raises(ValueError, match=r"does not name a step.*'logisticregression"):
        HalvingGridSearchCV(
            pipe, {"logisticregression__C": [1.0]}, max_resources=3
        ).fit(X, y, sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match=r"resource='auto' budgets max_iter"):
        HalvingGridSearchCV(make_pipeline(StandardScaler()), {}).fit(X, y)


def test_a_bad_parameter_name_is_refused_before_any_training(data):
    X, y = data
    _CountingScaler.fits = 0
    pipe = make_pipeline(_CountingScaler(), LogisticRegression(max_iter=9))
    grid = [{"logisticregression__C": [1.0]}, {"logisticregression__Cee": [1.0]}]
    with pytest.raises(ValueError, match="Cee"):
        HalvingGridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert _CountingScaler.fits == 0


def test_parameters_are_validated_as_scikit_learn_does():
    for search in (
        HalvingGridSearchCV(LogisticRegression(), {"C": [1.0]}),
        HalvingRandomSearchCV(LogisticRegression(), {"C": [1.0]}),
        HyperbandSearchCV(LogisticRegression(), {"C": [1.0]}),
    ):
        check_param_validation(type(search).__name__, search)


# --------------------------------------------- a failed fit changes nothing


class _Interrupting(_Tied):
    """Ctrl-C in the middle of the search: at the given budget."""

    def __init__(self, max_iter=1, quality=0.0, interrupt_at=None):
        super().__init__(max_iter, quality)
        self.interrupt_at = interrupt_at

    def fit(self, X, y):
        if self.max_iter == self.interrupt_at:
            raise KeyboardInterrupt
        return super().fit(X, y)


def _fitted_state(search):
    return {k: v for k, v in vars(search).items() if k.endswith("_")}


@pytest.mark.parametrize("failure", ["error", "interrupt", "interrupt_in_our_fit"])
def test_a_search_that_raises_leaves_the_last_fit_as_it_was(data, failure):
    X, y = data
    grid = {"quality": [0.1, 0.5, 0.9]}
    search = HalvingGridSearchCV(_Interrupting(), grid, max_resources=9, cv=2)
    search.fit(X, y)
    before = _fitted_state(search)
    assert before
    if failure == "error":
        search.set_params(param_grid={"quality": [0.5, np.nan]}, error_score="raise")
        expected = ValueError
    elif failure == "interrupt":
        search.set_params(estimator=_Interrupting(interrupt_at=9))
        expected = KeyboardInterrupt
    else:
        # Our estimator catches Ctrl-C itself and keeps what it learned,
        # with a warning: the search must not rank a half-trained model.
        def ctrl_c(estimator, info):
            if info["epoch"] == 2:
                raise KeyboardInterrupt

        search.set_params(
            estimator=BackpropMLPClassifier(
                (3,), solver="lbfgs", max_iter=9, callbacks=[ctrl_c]
            ),
            param_grid={"alpha": [1e-3, 1.0]},
        )
        expected = KeyboardInterrupt
    with pytest.raises(expected):
        search.fit(X, y)
    after = _fitted_state(search)
    assert after.keys() == before.keys()
    assert all(after[k] is before[k] for k in before)


# ------------------------------------------------------------ warnings


class _Warning(_Tied):
    """Warns like an estimator that has not converged, and about something else."""

    def fit(self, X, y):
        warnings.warn(f"not converged at {self.max_iter}", ConvergenceWarning, 2)
        warnings.warn(f"something else at {self.max_iter}", UserWarning, 2)
        return super().fit(X, y)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_rungs_convergence_warnings_are_hidden_the_refits_shown(
    data, n_jobs, capfd
):
    X, y = data
    search = HalvingGridSearchCV(
        _Warning(), {"quality": [0.1, 0.5, 0.9]}, max_resources=9, cv=2, n_jobs=n_jobs
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    convergence = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    others = {str(w.message) for w in caught if w.category is UserWarning}
    # The refit's only (9, the best budget), in this process...
    assert convergence == ["not converged at 9"]
    # ...and the others from every rung, once each, whichever process warned.
    assert others == {"something else at 3", "something else at 9"}
    # Nor did a worker print one.
    assert "not converged" not in capfd.readouterr().err


def test_a_first_rung_too_small_to_rank_warns_with_what_to_change():
    X, y = load_iris(return_X_y=True)
    search = HalvingGridSearchCV(
        make_pipeline(StandardScaler(), BackpropMLPClassifier((3,), solver="lbfgs")),
        {"backpropmlpclassifier__alpha": [1e-3, 1e-2, 1e-1]},
        min_resources=1,
        max_resources=3,
        cv=5,
    )
    message = (
        r"as few as 30 rows.*steps of 3%.*cv=3.*trains for 1 epoch.*"
        r"HyperbandSearchCV"
    )
    with pytest.warns(UserWarning, match=message):
        search.fit(X, y)


@pytest.mark.parametrize(
    "estimator, grid, min_resources",
    [
        # Three epochs: enough for the warning.
        (
            BackpropMLPClassifier((3,), solver="lbfgs"),
            {"backpropmlpclassifier__alpha": [0.1, 1.0, 10.0]},
            3,
        ),
        # One iteration of a model that is not trained by epochs.
        (LogisticRegression(), {"logisticregression__C": [0.1, 1.0, 10.0]}, 1),
    ],
)
def test_a_fair_first_rung_does_not_warn(data, estimator, grid, min_resources):
    X, y = np.tile(data[0], (2, 1)), np.tile(data[1], 2)  # folds of 160 rows
    pipe = make_pipeline(StandardScaler(), estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = HalvingGridSearchCV(
            pipe, grid, min_resources=min_resources, max_resources=9, cv=3
        )
        search.fit(X, y)
    assert search.n_iterations_ > 1  # there was a cut to warn about


# ------------------------------------------------------------ the rest


def test_verbose_prints_one_line_per_rung(data, capsys):
    X, y = data
    search = HalvingGridSearchCV(
        _logistic(), LOGISTIC_GRID, max_resources=9, cv=3, verbose=1
    ).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == search.n_iterations_
    for line, n, r in zip(
        lines, search.n_candidates_, search.n_resources_, strict=True
    ):
        assert re.match(
            rf"rung \d/{search.n_iterations_}: {n} candidates x 3 folds at "
            rf"logisticregression__max_iter={r}, best mean score 0\.\d{{4}}",
            line,
        )


def test_refit_false_leaves_no_estimator_to_predict_with(data):
    X, y = data
    search = HalvingGridSearchCV(
        _logistic(), LOGISTIC_GRID, max_resources=9, cv=3, refit=False
    ).fit(X, y)
    assert not hasattr(search, "best_estimator_")
    assert "best_params_" in vars(search)
    with pytest.raises(AttributeError) as error:
        search.predict(X)
    assert "initialized with refit=False" in str(error.value.__cause__)


def test_the_search_delegates_to_its_best_estimator(data):
    X, y = data
    search = HalvingGridSearchCV(_logistic(), LOGISTIC_GRID, max_resources=9, cv=3).fit(
        X, y
    )
    best = search.best_estimator_
    np.testing.assert_array_equal(search.predict(X), best.predict(X))
    np.testing.assert_array_equal(search.predict_proba(X), best.predict_proba(X))
    np.testing.assert_array_equal(
        search.decision_function(X), best.decision_function(X)
    )
    np.testing.assert_array_equal(search.classes_, best.classes_)
    assert search.n_features_in_ == X.shape[1]
    assert search.score(X, y) == best.score(X, y)
    assert not hasattr(search, "transform")
    assert clone(search).get_params()["param_grid"] == LOGISTIC_GRID
