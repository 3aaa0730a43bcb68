"""scikit-learn's estimator checks, run over several configurations.

No check is marked as an expected failure: a failing check is a bug.
"""

import warnings

import numpy as np
import pytest
import sklearn
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


# Every solver with both losses. check_regressors_train wants R² > 0.5 from
# a brief fit; the Poisson loss declares positive targets (positive_only).
REGRESSOR_CONFIGS = [
    dict(solver="lbfgs", hidden_layer_sizes=(5,), max_iter=100),
    dict(solver="sgd", hidden_layer_sizes=(5,), max_iter=100, learning_rate_init=0.02),
    dict(solver="adam", hidden_layer_sizes=(5,), max_iter=100, learning_rate_init=0.02),
]


def _estimators():
    # Not the Poisson loss with plain SGD: on the checks' unscaled data (X
    # around 100) its first step overflows the exp link, and a fit that
    # completes no epoch is refused, as it should be.
    return [BackpropMLPClassifier(random_state=0, **config) for config in CONFIGS] + [
        BackpropMLPRegressor(loss=loss, random_state=0, **config)
        for loss in ("squared_error", "poisson")
        for config in REGRESSOR_CONFIGS
        if not (loss == "poisson" and config["solver"] == "sgd")
    ]


def _each_estimator(solver):
    return [
        BackpropMLPClassifier(
            solver=solver, hidden_layer_sizes=(5,), max_iter=20, random_state=0
        ),
        BackpropMLPRegressor(
            solver=solver, hidden_layer_sizes=(5,), max_iter=20, random_state=0
        ),
    ]


SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])


@parametrize_with_checks(_estimators())
def test_sklearn_compatible(estimator, check):
    """Every check of parametrize_with_checks passes, with no expected failures.

    One exception, on scikit-learn 1.6 only: its check_classifiers_train
    compares predict_log_proba with log(predict_proba), which is -inf where a
    float32 probability underflows; ours is computed in log space and stays
    finite. (It passes on scikit-learn 1.9; 1.7 and 1.8 were not run here.)
    """
    name = getattr(check, "func", check).__name__
    if SKLEARN_VERSION < (1, 7) and name == "check_classifiers_train":
        pytest.skip("scikit-learn 1.6 expects -inf log-probabilities here")
    check(estimator)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_param_validation(solver):
    """Invalid parameter types and values raise InvalidParameterError in fit."""
    # partial_fit exists for sgd and adam, so it is checked there too.
    for estimator in _each_estimator(solver):
        check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
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
