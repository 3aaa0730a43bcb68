"""Parity with scikit-learn's ``MLPClassifier``, the oracle.

``BackpropMLPClassifier`` promises the same parameters, objective, update rules
and consumption of ``random_state`` as scikit-learn: the same seed must give
number-for-number the same model. Each test fits both estimators with the same
settings and compares initial weights, loss curves, fitted weights,
probabilities and the bookkeeping attributes.
"""

import numpy as np
import pytest
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier
from sklearn.utils.class_weight import compute_sample_weight

from backprop_mlp import BackpropMLPClassifier

SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])
SCIPY_VERSION = tuple(int(part) for part in scipy.__version__.split(".")[:2])

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # Every test runs on numpy's kernels, and on the compiled ones when numba
    # is installed: both must match scikit-learn.
    pytest.mark.usefixtures("kernel_path"),
]

# The oracle for weighted fits: MLPClassifier.fit takes sample_weight from 1.7.
ORACLE_HAS_SAMPLE_WEIGHT = SKLEARN_VERSION >= (1, 7)
needs_oracle_sample_weight = pytest.mark.skipif(
    not ORACLE_HAS_SAMPLE_WEIGHT, reason="MLPClassifier has sample_weight from 1.7"
)


def weighted_fit_params(with_sample_weight, n_samples, seed, low, high):
    """``fit`` keywords: uniform(low, high) sample weights, or none.

    Skips the calling test when weights are asked of an oracle without them.
    """
    if not with_sample_weight:
        return {}
    if not ORACLE_HAS_SAMPLE_WEIGHT:
        pytest.skip("MLPClassifier has sample_weight from 1.7")
    return {"sample_weight": np.random.RandomState(seed).uniform(low, high, n_samples)}


SKLEARN_ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
EXTRA_ACTIVATIONS = ["leaky_relu", "elu", "softplus", "gelu", "swish"]
TARGETS = ["binary", "multiclass", "multilabel"]
# (solver, extra parameters): every update rule of scikit-learn.
SOLVERS = {
    "sgd": dict(solver="sgd", momentum=0.0),
    "sgd-momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
    "sgd-nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
    "adam": dict(solver="adam"),
    "lbfgs": dict(solver="lbfgs"),
}
STOCHASTIC = ["sgd-nesterov", "adam"]
# Small networks and data, several mini-batches per epoch (the last one
# partial) so that shuffling and batch averaging matter.
BASE = dict(
    hidden_layer_sizes=(6, 5),
    batch_size=32,
    learning_rate_init=0.01,
    max_iter=8,
    random_state=0,
)
RTOL64 = 1e-10
ATOL64 = 1e-12
RTOL32 = 1e-4
ATOL32 = 1e-5


def make_data(target, seed=0, n_samples=200, n_features=8):
    """A small classification problem of the given target type.

    Parameters
    ----------
    target : {'binary', 'multiclass', 'multilabel'}
    seed : int, default=0
    n_samples, n_features : int

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, 3)
        Labels (strings for multiclass, to exercise the label binarizer), or a
        0/1 indicator matrix for multilabel.
    """
    n_classes = 3 if target == "multiclass" else 2
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=5,
        n_classes=n_classes,
        random_state=seed,
    )
    if target == "multiclass":
        y = np.array(["ant", "bee", "cat"])[y]
    elif target == "multilabel":
        noise = np.random.RandomState(seed).normal(scale=0.7, size=(n_samples, 3))
        y = (X[:, :3] + noise > 0).astype(int)
    return X, y


DATA = {target: make_data(target) for target in TARGETS}


def fit_both(params, X, y, **fit_params):
    """Fit scikit-learn's and our classifier with the same parameters.

    Parameters
    ----------
    params : dict
        Constructor parameters common to both.
    X, y
        Training data.
    **fit_params
        Passed to both ``fit`` calls (e.g. ``sample_weight``).

    Returns
    -------
    sk : MLPClassifier
    ours : BackpropMLPClassifier
    """
    sk = MLPClassifier(**params).fit(X, y, **fit_params)
    ours = BackpropMLPClassifier(**params).fit(X, y, **fit_params)
    return sk, ours


def assert_allclose_lists(actual, desired, rtol, atol, what):
    """Compare two lists of arrays pairwise, with the same lengths and shapes."""
    assert len(actual) == len(desired), what
    for k, (a, d) in enumerate(zip(actual, desired, strict=True)):
        assert np.shape(a) == np.shape(d), f"{what}[{k}]"
        np.testing.assert_allclose(a, d, rtol=rtol, atol=atol, err_msg=f"{what}[{k}]")


def assert_same_model(sk, ours, X, rtol=RTOL64, atol=ATOL64, n_iter=None):
    """Assert that two fitted classifiers are the same model, number for number.

    Compares the weights, the probabilities on ``X``, the labels and the
    training record (``loss_curve_``, ``loss_``, ``n_iter_``, ``t_``,
    ``best_loss_``, validation scores) where scikit-learn has it.

    Parameters
    ----------
    sk : MLPClassifier
    ours : BackpropMLPClassifier
    X : array-like
        Data to compare ``predict_proba`` and ``predict`` on.
    rtol, atol : float
        Tolerances of the floating-point comparisons.
    n_iter : int or None, default=None
        Our ``n_iter_``, where it differs from scikit-learn's by design: ours
        counts every epoch of the weights' training (``len(loss_curve_)``),
        scikit-learn's those of the last call.
    """
    np.testing.assert_array_equal(ours.classes_, sk.classes_)
    assert_same_training(sk, ours, rtol, atol, n_iter)
    np.testing.assert_allclose(
        ours.predict_proba(X), sk.predict_proba(X), rtol=rtol, atol=atol
    )
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))


def assert_same_training(sk, ours, rtol, atol, n_iter=None):
    """Assert that two fitted MLPs (classifiers or regressors) trained alike.

    Compares the layout, the weights and the training record (``loss_``,
    ``n_iter_``, and where scikit-learn has them ``loss_curve_``, ``t_``,
    ``best_loss_``, the validation scores). ``n_iter`` is our ``n_iter_``
    where it differs from scikit-learn's by design (see
    :func:`assert_same_model`).
    """
    assert ours.n_outputs_ == sk.n_outputs_
    assert ours.n_layers_ == sk.n_layers_
    assert ours.out_activation_ == sk.out_activation_
    assert ours.n_iter_ == (sk.n_iter_ if n_iter is None else n_iter)
    assert_allclose_lists(ours.coefs_, sk.coefs_, rtol, atol, "coefs_")
    assert_allclose_lists(ours.intercepts_, sk.intercepts_, rtol, atol, "intercepts_")
    assert ours.loss_ == pytest.approx(sk.loss_, rel=rtol, abs=atol)
    if hasattr(sk, "loss_curve_"):  # stochastic solvers
        np.testing.assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol, atol)
        assert ours.t_ == sk.t_
        if sk.best_loss_ is None:
            assert ours.best_loss_ is None
        else:
            assert ours.best_loss_ == pytest.approx(sk.best_loss_, rel=rtol, abs=atol)
        if sk.validation_scores_ is None:
            assert ours.validation_scores_ is None
        else:
            np.testing.assert_allclose(ours.validation_scores_, sk.validation_scores_)
            assert ours.best_validation_score_ == pytest.approx(
                sk.best_validation_score_
            )


# ------------------------------------------------ (a) same seed, same model


def initial_weights_params(activation, random_state, hidden=(6, 5)):
    """Parameters under which one epoch leaves the weights where they started.

    Plain SGD with a learning rate of 1e-300 moves no weight by even one ulp,
    so after ``max_iter=1`` the fitted weights are the initial weights, through
    the public API of both estimators.
    """
    return dict(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1e-300,
        max_iter=1,
        random_state=random_state,
    )


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
def test_same_random_state_same_initial_weights(activation, target):
    """Glorot-uniform initialisation draws the same numbers in the same order
    (factor 2 for logistic, 6 otherwise): identical initial weights."""
    X, y = DATA[target]
    params = initial_weights_params(activation, random_state=3)
    sk, ours = fit_both(params, X, y)
    assert_allclose_lists(ours.coefs_, sk.coefs_, 0, 0, "coefs_")
    assert_allclose_lists(ours.intercepts_, sk.intercepts_, 0, 0, "intercepts_")
    np.testing.assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=1e-14)


@pytest.mark.parametrize("hidden", [(), (7,), (4, 3, 5)])
def test_same_initial_weights_any_depth(hidden):
    """Initial weights agree without hidden layers and with one or three."""
    X, y = DATA["multiclass"]
    for activation in ["logistic", "relu"]:
        sk, ours = fit_both(initial_weights_params(activation, 1, hidden), X, y)
        assert_allclose_lists(ours.coefs_, sk.coefs_, 0, 0, "coefs_")
        assert_allclose_lists(ours.intercepts_, sk.intercepts_, 0, 0, "intercepts_")


@pytest.mark.parametrize("activation", EXTRA_ACTIVATIONS)
def test_extra_activations_initialise_like_sklearn_relu(activation):
    """Activations sklearn lacks use the Glorot factor 6 and consume the random
    state alike: the same initial weights as sklearn with 'relu'."""
    X, y = DATA["binary"]
    sk = MLPClassifier(**initial_weights_params("relu", 5)).fit(X, y)
    ours = BackpropMLPClassifier(**initial_weights_params(activation, 5)).fit(X, y)
    assert_allclose_lists(ours.coefs_, sk.coefs_, 0, 0, "coefs_")
    assert_allclose_lists(ours.intercepts_, sk.intercepts_, 0, 0, "intercepts_")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
@pytest.mark.parametrize("solver", list(SOLVERS))
def test_training_matches_sklearn(solver, activation, target):
    """Several epochs (L-BFGS iterations) of every solver, activation and target
    type give the same loss curve, weights and probabilities as sklearn."""
    X, y = DATA[target]
    sk, ours = fit_both(dict(BASE, activation=activation, **SOLVERS[solver]), X, y)
    assert_same_model(sk, ours, X)


@pytest.mark.parametrize("target", TARGETS)
def test_default_parameters_match_sklearn(target):
    """All defaults (adam, hidden (100,), batch 'auto', alpha 1e-4) but
    max_iter: the same model."""
    X, y = DATA[target]
    sk, ours = fit_both(dict(max_iter=10, random_state=0), X, y)
    assert_same_model(sk, ours, X)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
def test_training_matches_sklearn_any_seed(solver, target, global_random_seed):
    """The same model for any random_state (initialisation and shuffling)."""
    X, y = DATA[target]
    params = dict(BASE, random_state=global_random_seed, **SOLVERS[solver])
    sk, ours = fit_both(params, X, y)
    assert_same_model(sk, ours, X)


@pytest.mark.parametrize("target", TARGETS)
def test_random_state_instance_consumed_like_sklearn(target):
    """A RandomState instance is consumed as sklearn consumes it: after two
    fits from equal instances, both instances are in the same state."""
    X, y = DATA[target]
    rs_sk, rs_ours = np.random.RandomState(7), np.random.RandomState(7)
    for _ in range(2):
        sk = MLPClassifier(**dict(BASE, random_state=rs_sk)).fit(X, y)
        ours = BackpropMLPClassifier(**dict(BASE, random_state=rs_ours)).fit(X, y)
        assert_same_model(sk, ours, X)
    assert rs_ours.randint(2**31) == rs_sk.randint(2**31)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_no_shuffle_matches_sklearn(solver, target):
    """shuffle=False: batches in data order, the same model."""
    X, y = DATA[target]
    sk, ours = fit_both(dict(BASE, shuffle=False, **SOLVERS[solver]), X, y)
    assert_same_model(sk, ours, X)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_stops_on_training_loss_plateau_like_sklearn(solver, target):
    """With a large tol, training stops at the same epoch as sklearn, the
    no-improvement count following the same rule."""
    X, y = DATA[target]
    params = dict(BASE, max_iter=50, tol=0.05, n_iter_no_change=2, **SOLVERS[solver])
    sk, ours = fit_both(params, X, y)
    assert sk.n_iter_ < 50, "precondition: sklearn stopped on the plateau"
    assert_same_model(sk, ours, X)


@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
def test_sparse_input_matches_sklearn(solver):
    """CSR input trains the same model as sklearn does on it."""
    X, y = DATA["multiclass"]
    X = X.copy()
    X[np.random.RandomState(0).rand(*X.shape) < 0.6] = 0
    X_csr = sp.csr_matrix(X)
    sk, ours = fit_both(dict(BASE, **SOLVERS[solver]), X_csr, y)
    assert_same_model(sk, ours, X_csr)
    np.testing.assert_allclose(ours.predict_proba(X), ours.predict_proba(X_csr))


# ------------------------------------------------- (b) copied weights


def copy_weights(sk, ours):
    """Overwrite ``ours``'s weights with copies of ``sk``'s."""
    ours.coefs_ = [W.copy() for W in sk.coefs_]
    ours.intercepts_ = [b.copy() for b in sk.intercepts_]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
def test_copied_weights_give_same_predictions(activation, target):
    """sklearn's fitted weights, copied into ours, give the same probabilities,
    log-probabilities and labels, on training and on new data.

    Two deliberate differences, both within the tolerances here: our logistic
    probabilities are clipped to [eps, 1 - eps] (sklearn's reach exactly 0 and
    1, atol covers eps), and our log-probabilities are computed in log space
    (sklearn takes log of the probabilities; equal to rounding where finite).
    tests/test_numerics.py checks the saturated cases where sklearn is wrong.
    """
    X, y = DATA[target]
    X_new, _ = make_data(target, seed=1)
    sk = MLPClassifier(**dict(BASE, activation=activation, max_iter=30)).fit(X, y)
    ours = BackpropMLPClassifier(**dict(BASE, activation=activation, max_iter=1))
    ours.fit(X, y)
    copy_weights(sk, ours)
    for data in (X, X_new):
        np.testing.assert_allclose(
            ours.predict_proba(data), sk.predict_proba(data), rtol=1e-13, atol=1e-15
        )
        # Compared as probabilities: sklearn's log(1 - p) loses digits where
        # p is near 1 (relative error 1e-16 / (1 - p)); ours keeps them.
        np.testing.assert_allclose(
            np.exp(ours.predict_log_proba(data)),
            sk.predict_proba(data),
            rtol=1e-12,
            atol=1e-15,
        )
        np.testing.assert_array_equal(ours.predict(data), sk.predict(data))
    assert ours.score(X_new, make_data(target, seed=1)[1]) == pytest.approx(
        sk.score(X_new, make_data(target, seed=1)[1])
    )


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd-momentum", "adam", "lbfgs"])
def test_warm_start_from_copied_weights_matches_sklearn(solver, target):
    """From the same (copied) weights, warm-started training continues alike:
    a fresh optimizer in both, the same shuffling."""
    X, y = DATA[target]
    params = dict(BASE, warm_start=True, **SOLVERS[solver])
    sk = MLPClassifier(**dict(params, random_state=11, max_iter=15)).fit(X, y)
    ours = BackpropMLPClassifier(**dict(params, max_iter=1)).fit(X, y)
    copy_weights(sk, ours)
    ours.set_params(max_iter=BASE["max_iter"])
    sk.set_params(max_iter=BASE["max_iter"], random_state=BASE["random_state"])
    sk_curve_before = list(getattr(sk, "loss_curve_", []))
    ours_curve_before = list(getattr(ours, "loss_curve_", []))
    sk.fit(X, y)
    ours.fit(X, y)
    assert_allclose_lists(ours.coefs_, sk.coefs_, RTOL64, ATOL64, "coefs_")
    assert_allclose_lists(ours.intercepts_, sk.intercepts_, RTOL64, ATOL64, "b")
    np.testing.assert_allclose(
        ours.predict_proba(X), sk.predict_proba(X), rtol=RTOL64, atol=ATOL64
    )
    if solver != "lbfgs":
        # The curve continues; compare only the epochs of the second fit.
        new_sk = sk.loss_curve_[len(sk_curve_before) :]
        new_ours = ours.loss_curve_[len(ours_curve_before) :]
        np.testing.assert_allclose(new_ours, new_sk, rtol=RTOL64, atol=ATOL64)


# --------------------------------------- (c) the rest of the parameters


@needs_oracle_sample_weight
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
def test_sample_weight_matches_sklearn(solver, target):
    """Non-uniform sample weights (some zero) enter the objective alike."""
    X, y = DATA[target]
    sample_weight = np.random.RandomState(0).uniform(0.2, 3, len(X))
    sample_weight[::9] = 0
    sk, ours = fit_both(
        dict(BASE, **SOLVERS[solver]), X, y, sample_weight=sample_weight
    )
    assert_same_model(sk, ours, X)


@pytest.mark.parametrize("with_sample_weight", [False, True])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
def test_l2_penalty_matches_sklearn(solver, target, with_sample_weight):
    """A strong L2 penalty (alpha=1), alone and with sample weights."""
    X, y = DATA[target]
    fit_params = weighted_fit_params(with_sample_weight, len(X), 1, 0.5, 2)
    sk, ours = fit_both(dict(BASE, alpha=1.0, **SOLVERS[solver]), X, y, **fit_params)
    assert_same_model(sk, ours, X)


@needs_oracle_sample_weight
def test_class_weight_equals_sklearn_with_sample_weight():
    """class_weight (absent from sklearn's MLP) is the sample weight
    compute_sample_weight gives: the same model as sklearn with that weight."""
    X, y = DATA["multiclass"]
    class_weight = {"ant": 3.0, "bee": 1.0, "cat": 0.5}
    sk = MLPClassifier(**BASE).fit(
        X, y, sample_weight=compute_sample_weight(class_weight, y)
    )
    ours = BackpropMLPClassifier(**BASE, class_weight=class_weight).fit(X, y)
    assert_same_model(sk, ours, X)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd", "sgd-nesterov"])
def test_invscaling_learning_rate_matches_sklearn(solver, target):
    """'invscaling': lr = lr_init / (t + 1) ** power_t after each epoch."""
    X, y = DATA[target]
    params = dict(
        BASE,
        learning_rate="invscaling",
        learning_rate_init=0.5,
        power_t=0.4,
        **SOLVERS[solver],
    )
    sk, ours = fit_both(params, X, y)
    assert_same_model(sk, ours, X)
    assert ours._optimizer.learning_rate == pytest.approx(
        sk._optimizer.learning_rate, rel=1e-15
    )


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd", "sgd-nesterov"])
def test_adaptive_learning_rate_matches_sklearn(solver, target):
    """'adaptive': the learning rate is divided by 5 at the same plateaus, and
    training stops at the same epoch once it is <= 1e-6."""
    X, y = DATA[target]
    params = dict(
        BASE,
        learning_rate="adaptive",
        tol=0.02,
        n_iter_no_change=2,
        max_iter=40,
        **SOLVERS[solver],
    )
    sk, ours = fit_both(params, X, y)
    assert sk._optimizer.learning_rate < BASE["learning_rate_init"], (
        "precondition: sklearn lowered the learning rate"
    )
    assert_same_model(sk, ours, X)
    assert ours._optimizer.learning_rate == pytest.approx(
        sk._optimizer.learning_rate, rel=1e-15
    )


@pytest.mark.parametrize("with_sample_weight", [False, True])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_early_stopping_matches_sklearn(solver, target, with_sample_weight):
    """early_stopping=True: the same validation split (stratified for binary),
    validation scores, stopping epoch and restored best weights."""
    if target == "multiclass" and SKLEARN_VERSION < (1, 9):
        # MLPClassifier 1.7 fails its own multiclass early stopping (a
        # TypeError in _score); 1.9 is the version this oracle is known good on.
        pytest.skip("MLPClassifier's multiclass early stopping is broken here")
    X, y = DATA[target]
    fit_params = weighted_fit_params(with_sample_weight, len(X), 2, 0.2, 3)
    params = dict(
        BASE,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        max_iter=60,
        **SOLVERS[solver],
    )
    sk, ours = fit_both(params, X, y, **fit_params)
    assert sk.n_iter_ < 60, "precondition: sklearn stopped early"
    assert_same_model(sk, ours, X)
    assert ours.best_loss_ is None


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_sequence_matches_sklearn(solver, target):
    """A sequence of partial_fit calls on chunks (two passes) keeps both models
    equal after every call: one epoch per call, optimizer state carried over."""
    X, y = DATA[target]
    # For multilabel y, sklearn wants classes too, the column indices.
    classes = np.arange(y.shape[1]) if target == "multilabel" else np.unique(y)
    params = dict(BASE, **SOLVERS[solver])
    sk, ours = MLPClassifier(**params), BackpropMLPClassifier(**params)
    calls = 0
    for _ in range(2):
        for start in range(0, len(X), 50):
            chunk = slice(start, start + 50)
            sk.partial_fit(X[chunk], y[chunk], classes=classes)
            ours.partial_fit(X[chunk], y[chunk], classes=classes)
            calls += 1
            # scikit-learn's counts the last call's epoch, ours every epoch.
            assert (ours.n_iter_, sk.n_iter_) == (calls, 1)
            assert ours.t_ == sk.t_
            assert ours.loss_ == pytest.approx(sk.loss_, rel=RTOL64)
            assert_allclose_lists(ours.coefs_, sk.coefs_, RTOL64, ATOL64, "coefs_")
    assert_same_model(sk, ours, X, n_iter=calls)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
def test_float32_input_matches_sklearn(solver, target):
    """float32 input: ours keeps float32 weights and probabilities throughout,
    and agrees with sklearn on the same float32 data to float32 accuracy."""
    X, y = DATA[target]
    X32 = X.astype(np.float32)
    sk, ours = fit_both(dict(BASE, **SOLVERS[solver]), X32, y)
    for W, b in zip(ours.coefs_, ours.intercepts_, strict=True):
        assert W.dtype == np.float32
        assert b.dtype == np.float32
    assert ours.predict_proba(X32).dtype == np.float32
    if solver == "lbfgs" and SCIPY_VERSION < (1, 12):
        # SciPy hands the objective parameters of x0's dtype from 1.12 on;
        # before, MLPClassifier's lbfgs computed float32 fits in float64, so
        # it is no float32 oracle there. Ours is the same on both SciPys.
        pytest.skip("MLPClassifier's lbfgs fits float32 in float64 before SciPy 1.12")
    assert_same_model(sk, ours, X32, rtol=RTOL32, atol=ATOL32)


def test_lbfgs_with_blas_threads_matches_sklearn_and_keeps_limits():
    """L-BFGS runs SciPy's own BLAS on one thread and leaves numpy's as set.

    The same model as scikit-learn's, the callbacks see the caller's thread
    count for numpy's BLAS, and every count is back after ``fit``.
    """
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads(only_numpy=False):
        return [
            i["num_threads"]
            for i in threadpool_info()
            if i["user_api"] == "blas" and (not only_numpy or "numpy" in i["filepath"])
        ]

    X, y = make_classification(300, 10, n_informative=5, random_state=0)
    params = dict(hidden_layer_sizes=(7,), solver="lbfgs", max_iter=15, random_state=0)
    seen = []
    with threadpool_limits(2, user_api="blas"):
        before, before_numpy = blas_threads(), blas_threads(True)
        ours = BackpropMLPClassifier(
            **params, callbacks=[lambda est, info: seen.append(blas_threads(True))]
        ).fit(X, y)
        after = blas_threads()
        theirs = MLPClassifier(**params).fit(X, y)
    assert after == before
    assert seen and all(threads == before_numpy for threads in seen)
    for a, b in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
