"""
Searching fast: halving and Hyperband, with survivors that keep training
========================================================================

A grid search trains every candidate for the whole budget. Successive halving
trains every candidate for a few epochs, keeps the best third, trains those
longer, and so on; scikit-learn's
:class:`~sklearn.model_selection.HalvingGridSearchCV` retrains each survivor
from scratch at every rung. :class:`backprop_mlp.model_selection.HalvingGridSearchCV`
lets the survivors' networks *continue* instead, which gives exactly the same
networks, and :class:`~backprop_mlp.model_selection.HyperbandSearchCV` runs
several such brackets, so that a candidate that starts slowly is not cut on
its first few epochs.

Here five searches over the same 18 candidates, 3 to 27 epochs, run on the
hand-written digits, and we plot the best cross-validated score each finds
against the time it takes.
"""

# %%
# The data, the candidates and the five searches
# ----------------------------------------------
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.model_selection import HalvingGridSearchCV as SklearnHalving
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier
from backprop_mlp.model_selection import HalvingGridSearchCV, HyperbandSearchCV

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
grid = {
    "mlp__hidden_layer_sizes": [(32,), (64,)],
    "mlp__alpha": [1e-4, 1e-3, 1e-2],
    # A small learning rate starts slowly: the known trap of halving.
    "mlp__learning_rate_init": [1e-4, 1e-3, 1e-2],
}
epochs = 27


def pipe(classifier):
    return Pipeline([("scale", StandardScaler()), ("mlp", classifier)])


# The same rungs for the three halving searches: 18 candidates at 3 epochs,
# the best 6 at 9, the best 2 at 27.
rungs = dict(factor=3, min_resources=3, max_resources=epochs, cv=3, n_jobs=2)
searches = {
    "GridSearchCV\n(MLPClassifier)": GridSearchCV(
        pipe(MLPClassifier(max_iter=epochs, random_state=0)), grid, cv=3, n_jobs=2
    ),
    "sklearn halving\n(MLPClassifier)": SklearnHalving(
        pipe(MLPClassifier(random_state=0)), grid, resource="mlp__max_iter", **rungs
    ),
    "sklearn halving\n(ours, retrained)": SklearnHalving(
        pipe(BackpropMLPClassifier(random_state=0)),
        grid,
        resource="mlp__max_iter",
        **rungs,
    ),
    "our halving\n(continued)": HalvingGridSearchCV(
        pipe(BackpropMLPClassifier(random_state=0)), grid, **rungs
    ),
    "our Hyperband\n(continued)": HyperbandSearchCV(
        pipe(BackpropMLPClassifier(random_state=0)), grid, random_state=0, **rungs
    ),
}

results = {}
for name, search in searches.items():
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Candidates stopped by the budget before they converge, as intended.
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    results[name] = (seconds, search.best_score_, search.score(X_test, y_test))
    print(
        f"{name.replace(chr(10), ' '):<36} {seconds:6.1f} s, best CV "
        f"{search.best_score_:.3f}, held-out {search.score(X_test, y_test):.3f}"
    )

# %%
# Continuing is retraining, without the retraining
# ------------------------------------------------
# Our halving search scores every candidate at every rung exactly as
# scikit-learn's does on the same estimator, which retrains from scratch:
# the continued networks are the retrained ones, bit for bit.
ours = searches["our halving\n(continued)"]
retrained = searches["sklearn halving\n(ours, retrained)"]
same = np.array_equal(
    ours.cv_results_["mean_test_score"], retrained.cv_results_["mean_test_score"]
)
print(f"the same scores in every row: {same}")
print(
    "epochs trained, over all rows (per fold):",
    ours.cv_results_["n_resources_trained"].sum(),
    "instead of",
    retrained.cv_results_["n_resources"].sum(),
)

# %%
# What each search finds, and when
# --------------------------------
# Halving is several times faster than the full grid. Hyperband spends a
# little more than halving, but part of its budget goes to candidates that
# are trained for all the epochs from the start.
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the lines above are the result
    plt = None

if plt is not None:
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    for name, (seconds, cv_score, test_score) in results.items():
        points = ax.plot(seconds, cv_score, "o", markersize=9, label=name)
        ax.plot(seconds, test_score, "x", color=points[0].get_color(), markersize=9)
    ax.set(
        xscale="log",
        xlabel="wall time of the search (s, log scale)",
        ylabel="accuracy",
        title="Best cross-validated score (o) and held-out accuracy (x)",
    )
    fig.legend(loc="outside right center", fontsize="small")
    plt.show()
