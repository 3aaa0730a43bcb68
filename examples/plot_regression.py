"""
Fitting a noisy curve with BackpropMLPRegressor, next to MLPRegressor
=====================================================================

:class:`~backprop_mlp.BackpropMLPRegressor` is the regressor on the same
back-propagation core as the classifier. Here it fits a noisy one-dimensional
function with four hidden activations, and each fit is compared with
:class:`sklearn.neural_network.MLPRegressor` trained with the same
parameters and ``random_state``. Both minimise the same objective from the
same initial weights with the same L-BFGS steps: over the first iterations
they agree to rounding (``tests/test_regressor_parity.py`` checks 1e-13).
Over hundreds of iterations on a non-convex objective, differences in the
last bit (the order of a sum) grow, as between any two BLAS builds, so the
final curves are equally good rather than identical.
"""

# %%
# The data
# --------
# 200 noisy samples of a wave whose frequency grows along x; the fit is judged
# on a clean grid.
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor

from backprop_mlp import BackpropMLPRegressor


def wave(x):
    return np.sin(x**2 / 3) + 0.3 * x


rng = np.random.RandomState(0)
x_train = np.sort(rng.uniform(-3, 3, 200))
y_train = wave(x_train) + rng.normal(scale=0.15, size=x_train.size)
x_grid = np.linspace(-3, 3, 500)
X_train, X_grid = x_train.reshape(-1, 1), x_grid.reshape(-1, 1)

# %%
# Four activations, both implementations
# --------------------------------------
# Two hidden layers of 20 units and L-BFGS, which suits small data. The
# regressors differ only in their hidden activation.
params = dict(hidden_layer_sizes=(20, 20), solver="lbfgs", max_iter=2000)
activations = ["relu", "tanh", "logistic", "gelu"]
curves, r2 = {}, {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for activation in activations:
        ours = BackpropMLPRegressor(activation=activation, random_state=0, **params)
        curves[activation] = ours.fit(X_train, y_train).predict(X_grid)
        r2[activation] = r2_score(wave(x_grid), curves[activation])
        print(f"{activation:>8}: R² against the clean curve {r2[activation]:.3f}")

    # scikit-learn has no 'gelu'; for the other three, the same quality.
    for activation in activations[:3]:
        theirs = MLPRegressor(activation=activation, random_state=0, **params)
        theirs_curve = theirs.fit(X_train, y_train).predict(X_grid)
        sklearn_r2 = r2_score(wave(x_grid), theirs_curve)
        print(f"{activation:>8}: MLPRegressor's R² {sklearn_r2:.3f}")
        # The first iterations agree to rounding; see the docstring.
        early = dict(params, max_iter=20, activation=activation, random_state=0)
        first_steps_gap = np.abs(
            BackpropMLPRegressor(**early).fit(X_train, y_train).predict(X_grid)
            - MLPRegressor(**early).fit(X_train, y_train).predict(X_grid)
        ).max()
        print(
            f"{'':>8}  after 20 iterations the curves differ by {first_steps_gap:.0e}"
        )

# %%
# The fitted curves
# -----------------
# ReLU fits a piecewise-linear curve; the smooth activations fit smooth ones.
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers above are the result
    plt = None

if plt is not None:
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(x_train, y_train, s=8, color="0.6", label="training samples")
    ax.plot(x_grid, wave(x_grid), "k--", lw=1, label="true function")
    for activation in activations:
        ax.plot(
            x_grid,
            curves[activation],
            lw=1.5,
            label=f"{activation} (R² {r2[activation]:.3f})",
        )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("BackpropMLPRegressor, hidden (20, 20), L-BFGS")
    ax.legend(loc="upper left", fontsize="small")
    plt.show()
