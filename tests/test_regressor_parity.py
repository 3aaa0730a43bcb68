"""Parity with scikit-learn's ``MLPRegressor``, the oracle.

The structure of ``test_parity.py``, whose helpers it shares, for the
regressor: the same seed (or the same copied weights) must give number for
number the same model, for every solver and activation, one and several
outputs, and both losses.

One deliberate difference is bridged here. For several outputs, scikit-learn
1.9 *averages* the squared error over the outputs in the loss it reports (and
hands to L-BFGS's line search) while stepping along the gradient of their
*sum* (scikit-learn issue #8349). Ours sums, so that loss and gradient agree.
The oracle below is therefore ``MLPRegressor`` with its ``squared_error``
summed over outputs, the fix proposed upstream; for one output it is the
unchanged ``MLPRegressor``, and :func:`test_multi_output_differs_from_sklearn_
only_by_the_averaged_loss` checks what the difference amounts to.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neural_network import MLPRegressor
from sklearn.neural_network import _base as sklearn_mlp_base
from test_parity import (
    ATOL32,
    BASE,
    RTOL32,
    SKLEARN_ACTIVATIONS,
    SKLEARN_VERSION,
    SOLVERS,
    STOCHASTIC,
    assert_allclose_lists,
    assert_same_training,
    copy_weights,
    initial_weights_params,
    weighted_fit_params,
)

from backprop_mlp import BackpropMLPRegressor

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # The oracle's loss= (Poisson) and fit(sample_weight=) arrived in 1.7.
    pytest.mark.skipif(
        SKLEARN_VERSION < (1, 7), reason="MLPRegressor has loss= from 1.7"
    ),
]

# The issue asks for 1e-13; reached with room to spare (differences ~1e-15).
TOL = 1e-13
# (loss, number of outputs)
TARGETS = {
    "squared": ("squared_error", 1),
    "squared-multi": ("squared_error", 3),
    "poisson": ("poisson", 1),
    "poisson-multi": ("poisson", 2),
}


def make_data(loss, n_outputs, seed=0, n_samples=200, n_features=8):
    """A small regression problem with smooth non-linear targets.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Real values for the squared error; Poisson counts for 'poisson'.
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    signal = np.column_stack(
        [np.sin(X[:, j]) + 0.5 * X[:, j + 1] * X[:, j + 2] for j in range(n_outputs)]
    )
    if loss == "poisson":
        y = rng.poisson(np.exp(0.5 * signal)).astype(float)
    else:
        y = signal + rng.normal(scale=0.1, size=signal.shape)
    return X, (y.ravel() if n_outputs == 1 else y)


DATA = {name: make_data(*target) for name, target in TARGETS.items()}


def _squared_loss_summed_over_outputs(y_true, y_pred, sample_weight=None):
    # scikit-learn's squared_loss with .sum() for .mean(): the function its
    # gradient P - Y belongs to.
    return 0.5 * np.average((y_true - y_pred) ** 2, weights=sample_weight, axis=0).sum()


@pytest.fixture(autouse=True)
def oracle(monkeypatch):
    """MLPRegressor whose squared error sums over outputs (see the docstring)."""
    monkeypatch.setitem(
        sklearn_mlp_base.LOSS_FUNCTIONS,
        "squared_error",
        _squared_loss_summed_over_outputs,
    )


def fit_both(params, X, y, **fit_params):
    """Fit scikit-learn's and our regressor with the same parameters."""
    sk = MLPRegressor(**params).fit(X, y, **fit_params)
    ours = BackpropMLPRegressor(**params).fit(X, y, **fit_params)
    return sk, ours


def assert_same_model(sk, ours, X, rtol=TOL, atol=TOL, n_iter=None):
    """Assert that two fitted regressors are the same model, number for number.

    The training record and weights (``assert_same_training``; ``n_iter`` as
    there), and the predictions on ``X``, of the same shape.
    """
    assert_same_training(sk, ours, rtol, atol, n_iter)
    pred_sk, pred_ours = sk.predict(X), ours.predict(X)
    assert pred_ours.shape == pred_sk.shape
    np.testing.assert_allclose(pred_ours, pred_sk, rtol=rtol, atol=atol)


def params_for(target, **params):
    loss, _ = TARGETS[target]
    return dict(BASE, loss=loss, **params)


# ------------------------------------------------ (a) same seed, same model


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
def test_same_random_state_same_initial_weights(activation, loss):
    """Glorot-uniform initialisation, the exp output included: identical
    initial weights, and the first loss computed alike."""
    X, y = DATA["poisson-multi"]
    params = dict(initial_weights_params(activation, random_state=3), loss=loss)
    sk, ours = fit_both(params, X, y)
    assert ours.out_activation_ == sk.out_activation_
    assert_allclose_lists(ours.coefs_, sk.coefs_, 0, 0, "coefs_")
    assert_allclose_lists(ours.intercepts_, sk.intercepts_, 0, 0, "intercepts_")
    np.testing.assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=1e-14)


@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
@pytest.mark.parametrize("solver", list(SOLVERS))
def test_training_matches_sklearn_every_activation(solver, activation):
    """Every solver and activation, one output, squared error."""
    X, y = DATA["squared"]
    params = params_for("squared", activation=activation, **SOLVERS[solver])
    assert_same_model(*fit_both(params, X, y), X)


@pytest.mark.parametrize("target", [t for t in TARGETS if t != "squared"])
@pytest.mark.parametrize("solver", list(SOLVERS))
def test_training_matches_sklearn_every_target(solver, target):
    """Every solver on several outputs and on the Poisson loss (tanh)."""
    X, y = DATA[target]
    params = params_for(target, activation="tanh", **SOLVERS[solver])
    assert_same_model(*fit_both(params, X, y), X)


@pytest.mark.parametrize("target", list(TARGETS))
def test_default_parameters_match_sklearn(target):
    """All defaults (adam, hidden (100,), relu, alpha 1e-4) but max_iter."""
    X, y = DATA[target]
    params = dict(loss=TARGETS[target][0], max_iter=10, random_state=0)
    assert_same_model(*fit_both(params, X, y), X)


@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
def test_training_matches_sklearn_any_seed(solver, global_random_seed):
    """The same model for any random_state (initialisation and shuffling)."""
    X, y = DATA["squared-multi"]
    params = params_for(
        "squared-multi", random_state=global_random_seed, **SOLVERS[solver]
    )
    assert_same_model(*fit_both(params, X, y), X)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_no_shuffle_and_plateau_stop_match_sklearn(solver):
    """shuffle=False, and a large tol: the same batches, the same stopping
    epoch."""
    X, y = DATA["poisson"]
    params = params_for(
        "poisson", shuffle=False, max_iter=60, tol=0.05, n_iter_no_change=2
    )
    sk, ours = fit_both(dict(params, **SOLVERS[solver]), X, y)
    assert sk.n_iter_ < 60, "precondition: sklearn stopped on the plateau"
    assert_same_model(sk, ours, X)


def test_sparse_input_matches_sklearn():
    """CSR input trains the same model as sklearn does on it."""
    X, y = DATA["squared-multi"]
    X = X * (np.random.RandomState(0).rand(*X.shape) > 0.6)
    X_csr = sp.csr_matrix(X)
    sk, ours = fit_both(params_for("squared-multi", **SOLVERS["adam"]), X_csr, y)
    assert_same_model(sk, ours, X_csr)


# ------------------------------------------------- (b) copied weights


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
def test_copied_weights_give_same_predictions(activation, target):
    """sklearn's fitted weights, copied into ours, predict the same values and
    score the same R², on training and on new data."""
    X, y = DATA[target]
    X_new, y_new = make_data(*TARGETS[target], seed=1)
    params = params_for(target, activation=activation)
    sk = MLPRegressor(**dict(params, max_iter=10)).fit(X, y)
    ours = BackpropMLPRegressor(**dict(params, max_iter=1)).fit(X, y)
    copy_weights(sk, ours)
    for data in (X, X_new):
        np.testing.assert_allclose(
            ours.predict(data), sk.predict(data), rtol=TOL, atol=TOL
        )
    assert ours.score(X_new, y_new) == pytest.approx(sk.score(X_new, y_new), rel=TOL)


@pytest.mark.parametrize("target", ["squared-multi", "poisson"])
@pytest.mark.parametrize("solver", ["sgd-momentum", "adam", "lbfgs"])
def test_warm_start_from_copied_weights_matches_sklearn(solver, target):
    """From the same (copied) weights, warm-started training continues alike."""
    X, y = DATA[target]
    params = params_for(target, warm_start=True, **SOLVERS[solver])
    sk = MLPRegressor(**dict(params, random_state=11, max_iter=15)).fit(X, y)
    ours = BackpropMLPRegressor(**dict(params, max_iter=1)).fit(X, y)
    copy_weights(sk, ours)
    n_before = len(getattr(sk, "loss_curve_", []))
    n_ours_before = len(getattr(ours, "loss_curve_", []))
    sk.set_params(max_iter=BASE["max_iter"], random_state=BASE["random_state"])
    ours.set_params(max_iter=BASE["max_iter"])
    sk.fit(X, y)
    ours.fit(X, y)
    assert_allclose_lists(ours.coefs_, sk.coefs_, TOL, TOL, "coefs_")
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=TOL, atol=TOL)
    if solver != "lbfgs":
        np.testing.assert_allclose(
            ours.loss_curve_[n_ours_before:], sk.loss_curve_[n_before:], TOL, TOL
        )


# --------------------------------------- (c) the rest of the parameters


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
def test_sample_weight_and_l2_penalty_match_sklearn(solver, target):
    """Non-uniform sample weights (some zero) and a strong L2 penalty."""
    X, y = DATA[target]
    fit_params = weighted_fit_params(True, len(X), 0, 0.2, 3)
    fit_params["sample_weight"][::9] = 0
    for alpha in (BASE.get("alpha", 1e-4), 1.0):
        params = params_for(target, alpha=alpha, **SOLVERS[solver])
        assert_same_model(*fit_both(params, X, y, **fit_params), X)


@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_learning_rate_schedules_match_sklearn(learning_rate):
    """'invscaling' and 'adaptive' (which lowers the rate at plateaus) of sgd."""
    X, y = DATA["squared-multi"]
    params = params_for(
        "squared-multi",
        learning_rate=learning_rate,
        learning_rate_init=0.05,
        power_t=0.4,
        tol=0.02,
        n_iter_no_change=2,
        max_iter=40,
        **SOLVERS["sgd-nesterov"],
    )
    sk, ours = fit_both(params, X, y)
    assert sk._optimizer.learning_rate < 0.05, "precondition: the rate changed"
    assert_same_model(sk, ours, X)
    assert ours._optimizer.learning_rate == pytest.approx(
        sk._optimizer.learning_rate, rel=1e-15
    )


@pytest.mark.parametrize("with_sample_weight", [False, True])
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_early_stopping_matches_sklearn(solver, target, with_sample_weight):
    """early_stopping=True: the same (unstratified) split, validation R²,
    stopping epoch and restored best weights."""
    X, y = DATA[target]
    fit_params = weighted_fit_params(with_sample_weight, len(X), 2, 0.2, 3)
    params = params_for(
        target,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        tol=0.01,
        max_iter=60,
        **SOLVERS[solver],
    )
    sk, ours = fit_both(params, X, y, **fit_params)
    assert sk.n_iter_ < 60, "precondition: sklearn stopped early"
    assert_same_model(sk, ours, X)
    assert ours.best_loss_ is None


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_sequence_matches_sklearn(solver, target):
    """partial_fit on chunks, two passes: equal after every call."""
    X, y = DATA[target]
    params = params_for(target, **SOLVERS[solver])
    sk, ours = MLPRegressor(**params), BackpropMLPRegressor(**params)
    calls = 0
    for _ in range(2):
        for start in range(0, len(X), 50):
            chunk = slice(start, start + 50)
            sk.partial_fit(X[chunk], y[chunk])
            ours.partial_fit(X[chunk], y[chunk])
            calls += 1
            assert (ours.n_iter_, sk.n_iter_) == (calls, 1)
            assert ours.t_ == sk.t_
            assert ours.loss_ == pytest.approx(sk.loss_, rel=TOL)
            assert_allclose_lists(ours.coefs_, sk.coefs_, TOL, TOL, "coefs_")
    assert_same_model(sk, ours, X, n_iter=calls)


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("solver", ["sgd-nesterov", "adam", "lbfgs"])
def test_float32_input_matches_sklearn(solver, target):
    """float32 input: float32 weights and predictions, and sklearn's model on
    the same data to float32 accuracy."""
    X, y = DATA[target]
    X32 = X.astype(np.float32)
    sk, ours = fit_both(params_for(target, **SOLVERS[solver]), X32, y)
    assert all(W.dtype == np.float32 for W in ours.coefs_ + ours.intercepts_)
    assert ours.predict(X32).dtype == np.float32
    assert_same_model(sk, ours, X32, rtol=RTOL32, atol=ATOL32)


# ------------------------------ (d) scikit-learn's averaged multi-output loss


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_multi_output_differs_from_sklearn_only_by_the_averaged_loss(
    solver, monkeypatch
):
    """Against the unpatched MLPRegressor on 3 outputs: the same gradient steps,
    so the same weights and predictions, and a reported loss 3 times ours
    smaller (alpha=0, no plateau in 8 epochs): the one difference."""
    monkeypatch.undo()
    assert sklearn_mlp_base.LOSS_FUNCTIONS["squared_error"] is (
        sklearn_mlp_base.squared_loss
    )
    X, y = DATA["squared-multi"]
    sk, ours = fit_both(params_for("squared-multi", alpha=0.0, **SOLVERS[solver]), X, y)
    assert_allclose_lists(ours.coefs_, sk.coefs_, TOL, TOL, "coefs_")
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(np.array(ours.loss_curve_) / 3, sk.loss_curve_, TOL)
