"""Back-propagation through the regression output layers, against oracles.

The helpers of ``test_gradients.py`` (central finite differences over the
whole parameter vector, fixed dropout masks) applied to the identity output
with half the squared error and the exp output with half the Poisson
deviance, for one and several outputs; and the losses themselves against
their textbook formulas. :func:`backprop_mlp.check_gradients` is checked on
regressors, fitted and not.
"""

import numpy as np
import pytest
from test_gradients import (
    HIDDEN_NAMES,
    N_FEATURES,
    assert_gradient_correct,
    make_masks,
    make_network,
)

from backprop_mlp import BackpropMLPRegressor, check_gradients
from backprop_mlp._losses import (
    IDENTITY_OUTPUT,
    POISSON_OUTPUT,
    half_poisson_deviance,
    half_squared_error,
)

N_SAMPLES = 9
# (output layer, number of outputs)
TARGETS = {
    "squared": (IDENTITY_OUTPUT, 1),
    "squared-multi": (IDENTITY_OUTPUT, 3),
    "poisson": (POISSON_OUTPUT, 1),
    "poisson-multi": (POISSON_OUTPUT, 2),
}


def make_problem(target, seed=0):
    """A small batch, its targets, and a network with the target's output.

    Poisson targets are counts (zeros included, where ``y log y`` is 0);
    squared-error targets are real, of either sign.
    """
    output, n_outputs = TARGETS[target]
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    if output is POISSON_OUTPUT:
        Y = rng.poisson(1.5, size=(N_SAMPLES, n_outputs)).astype(float)
        Y[0] = 0.0
    else:
        Y = rng.normal(scale=2.0, size=(N_SAMPLES, n_outputs))
    return X, Y, output


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("activation", HIDDEN_NAMES)
def test_gradient_matches_finite_differences(activation, target):
    """Every hidden activation, every regression output."""
    X, Y, output = make_problem(target)
    net = make_network(activation, output, Y.shape[1])
    assert_gradient_correct(net, X, Y)


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_gradient_with_sample_weight_penalty_and_dropout(activation, target):
    """Sample weights (one zero), the L2 penalty and fixed dropout masks are
    differentiated too, alone and together."""
    X, Y, output = make_problem(target, seed=1)
    net = make_network(activation, output, Y.shape[1], seed=1)
    sample_weight = np.random.RandomState(3).uniform(0.2, 3, N_SAMPLES)
    sample_weight[2] = 0.0
    masks = make_masks(net, N_SAMPLES, seed=1)
    assert_gradient_correct(net, X, Y, sample_weight=sample_weight)
    assert_gradient_correct(net, X, Y, alpha=0.7)
    assert_gradient_correct(net, X, Y, masks=masks)
    assert_gradient_correct(
        net, X, Y, sample_weight=sample_weight, alpha=0.7, masks=masks
    )


@pytest.mark.parametrize("target", list(TARGETS))
def test_loss_matches_textbook_formula(target):
    """The objective is the weighted mean over samples of the per-sample loss
    summed over outputs, plus alpha/(2 sum s) ||W||^2, written out here."""
    X, Y, output = make_problem(target, seed=2)
    net = make_network("tanh", output, Y.shape[1], seed=2)
    s = np.random.RandomState(4).uniform(0.5, 2, N_SAMPLES)
    loss, _ = net.loss_and_gradient(X, Y, sample_weight=s, alpha=0.3)
    Z = np.tanh(np.tanh(X @ net.W[1] + net.b[1]) @ net.W[2] + net.b[2])
    Z = Z @ net.W[3] + net.b[3]
    if output is POISSON_OUTPUT:
        P = np.exp(Z)
        with np.errstate(divide="ignore", invalid="ignore"):
            y_log_y = np.where(Y > 0, Y * np.log(Y / P), 0.0)
        per_sample = (y_log_y - Y + P).sum(axis=1)
    else:
        per_sample = 0.5 * ((Y - Z) ** 2).sum(axis=1)
    penalty = 0.5 * 0.3 * sum((net.W[k] ** 2).sum() for k in (1, 2, 3))
    assert loss == pytest.approx((s @ per_sample + penalty) / s.sum(), rel=1e-13)


def test_losses_vanish_at_a_perfect_prediction_and_grow_away():
    """Both losses are 0 where P = Y (the Poisson one with its constant terms,
    zeros included) and positive elsewhere."""
    Y = np.array([[0.0, 2.0], [3.0, 0.5]])
    assert half_squared_error(Y, Y.copy()) == 0.0
    assert half_poisson_deviance(Y, Y.copy() + (Y == 0) * 1e-300) == pytest.approx(
        0.0, abs=1e-15
    )
    assert half_squared_error(Y, Y + 1) == pytest.approx(1.0)  # 2 outputs x 1/2
    assert half_poisson_deviance(Y, Y + 0.5) > 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("target", ["squared-multi", "poisson"])
def test_check_gradients_on_a_regressor(target):
    """The public check on a regressor's objective: the initial weights of an
    unfitted one, and a fitted one's weights with sample weights and dropout
    (the masks held fixed)."""
    X, Y, output = make_problem(target, seed=5)
    y = Y.ravel() if Y.shape[1] == 1 else Y
    loss = "poisson" if output is POISSON_OUTPUT else "squared_error"
    params = dict(loss=loss, hidden_layer_sizes=(4, 3), activation="tanh")
    result = check_gradients(BackpropMLPRegressor(**params, random_state=0), X, y)
    assert result.ok and result.max_error < 1e-7
    assert result.layers[-1].activation == output.name
    fitted = BackpropMLPRegressor(
        **params, dropout=0.3, max_iter=5, learning_rate_init=0.01, random_state=0
    )
    fitted.set_params(alpha=0.5).fit(X, y)
    sample_weight = np.linspace(0.5, 2, N_SAMPLES)
    result = check_gradients(fitted, X, y, sample_weight=sample_weight)
    assert result.ok and result.max_error < 1e-7
    assert result.n_checked == result.n_params
