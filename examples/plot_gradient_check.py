"""
Catching a wrong derivative with ``check_gradients``
====================================================

A bug in back-propagation rarely makes training fail: the network still
learns, only slower or worse. The tutorial this project grew out of took the
derivative of the logistic function as ``2 s (1 - s)`` instead of
``s (1 - s)`` (see :ref:`sphx_glr_auto_examples_plot_tutorial_circles.py`).
:func:`~backprop_mlp.check_gradients` compares every partial derivative that
back-propagation computes with a central finite difference of the objective,
which involves no derivative at all, and reports the relative error of each
layer's weights and biases.
"""

# %%
# A correct network
# -----------------
# A logistic hidden layer of 5 units on 30 samples of the iris data. Errors
# near ``1e-9`` are the rounding of the finite differences: the gradient is
# right.
import dataclasses

import numpy as np
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from backprop_mlp import check_gradients

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)[::5]  # 30 samples, all three classes
y = y[::5]
params = {"hidden_layer_sizes": (5,), "activation": "logistic", "random_state": 0}

correct = check_gradients(params, X, y)
print(correct)

# %%
# The tutorial's derivative
# -------------------------
# Each activation is one record holding its function and its derivative side
# by side (:class:`backprop_mlp._activations.Activation`, in the documented
# back-propagation core). To reproduce the bug, the logistic record is
# replaced, for this check only, by one whose derivative is twice too large:
# what a contributor adding an activation with a slip in its derivative would
# write.
from backprop_mlp._activations import ACTIVATIONS

logistic = ACTIVATIONS["logistic"]
ACTIVATIONS["logistic"] = dataclasses.replace(
    logistic, derivative=lambda z, a: 2 * a * (1 - a)
)
try:
    buggy = check_gradients(params, X, y)
finally:
    ACTIVATIONS["logistic"] = logistic
print(buggy)

# %%
# The output layer's gradient does not pass through the hidden layer's
# derivative and is still right; the hidden layer's is off by the factor 2,
# which shows as a relative error ``|2g - g| / (|2g| + |g|) = 1/3``.
print(f"W1: {buggy.errors['W1']:.6f} (1/3 = {1 / 3:.6f}), W2: {buggy.errors['W2']:.1e}")

try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the tables above are the result
    plt = None

if plt is not None:
    names = list(correct.errors)
    positions = np.arange(len(names))
    fig, ax = plt.subplots(layout="constrained")
    ax.bar(positions - 0.2, correct.errors.values(), width=0.4, label="correct")
    ax.bar(positions + 0.2, buggy.errors.values(), width=0.4, label="2 s (1 - s)")
    ax.axhline(correct.tol, color="k", linestyle=":", label=f"tol = {correct.tol:g}")
    ax.set_xticks(positions, names)
    ax.set(
        yscale="log",
        ylabel="relative error against finite differences",
        title="check_gradients, layer by layer",
    )
    ax.legend()
    plt.show()
