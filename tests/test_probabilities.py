"""predict_proba and predict_log_proba: one rule for saturated outputs.

The rule: every probability is clipped to ``[eps, 1 - eps]`` of its dtype,
where the training log-loss clips it, and predict_log_proba is the log of that
clipped probability, computed in log space. Oracles:

- the exact values, in 40-digit decimal arithmetic, of a network whose output
  pre-activations are chosen exactly (identity layers and weights), saturated
  far beyond where float64 underflows;
- scikit-learn's MLPClassifier given the same weights, where it does not
  saturate, and its log_loss;
- the training loss of ``backprop_mlp._losses`` on the unclipped outputs.
"""

import decimal
import warnings
from decimal import Decimal

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier
from backprop_mlp._losses import categorical_log_loss

# Output pre-activations: plain, tied, near the clipping bounds of float32
# (log eps = -15.9) and float64 (-36.04), and far beyond float64's underflow
# (exp(-745) = 0) and overflow (exp(710) = inf).
SOFTMAX_ROWS = [
    [0, 0, 0],
    [3, 2, 1],
    [-40, 0, 40],
    [0, -15, -16],
    [0, -36, -37],
    [0, -800, -5],
    [1000, 0, 0],
    [745, 0, -745],
    [10_000, -10_000, 0],
]
LOGISTIC_VALUES = [0, 1, -1, 5, -5, 15, -16, 36, -37, 40, -40, 800, -800, 10_000]
DTYPES = [np.float64, np.float32]

decimal.getcontext().prec = 40


def _exact_log_softmax(row):
    z = [Decimal(int(v)) for v in row]
    log_sum = sum(v.exp() for v in z).ln()
    return [v - log_sum for v in z]


def _exact_log_sigmoid(value):
    # log sigmoid(z) = -log(1 + exp(-z)), and 1 - sigmoid(z) = sigmoid(-z).
    return -(1 + (-Decimal(int(value))).exp()).ln()


def _expected(log_p, dtype):
    """The rule applied to exact log-probabilities: clip, then round to dtype."""
    eps = Decimal(float(np.finfo(dtype).eps))
    low, high = eps.ln(), (1 - eps).ln()
    clipped = [[min(max(v, low), high) for v in row] for row in log_p]
    log_proba = np.array([[float(v) for v in row] for row in clipped])
    proba = np.array([[float(v.exp()) for v in row] for row in clipped])
    return proba.astype(dtype), log_proba.astype(dtype)


def _identity_network(Z, y, dtype):
    """A classifier fitted on ``y`` whose output pre-activations are exactly ``Z``.

    One identity hidden layer as wide as ``Z``, identity weights and zero
    biases: ``z_L = (Z I + 0) I + 0 = Z``, exact in floating point.
    """
    n_outputs = Z.shape[1]
    X = Z.astype(dtype)
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(n_outputs,),
        activation="identity",
        solver="lbfgs",
        max_iter=1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    for W, b in zip(clf.coefs_, clf.intercepts_, strict=True):
        W[...] = np.eye(n_outputs, dtype=W.dtype)
        b[...] = 0
    return clf, X


def _check_against(clf, X, proba, log_proba):
    dtype = X.dtype
    eps = np.finfo(dtype).eps
    ours, ours_log = clf.predict_proba(X), clf.predict_log_proba(X)
    assert ours.dtype == ours_log.dtype == dtype
    assert np.all((ours >= eps) & (ours <= 1 - eps))
    # Both within a few roundings of the exact values; log-probabilities
    # absolutely near 0 (1 - p is rounded), relatively elsewhere.
    assert_allclose(ours, proba, rtol=8 * eps, atol=eps)
    assert_allclose(ours_log, log_proba, rtol=4 * eps, atol=4 * eps)
    # Hence exp(log p) is p, and the same order, ties (clipped entries) and all.
    assert_allclose(np.exp(ours_log), ours, rtol=8 * eps, atol=eps)
    assert_array_equal(np.argsort(ours_log), np.argsort(ours))
    return ours


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_matches_exact_values(dtype):
    """Saturated softmax: clipped to [eps, 1 - eps], its log alike, never 0 or -inf."""
    Z = np.array(SOFTMAX_ROWS, dtype=float)
    clf, X = _identity_network(Z, np.arange(len(Z)) % 3, dtype)
    assert clf.out_activation_ == "softmax"
    proba, log_proba = _expected([_exact_log_softmax(row) for row in Z], dtype)
    ours = _check_against(clf, X, proba, log_proba)
    # Clipping moves a row's sum by less than n_classes * eps.
    assert_allclose(ours.sum(axis=1), 1.0, rtol=0, atol=3 * np.finfo(dtype).eps)
    assert_array_equal(clf.classes_[ours.argmax(axis=1)], clf.predict(X))


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_logistic_matches_exact_values(dtype):
    """The binary output's two columns follow the rule of the softmax's."""
    Z = np.array(LOGISTIC_VALUES, dtype=float).reshape(-1, 1)
    clf, X = _identity_network(Z, np.arange(len(Z)) % 2, dtype)
    assert clf.out_activation_ == "logistic"
    log_p = [[_exact_log_sigmoid(-z), _exact_log_sigmoid(z)] for z in Z.ravel()]
    proba, log_proba = _expected(log_p, dtype)
    ours = _check_against(clf, X, proba, log_proba)
    assert_allclose(ours.sum(axis=1), 1.0, rtol=0, atol=np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_logistic_matches_exact_values(dtype):
    """Multilabel outputs: each label's probability alone, clipped alike."""
    Z = np.array(LOGISTIC_VALUES, dtype=float).reshape(-1, 2)
    Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0]] * 2)[: len(Z)]
    clf, X = _identity_network(Z, Y, dtype)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 2
    proba, log_proba = _expected(
        [[_exact_log_sigmoid(z) for z in row] for row in Z], dtype
    )
    _check_against(clf, X, proba, log_proba)


@pytest.fixture(scope="module")
def saturated():
    """The default network with L-BFGS on check_classifiers_train's blobs.

    Its softmax saturates: in float64 some probabilities underflow to 0 and
    others round to 1 (the case that failed scikit-learn's check).
    """
    X, y = make_blobs(n_samples=300, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = BackpropMLPClassifier(solver="lbfgs", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    theirs = MLPClassifier(hidden_layer_sizes=(2,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
    theirs.coefs_ = [W.copy() for W in clf.coefs_]
    theirs.intercepts_ = [b.copy() for b in clf.intercepts_]
    theirs.n_layers_ = clf.n_layers_
    return clf, theirs, X, y


def test_saturated_softmax_against_sklearn(saturated):
    """Where MLPClassifier does not saturate, the same numbers; where it does, eps.

    MLPClassifier, given the same weights, is the oracle: it returns exact 0s
    and 1s and log(0) = -inf; ours clip those to eps and 1 - eps and give
    their finite logs.
    """
    clf, theirs, X, _ = saturated
    eps = np.finfo(X.dtype).eps
    expected = theirs.predict_proba(X)
    # The case that failed: underflow to exactly 0, saturation to exactly 1.
    assert (expected == 0).any() and (expected == 1).any()
    inside = (expected >= eps) & (expected <= 1 - eps)
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert_allclose(proba[inside], expected[inside], rtol=1e-12)
    assert_array_equal(proba[expected < eps], eps)
    assert_array_equal(proba[expected > 1 - eps], 1 - eps)
    with np.errstate(divide="ignore"):
        expected_log = np.log(expected)
    # Below 1 - 1e-3 log(p) loses nothing to the rounding of p.
    accurate = inside & (expected < 1 - 1e-3)
    assert_allclose(log_proba[accurate], expected_log[accurate], rtol=1e-12)
    assert_allclose(log_proba[expected < eps], np.log(eps))
    assert np.isfinite(log_proba).all()
    assert_array_equal(theirs.predict(X), clf.predict(X))


def test_log_loss_of_probabilities_is_the_training_loss(saturated):
    """Clipped where the loss clips: log_loss of predict_proba is the data loss.

    Three ways to the mean log-loss of the true classes: the training loss of
    _losses on the network's unclipped softmax (which clips it itself),
    scikit-learn's log_loss on predict_proba, and predict_log_proba.
    """
    clf, theirs, X, y = saturated
    Y = y[:, None] == clf.classes_
    training = categorical_log_loss(Y, theirs.predict_proba(X))
    from_log_proba = -clf.predict_log_proba(X)[Y].mean()
    assert_allclose(from_log_proba, training, rtol=1e-12)
    assert_allclose(log_loss(y, clf.predict_proba(X)), training, rtol=1e-12)
