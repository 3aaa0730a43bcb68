"""scikit-learn's estimator checks, run over several configurations.

Small fast networks for each solver, loss and feature, and both estimators at
their default parameters with each solver. No check is marked as an expected
failure: a failing check is a bug.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import (
    check_classifiers_one_label_sample_weights,
    check_dataframe_column_names_consistency,
    check_param_validation,
    parametrize_with_checks,
)

from backprop_mlp import (
    BackpropMLPClassifier,
    BackpropMLPRegressor,
    TrainingDivergedWarning,
)

NAME = BackpropMLPClassifier.__name__

# The checks train briefly on purpose; not converging is irrelevant to them.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*(Maximum iterations|failed to converge):"
    "sklearn.exceptions.ConvergenceWarning"
)

# Small networks and few iterations keep the checks fast; the learning rates
# are large enough for check_classifiers_train (accuracy > 0.83).
CONFIGS = [
    dict(solver="lbfgs", hidden_layer_sizes=(5,), max_iter=200),
    dict(solver="sgd", hidden_layer_sizes=(5,), max_iter=200, learning_rate_init=0.1),
    dict(solver="adam", hidden_layer_sizes=(5,), max_iter=200, learning_rate_init=0.01),
    # Per-layer activations, two hidden layers.
    dict(
        solver="lbfgs",
        hidden_layer_sizes=(5, 4),
        activation=["tanh", "relu"],
        max_iter=200,
    ),
    # 'balanced' class weights must combine with sample_weight the way
    # scikit-learn's linear models do (check_sample_weight_equivalence_*).
    dict(
        solver="lbfgs", hidden_layer_sizes=(5,), max_iter=200, class_weight="balanced"
    ),
]


# Every solver with the squared error, and the Poisson loss (which declares
# positive targets: positive_only) with lbfgs and adam. check_regressors_train
# wants R² > 0.5 from a brief fit; Poisson's adam reaches 0.7 at this rate.
# Not the Poisson loss with plain SGD: on the checks' unscaled data (X around
# 100) its first step overflows the exp link at any rate that trains, and a
# fit that completes no epoch is refused, as it should be.
REGRESSOR_CONFIGS = [
    dict(solver="lbfgs", hidden_layer_sizes=(5,), max_iter=100),
    dict(solver="sgd", hidden_layer_sizes=(5,), max_iter=100, learning_rate_init=0.02),
    dict(solver="adam", hidden_layer_sizes=(5,), max_iter=100, learning_rate_init=0.02),
    dict(loss="poisson", solver="lbfgs", hidden_layer_sizes=(5,), max_iter=100),
    dict(
        loss="poisson",
        solver="adam",
        hidden_layer_sizes=(5,),
        max_iter=200,
        learning_rate_init=0.01,
    ),
]

# What a user gets without choosing anything: 100 hidden units, 200
# iterations, each solver at its own defaults.
SOLVERS = ["lbfgs", "sgd", "adam"]


def _estimators():
    return (
        [BackpropMLPClassifier(random_state=0, **config) for config in CONFIGS]
        + [
            BackpropMLPRegressor(random_state=0, **config)
            for config in REGRESSOR_CONFIGS
        ]
        + [
            estimator(solver=solver, random_state=0)
            for estimator in (BackpropMLPClassifier, BackpropMLPRegressor)
            for solver in SOLVERS
        ]
    )


# Checks that fit regressors on data that is not scaled, on purpose: features
# drawn around 100 (the first three), targets in the hundreds (the last). SGD
# at these rates, or the Poisson loss's exp link, diverges there, and the
# TrainingDivergedWarning saying so (and naming the scaling) is the right
# answer. Filtered for these checks only: one anywhere else is news.
DIVERGING_CHECKS = {
    "check_fit_idempotent",
    "check_n_features_in",
    "check_fit_check_is_fitted",
    "check_regressor_multioutput",
}


def _each_estimator(solver):
    return [
        BackpropMLPClassifier(
            solver=solver, hidden_layer_sizes=(5,), max_iter=20, random_state=0
        ),
        BackpropMLPRegressor(
            solver=solver, hidden_layer_sizes=(5,), max_iter=20, random_state=0
        ),
    ]


def _as_list(mark):
    """A parametrize mark with its cases in a list.

    parametrize_with_checks of scikit-learn < 1.9 hands pytest a generator,
    which pytest warns about at collection, where no filter of this module's
    applies.
    """
    argnames, argvalues = mark.args
    return pytest.mark.parametrize(argnames, list(argvalues), **mark.kwargs)


def _run_check(estimator, check):
    name = getattr(check, "func", check).__name__
    with warnings.catch_warnings():
        if isinstance(estimator, BackpropMLPRegressor) and name in DIVERGING_CHECKS:
            warnings.simplefilter("ignore", TrainingDivergedWarning)
        check(estimator)


@_as_list(parametrize_with_checks(_estimators()))
def test_sklearn_compatible(estimator, check):
    """Every check of parametrize_with_checks passes, with no expected failures."""
    _run_check(estimator, check)


@pytest.mark.slow
@_as_list(
    parametrize_with_checks(
        [
            estimator(solver=solver, hidden_layer_sizes=(100, 100), random_state=0)
            for estimator in (BackpropMLPClassifier, BackpropMLPRegressor)
            for solver in SOLVERS
        ]
    )
)
def test_sklearn_compatible_larger_networks(estimator, check):
    """The checks pass on two hidden layers of 100 units too (about a minute)."""
    _run_check(estimator, check)


@pytest.mark.parametrize("solver", SOLVERS)
def test_param_validation(solver):
    """Invalid parameter types and values raise InvalidParameterError in fit."""
    # partial_fit exists for sgd and adam, so it is checked there too.
    for estimator in _each_estimator(solver):
        check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("solver", SOLVERS)
def test_dataframe_column_names_consistency(solver):
    """feature_names_in_ is set from a DataFrame and checked at predict."""
    pytest.importorskip("pandas")
    for estimator in _each_estimator(solver):
        check_dataframe_column_names_consistency(type(estimator).__name__, estimator)


@pytest.mark.filterwarnings("error::backprop_mlp.TrainingDivergedWarning")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_one_label_sample_weights_minibatches(solver):
    """Zero weights trimming y to one class also work with small mini-batches.

    The scikit-learn check, with mini-batches small enough that some hold only
    zero-weight samples; training must not stop as diverged.
    """
    estimator = BackpropMLPClassifier(
        solver=solver,
        hidden_layer_sizes=(5,),
        batch_size=2,
        learning_rate_init=0.01,
        max_iter=50,
        random_state=0,
    )
    check_classifiers_one_label_sample_weights(NAME, estimator)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_zero_weight_minibatch(solver):
    """A mini-batch whose samples all weigh zero is no reason to stop training.

    With shuffle=False the batches are consecutive rows, so the first batch
    holds only zero-weight samples. Training must run all its epochs without
    warning of divergence, and learn from the weighted rows.
    """
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    sample_weight = np.ones(len(y))
    sample_weight[:10] = 0.0
    clf = BackpropMLPClassifier(
        solver=solver,
        hidden_layer_sizes=(5,),
        batch_size=10,
        shuffle=False,
        learning_rate_init=0.05,
        max_iter=50,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingDivergedWarning)
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=sample_weight)
    assert clf.n_iter_ == 50
    assert all(np.isfinite(W).all() for W in clf.coefs_)
    assert np.isfinite(clf.loss_curve_).all()
    assert clf.score(X[10:], y[10:]) > 0.8
