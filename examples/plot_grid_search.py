"""
Tuning a network with GridSearchCV, next to MLPClassifier
=========================================================

:class:`~backprop_mlp.BackpropMLPClassifier` is a scikit-learn estimator, so
it goes into a :class:`~sklearn.pipeline.Pipeline` behind a scaler and is
tuned by :class:`~sklearn.model_selection.GridSearchCV` like any other. Here
the same search over the hidden layer sizes, the L2 penalty ``alpha`` and the
activation runs twice on the hand-written digits: once with our estimator and
once with :class:`sklearn.neural_network.MLPClassifier`.

Both estimators use the same objective, initialisation and update rules, so
with the same ``random_state`` every candidate gets the same cross-validated
score from both; only the time taken differs.
"""

# %%
# The data and the search
# -----------------------
# The 8x8 digit images are 64 pixel intensities from 0 to 16. Networks train
# badly on unscaled inputs, so a ``StandardScaler`` comes first; inside the
# pipeline it is fitted on the training folds only.
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from backprop_mlp import BackpropMLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

param_grid = {
    "mlp__hidden_layer_sizes": [(32,), (64,)],
    "mlp__alpha": [1e-4, 1e-1],
    "mlp__activation": ["relu", "tanh"],
}


def search(classifier):
    """Grid-search ``StandardScaler + classifier`` with 3-fold cross-validation."""
    pipeline = Pipeline([("scale", StandardScaler()), ("mlp", classifier)])
    grid = GridSearchCV(pipeline, param_grid, cv=3)
    start = time.perf_counter()
    # One BLAS thread (threadpoolctl comes with scikit-learn): matrices this
    # small gain nothing from more, and on a busy machine idle BLAS threads
    # that spin waiting for work make each fit several times slower.
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        # Some candidates stop at max_iter; they are scored all the same.
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X_train, y_train)
    return grid, time.perf_counter() - start


ours, ours_seconds = search(BackpropMLPClassifier(max_iter=200, random_state=0))
theirs, theirs_seconds = search(MLPClassifier(max_iter=200, random_state=0))

# %%
# Every candidate, side by side
# -----------------------------
# The mean accuracy over the three folds of each of the eight candidates:
print(f"{'hidden':>7} {'alpha':>7} {'activation':>10} {'ours':>7} {'sklearn':>8}")
for params, score, their_score in zip(
    ours.cv_results_["params"],
    ours.cv_results_["mean_test_score"],
    theirs.cv_results_["mean_test_score"],
    strict=True,
):
    print(
        f"{params['mlp__hidden_layer_sizes'][0]:>7} {params['mlp__alpha']:>7g} "
        f"{params['mlp__activation']:>10} {score:7.4f} {their_score:8.4f}"
    )

# %%
# The chosen model
# ----------------
# Both searches pick the same candidate, and the refitted pipelines score the
# same on the held-out quarter of the data.
for name, grid, seconds in (
    ("BackpropMLPClassifier", ours, ours_seconds),
    ("MLPClassifier", theirs, theirs_seconds),
):
    best = {
        key.removeprefix("mlp__"): value for key, value in grid.best_params_.items()
    }
    print(
        f"{name}: best {best}, cross-validated {grid.best_score_:.4f}, "
        f"held-out {grid.score(X_test, y_test):.4f}, search took {seconds:.1f} s"
    )
same_scores = np.allclose(
    ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
)
print(f"identical cross-validated scores for every candidate: {same_scores}")

# %%
# Where the time goes
# -------------------
# The mean fit time of each candidate. The scores are equal, so the time is
# the only difference; how large it is depends on the machine (``benchmarks/``
# in the repository measures it with more care).
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the table above is the result
    plt = None

if plt is not None:
    labels = [
        f"{p['mlp__hidden_layer_sizes'][0]}, {p['mlp__alpha']:g}, "
        f"{p['mlp__activation']}"
        for p in ours.cv_results_["params"]
    ]
    positions = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    ax.barh(
        positions - 0.2,
        ours.cv_results_["mean_fit_time"],
        height=0.4,
        label="BackpropMLPClassifier",
    )
    ax.barh(
        positions + 0.2,
        theirs.cv_results_["mean_fit_time"],
        height=0.4,
        label="MLPClassifier",
    )
    ax.set_yticks(positions, labels)
    ax.set(
        xlabel="mean fit time per fold (s)", ylabel="hidden units, alpha, activation"
    )
    ax.set_title("GridSearchCV on the digits: fit time of each candidate")
    fig.legend(loc="outside lower center", ncols=2)
    plt.show()
