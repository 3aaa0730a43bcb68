"""
The L2 penalty ``alpha`` and the decision boundary
==================================================

``alpha`` weighs an L2 penalty on the weights against the log-loss. A small
``alpha`` lets a large network bend its decision boundary around single
noisy points; a large one keeps the weights, and so the boundary, smooth.
Here the same network is trained on scikit-learn's two moons with four values
of ``alpha`` (compare scikit-learn's "Varying regularization in Multi-layer
Perceptron"). Choose ``alpha`` by cross-validation, as in
:ref:`sphx_glr_auto_examples_plot_grid_search.py`.
"""

# %%
# Four values of ``alpha``
# ------------------------
# L-BFGS minimises the penalised objective to convergence, so each model shows
# what its ``alpha`` asks for, not where a stochastic solver happened to stop.
import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split

from backprop_mlp import BackpropMLPClassifier

X, y = make_moons(n_samples=300, noise=0.3, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

alphas = [1e-4, 1e-1, 1.0, 10.0]
models = [
    BackpropMLPClassifier(
        hidden_layer_sizes=(50, 50),
        solver="lbfgs",
        alpha=alpha,
        max_iter=2000,
        random_state=0,
    ).fit(X_train, y_train)
    for alpha in alphas
]
# The squared norm of all weights: what the penalty pushes down.
weight_norms = [sum(np.sum(W**2) for W in m.coefs_) for m in models]
for alpha, model, norm in zip(alphas, models, weight_norms, strict=True):
    print(
        f"alpha={alpha:<7g} sum of squared weights {norm:9.2f}  "
        f"training accuracy {model.score(X_train, y_train):.3f}  "
        f"held-out accuracy {model.score(X_test, y_test):.3f}"
    )

# %%
# The decision boundaries
# -----------------------
# The probability of the second class over the plane; training points are
# circles, held-out points crosses.
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers above are the result
    plt = None

if plt is not None:
    xx, yy = np.meshgrid(np.linspace(-2, 3, 150), np.linspace(-1.5, 2, 150))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    fig, axes = plt.subplots(1, len(alphas), figsize=(12, 3.4), layout="constrained")
    for ax, alpha, model in zip(axes, alphas, models, strict=True):
        proba = model.predict_proba(grid)[:, 1].reshape(xx.shape)
        ax.contourf(xx, yy, proba, levels=20, cmap="RdBu", alpha=0.7)
        ax.scatter(*X_train.T, c=y_train, cmap="RdBu", edgecolors="k", s=15)
        ax.scatter(*X_test.T, c=y_test, cmap="RdBu", marker="x", s=15)
        ax.set_title(f"alpha={alpha:g}, held-out {model.score(X_test, y_test):.2f}")
        ax.set_xticks(())
        ax.set_yticks(())
    plt.show()
