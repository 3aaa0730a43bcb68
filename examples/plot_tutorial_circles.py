"""
The tutorial's two circles, reproduced without its bugs
=======================================================

The tutorial this project grew out of derives back-propagation for a
multilayer perceptron and trains a ``[2, 4, 3, 1]`` network (ReLU, ReLU,
logistic output) on scikit-learn's two concentric circles. Its code has three
bugs, and its training never settles: the accuracy sits at 0.5 for a hundred
iterations, then jumps between 0.5 and 0.92 and ends at 0.61.

This example measures the three bugs against finite differences, shows what
they do to training, and then trains the same network with
:class:`~backprop_mlp.BackpropMLPClassifier`, which reaches about 0.98 on
held-out data.
"""

# %%
# The data
# --------
# A thousand points on two noisy concentric circles, the inner one of radius
# 0.5. A quarter is held out to measure accuracy on data the network has not
# seen (the tutorial scores the training data only).
import itertools
import warnings

import numpy as np
from scipy.special import expit
from sklearn.datasets import make_circles
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from backprop_mlp import BackpropMLPClassifier, check_gradients

X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(f"{len(X_train)} training and {len(X_test)} held-out points")

# %%
# The tutorial's gradients, against finite differences
# ----------------------------------------------------
# Below is the tutorial's forward and backward pass, condensed, with a switch
# for its three bugs:
#
# 1. the logistic derivative is taken as ``2 s (1 - s)`` instead of
#    ``s (1 - s)``;
# 2. the loss is not divided by the number of samples, so its gradient is a
#    sum over the batch, not a mean;
# 3. ``dW`` is that sum, but ``db`` is averaged over the batch.
#
# The true gradient of the mean log-loss comes from central finite
# differences, which involve no derivative at all. The tutorial's weights
# start as ``0.1`` times standard normal draws, seeded with 42.
sizes = [2, 4, 3, 1]
rng = np.random.RandomState(42)
W, b = [None], [None]  # indexed like the math: W[k], b[k] for k = 1, 2, 3
for fan_in, fan_out in itertools.pairwise(sizes):
    W.append(rng.randn(fan_in, fan_out) * 0.1)
    b.append(rng.randn(1, fan_out) * 0.1)
Y = y.reshape(-1, 1).astype(float)


def forward(W, b, X):
    """``z_k = a_{k-1} W_k + b_k``, ``a_k = f_k(z_k)``: ReLU, ReLU, logistic."""
    z, a = [None], [X]
    for k in (1, 2, 3):
        z.append(a[k - 1] @ W[k] + b[k])
        a.append(expit(z[k]) if k == 3 else np.maximum(z[k], 0))
    return z, a


def mean_log_loss(W, b):
    P = forward(W, b, X)[1][3]
    return -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P))


def backprop(W, b, tutorial_bugs):
    """The tutorial's backward pass, with or without its three bugs."""
    z, a = forward(W, b, X)
    P = a[3]
    da = -Y / P + (1 - Y) / (1 - P)  # dL_i / dP for each sample i
    if not tutorial_bugs:
        da /= len(X)  # the loss is a mean over the batch (bug 2)
    dW, db = [None] * 4, [None] * 4
    for k in (3, 2, 1):
        if k == 3:
            s = expit(z[3])
            f_prime = (2 if tutorial_bugs else 1) * s * (1 - s)  # bug 1
        else:
            f_prime = z[k] > 0
        dz = da * f_prime
        dW[k] = a[k - 1].T @ dz
        # Bug 3: averaging db on top of a summed loss shrinks it n times.
        db[k] = (dz.mean if tutorial_bugs else dz.sum)(axis=0, keepdims=True)
        da = dz @ W[k].T
    return dW, db


def finite_differences(W, b, eps=1e-6):
    """Central differences of the mean log-loss, one parameter at a time."""
    grads = {}
    for name, params in (("W", W), ("b", b)):
        for k in (1, 2, 3):
            g = np.zeros_like(params[k])
            for i in np.ndindex(g.shape):
                saved = params[k][i]
                params[k][i] = saved + eps
                up = mean_log_loss(W, b)
                params[k][i] = saved - eps
                down = mean_log_loss(W, b)
                params[k][i] = saved
                g[i] = (up - down) / (2 * eps)
            grads[f"{name}{k}"] = g
    return grads


true = finite_differences(W, b)
print("size of each gradient relative to the true one (1 = correct):")
print("           " + "".join(f"{name:>8}" for name in true))
for bugs in (True, False):
    dW, db = backprop(W, b, tutorial_bugs=bugs)
    ours = {
        **{f"W{k}": dW[k] for k in (1, 2, 3)},
        **{f"b{k}": db[k] for k in (1, 2, 3)},
    }
    ratios = [np.linalg.norm(ours[n]) / np.linalg.norm(true[n]) for n in true]
    print(
        f"{'tutorial' if bugs else 'fixed':>9}: " + "".join(f"{r:8.1f}" for r in ratios)
    )

# %%
# Every weight gradient of the tutorial is ``2 n = 2000`` times too large and
# every bias gradient twice too large: bug 1 doubles everything (the output
# layer's ``dz`` starts every layer's chain), bug 2 multiplies by ``n``, and
# bug 3 takes that ``n`` back for the biases only. With the bugs fixed, the
# back-propagated gradient matches the finite differences.
#
# What the bugs do to training
# ----------------------------
# The tutorial's step of 0.005 on a gradient 2000 times too large is a step of
# 10 on the weights, but of 0.01 on the biases. Full-batch gradient descent
# with those steps, as in the tutorial:
W_tut = [None] + [w.copy() for w in W[1:]]
b_tut = [None] + [v.copy() for v in b[1:]]
tutorial_accuracy = []
for _ in range(150):
    P = forward(W_tut, b_tut, X)[1][3]
    tutorial_accuracy.append(np.mean((P > 0.5) == Y))
    dW, db = backprop(W_tut, b_tut, tutorial_bugs=True)
    for k in (1, 2, 3):
        W_tut[k] -= 0.005 * dW[k]
        b_tut[k] -= 0.005 * db[k]
print(
    f"tutorial: best training accuracy {max(tutorial_accuracy):.3f} at iteration "
    f"{int(np.argmax(tutorial_accuracy))}, last {tutorial_accuracy[-1]:.3f}"
)

# %%
# The same network, trained by ``BackpropMLPClassifier``
# ------------------------------------------------------
# ``hidden_layer_sizes=(4, 3)`` with ReLU gives the tutorial's ``[2, 4, 3, 1]``
# network; a binary target gets one logistic output unit, trained on the mean
# log-loss. Adam with a step of 0.01 replaces plain gradient descent.
#
# Seven hidden units are very few for a circular boundary: from some random
# starts a ReLU unit is switched off for every sample ("dies") and the network
# is left with too few to draw a circle. The remedy for a network this small
# is a few restarts, keeping the one with the lowest *training* loss, so that
# the held-out points play no part in the choice.
restarts = []
for seed in range(5):
    with warnings.catch_warnings():
        # A restart that stops at max_iter is still a candidate.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = BackpropMLPClassifier(
            hidden_layer_sizes=(4, 3),
            activation="relu",
            learning_rate_init=0.01,
            max_iter=500,
            random_state=seed,
        ).fit(X_train, y_train)
    restarts.append(clf)
    print(
        f"random_state={seed}: training loss {clf.loss_:.4f} after "
        f"{clf.n_iter_} epochs, held-out accuracy {clf.score(X_test, y_test):.3f}"
    )
clf = min(restarts, key=lambda c: c.loss_)
held_out_accuracy = clf.score(X_test, y_test)
print(
    f"kept random_state={clf.random_state}: held-out accuracy {held_out_accuracy:.3f}"
)

# %%
# The trained network's own gradient, checked the same way: its
# back-propagation (:meth:`Network.loss_and_gradient
# <backprop_mlp._network.Network.loss_and_gradient>`) against central finite
# differences of its objective, layer by layer.
print(check_gradients(clf, X_train[:100], y_train[:100]))

# %%
# Figures
# -------
# The tutorial's training accuracy swings from one full-batch step to the
# next; the loss curve of ``BackpropMLPClassifier`` falls steadily, and its
# decision boundary is the circle between the two rings.
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers above are the result
    plt = None

if plt is not None:
    from sklearn.inspection import DecisionBoundaryDisplay

    from backprop_mlp import LossCurveDisplay

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), layout="constrained")
    axes[0].plot(tutorial_accuracy)
    axes[0].set(
        title="The tutorial: full-batch steps with its bugs",
        xlabel="iteration",
        ylabel="training accuracy",
        ylim=(0.4, 1.0),
    )
    LossCurveDisplay.from_estimator(clf, ax=axes[1])
    axes[1].set_title("BackpropMLPClassifier: training loss")
    DecisionBoundaryDisplay.from_estimator(
        clf, X, response_method="predict_proba", cmap="RdBu", alpha=0.6, ax=axes[2]
    )
    axes[2].scatter(*X_test.T, c=y_test, cmap="RdBu", edgecolor="k", s=15)
    axes[2].set(
        title=f"Held-out points, accuracy {held_out_accuracy:.3f}", aspect="equal"
    )
    plt.show()
