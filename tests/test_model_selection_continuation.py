"""Survivors continue: a continued network is the from-scratch one, bit for bit.

The oracles: a fit from scratch with ``max_iter`` the rung's budget (on the
fold's rows, behind the fold's own scaler), and scikit-learn's
``HalvingGridSearchCV``, which retrains every survivor from scratch: the
same scores, row by row, exactly. These rest on the estimators' continuation
contract (``warm_start="continue"``).
"""

import copy
import warnings
from collections import Counter

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from test_model_selection import sklearn_twin

from backprop_mlp import BackpropMLPClassifier, BackpropMLPRegressor
from backprop_mlp.model_selection import HalvingGridSearchCV, HyperbandSearchCV
from backprop_mlp.model_selection._continuation import can_continue

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _classification():
    return make_classification(
        n_samples=240, n_features=8, n_informative=5, n_classes=3, random_state=0
    )


def _regression():
    X, y = make_regression(n_samples=240, n_features=8, noise=5.0, random_state=0)
    return X, y / y.std()


def _pipe(estimator):
    return Pipeline([("scale", StandardScaler()), ("mlp", estimator)])


def _same_model(ours, theirs):
    for name in ("coefs_", "intercepts_"):
        for a, b in zip(getattr(ours, name), getattr(theirs, name), strict=True):
            np.testing.assert_array_equal(a, b)
    for name in ("loss_curve_", "n_iter_", "t_", "best_loss_", "validation_scores_"):
        assert getattr(ours, name) == getattr(theirs, name), name


@pytest.mark.parametrize(
    "make_data, estimator, cv",
    [
        (
            _classification,
            BackpropMLPClassifier((6,), random_state=0, tol=0, max_iter=27),
            StratifiedKFold(3),
        ),
        (
            _regression,
            BackpropMLPRegressor(
                hidden_layer_sizes=(6,), random_state=0, tol=0, max_iter=27
            ),
            KFold(3),
        ),
    ],
    ids=["classifier", "regressor"],
)
def test_survivors_are_the_from_scratch_fits_bit_for_bit(make_data, estimator, cv):
    """Every model the search scores, at every rung, is the network that a
    fit with ``max_iter`` the rung's budget gives on that fold."""
    X, y = make_data()
    seen = []

    def spy(model, X_test, y_test):
        seen.append((X_test.tobytes(), copy.deepcopy(model)))
        return model.score(X_test, y_test)

    grid = {
        "mlp__alpha": [1e-4, 1e-2, 1.0],
        "mlp__learning_rate_init": [1e-3, 3e-3, 1e-2],
    }
    search = HalvingGridSearchCV(
        _pipe(estimator), grid, cv=cv, scoring=spy, return_train_score=False
    ).fit(X, y)
    assert search.n_resources_ == [3, 9, 27]
    assert search.cv_results_["continued"].sum() == 3 + 1
    assert len(seen) == len(search.cv_results_["params"]) * 3
    # Each model scored had trained for its rung's budget, no more, no less.
    budgets = Counter(model.n_iter_ for _, model in seen)
    rows = Counter(search.cv_results_["n_resources"].tolist())
    assert budgets == {r: n * 3 for r, n in rows.items()}

    folds = {}
    for train, test in cv.split(X, y):
        scaler = StandardScaler().fit(X[train])
        folds[scaler.transform(X[test]).tobytes()] = scaler.transform(X[train]), train
    for key, model in seen:
        X_train, train = folds[key]
        params = {k: v for k, v in model.get_params().items() if k != "warm_start"}
        params.update(max_iter=model.n_iter_, warm_start=False)
        expected = type(model)(**params).fit(X_train, y[train])
        _same_model(model, expected)


_CASES = {
    "adam": dict(),
    "sgd nesterov invscaling": dict(solver="sgd", learning_rate="invscaling"),
    "early stopping": dict(early_stopping=True, n_iter_no_change=3, tol=1e-3),
    "dropout": dict(dropout=0.2),
    "float32 sample weights": dict(),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_cv_results_are_scikit_learns_halving_on_our_estimator(case):
    """Continuing equals retraining: scikit-learn's search, which retrains
    every survivor from scratch, scores every row the same, exactly."""
    X, y = _classification()
    fit_params = {}
    if case == "float32 sample weights":
        X = X.astype(np.float32)
        fit_params["mlp__sample_weight"] = np.random.RandomState(0).uniform(
            0.5, 2, len(y)
        )
    estimator = BackpropMLPClassifier((6,), random_state=0, max_iter=27)
    pipe = _pipe(estimator.set_params(**_CASES[case]))
    grid = {"mlp__alpha": [1e-4, 1e-2, 1.0], "mlp__batch_size": [16, 64]}
    ours = HalvingGridSearchCV(pipe, grid, cv=3).fit(X, y, **fit_params)
    theirs = sklearn_twin(ours).fit(X, y, **fit_params)
    assert ours.cv_results_["continued"].any()
    for key, value in theirs.cv_results_.items():
        if key.endswith("_time") or key.startswith("param"):
            continue
        np.testing.assert_array_equal(ours.cv_results_[key], value, err_msg=key)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    assert ours.best_params_ == theirs.best_params_
    _same_model(ours.best_estimator_[-1], theirs.best_estimator_[-1])


def test_a_network_stopped_by_its_tol_is_not_trained_further():
    """It is ranked on what it reached: the from-scratch fit with the larger
    budget stops at the same epoch. Nothing warns about continuing it."""
    X, y = _classification()
    # No epoch improves by 10: every run stops after 2 + 2 epochs.
    pipe = _pipe(
        BackpropMLPClassifier(
            (6,), random_state=0, max_iter=27, tol=10.0, n_iter_no_change=2
        )
    )
    grid = {"mlp__learning_rate_init": [1e-2, 3e-2, 1e-1]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = HalvingGridSearchCV(pipe, grid, cv=3, factor=2, min_resources=6).fit(
            X, y
        )
    theirs = sklearn_twin(ours).fit(X, y)
    np.testing.assert_array_equal(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )
    assert ours.best_estimator_[-1].n_iter_ == 4
    later = ours.cv_results_["iter"] > 0
    # Every later row reused its whole budget: nothing left to train.
    assert (ours.cv_results_["n_resources_trained"][later] == 0).all()
    assert ours.cv_results_["continued"][later].all()


def test_model_families_in_one_search_say_which_rows_continued():
    X, y = _classification()
    pipe = _pipe(BackpropMLPClassifier((6,), random_state=0, max_iter=9))
    # Ours and MLPClassifier train the same networks: the same scores.
    grid = [
        {"mlp": [MLPClassifier((6,), random_state=0)], "mlp__alpha": [1e-4]},
        {"mlp": [BackpropMLPClassifier((6,), random_state=0)], "mlp__alpha": [1e-4]},
        # Too regularized to survive the first rung.
        {"mlp": [LogisticRegression()], "mlp__C": [1e-6]},
    ]
    for params in grid[:2]:
        params["mlp"][0].set_params(learning_rate_init=0.01)
    ours = HalvingGridSearchCV(pipe, grid, cv=3, factor=2, min_resources=3).fit(X, y)
    theirs = sklearn_twin(ours).fit(X, y)
    np.testing.assert_array_equal(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )
    results = ours.cv_results_
    assert results["continued"].any()
    for params, rung, continued in zip(
        results["params"], results["iter"], results["continued"], strict=True
    ):
        ours_estimator = isinstance(params["mlp"], BackpropMLPClassifier)
        assert continued == (ours_estimator and rung > 0)


def test_hyperband_rows_are_plain_cross_validations():
    """Each row, continued or not, scores what a cross-validation of its
    parameters at its budget scores."""
    X, y = _classification()
    pipe = _pipe(BackpropMLPClassifier((6,), random_state=0, tol=0, max_iter=27))
    grid = {"mlp__alpha": [1e-4, 1e-2, 1.0], "mlp__learning_rate_init": [1e-3, 1e-2]}
    search = HyperbandSearchCV(pipe, grid, cv=3, random_state=0).fit(X, y)
    results = search.cv_results_
    assert results["continued"].any()
    for i, params in enumerate(results["params"]):
        expected = cross_validate(clone(pipe).set_params(**params), X, y, cv=3)
        assert results["mean_test_score"][i] == expected["test_score"].mean()


def test_cosine_continues_with_a_fixed_horizon():
    mlp = BackpropMLPClassifier(learning_rate="cosine")
    assert not can_continue(mlp, "max_iter")
    assert can_continue(mlp.set_params(schedule_horizon=27), "max_iter")
    X, y = _classification()
    pipe = _pipe(
        BackpropMLPClassifier(
            (6,),
            random_state=0,
            max_iter=27,
            learning_rate="cosine",
            schedule_horizon=27,
        )
    )
    grid = {"mlp__alpha": [1e-4, 1e-2, 1.0]}
    ours = HalvingGridSearchCV(pipe, grid, cv=3).fit(X, y)
    theirs = sklearn_twin(ours).fit(X, y)
    assert ours.cv_results_["continued"].any()
    np.testing.assert_array_equal(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize(
    "estimator, resource, expected",
    [
        (BackpropMLPClassifier(), "max_iter", True),
        (BackpropMLPRegressor(solver="sgd"), "max_iter", True),
        (BackpropMLPClassifier(solver="lbfgs"), "max_iter", False),
        (BackpropMLPClassifier(learning_rate="cosine"), "max_iter", False),
        (BackpropMLPClassifier(), "n_iter_no_change", False),
        (MLPClassifier(), "max_iter", False),
        (LogisticRegression(), "max_iter", False),
    ],
)
def test_which_estimators_continue(estimator, resource, expected):
    assert can_continue(estimator, resource) is expected
