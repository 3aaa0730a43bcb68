"""Wall time of a grid search: ours against MLPClassifier, locally and on dask.

Run from the repository root::

    python benchmarks/search.py                 # ~3 minutes on 2 cores
    python benchmarks/search.py --no-cluster    # joblib's processes only
    python benchmarks/search.py --max-iter 20   # a quick smoke run

``GridSearchCV(Pipeline(StandardScaler(), estimator), 12 candidates x 5 folds,
n_jobs=2)`` on scikit-learn's digits, with identical grids and
hyper-parameters for both estimators, so that both do the same 60 fits (and
reach the same scores: the table checks it). Each search runs with joblib's
default backend (loky worker processes), and then once more on a
``dask.distributed`` LocalCluster of 2 worker processes with 1 thread each,
bound to 127.0.0.1 with no dashboard, through
``joblib.parallel_config(backend="dask")``. Ours and scikit-learn's run in
turn within each repeat, so that a slow spell of a shared machine hits both;
the ratios are what to read.
"""

import argparse
import time
import warnings

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

GRID = {
    "mlp__hidden_layer_sizes": [(32,), (64,)],
    "mlp__alpha": [1e-4, 1e-2, 1.0],
    "mlp__activation": ["relu", "tanh"],
}
N_FOLDS = 5


def search(estimator, X, y, grid=GRID):
    """Run the grid search once; its wall time in seconds, and the search.

    ``grid`` names the estimator's parameters ``mlp__...``. The warnings
    filter reaches the workers: scikit-learn's ``Parallel`` (1.7 and later)
    hands each task the filters of the process that started it.
    """
    grid = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("mlp", estimator)]),
        grid,
        cv=N_FOLDS,
        n_jobs=2,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    return time.perf_counter() - start, grid


def run_pair(X, y, max_iter, repeats, label):
    """Time ours and scikit-learn's in turn; print one row of medians."""
    times = {"ours": [], "sklearn": []}
    grids = {}
    # Untimed: start the workers and import both estimators in them.
    for estimator in (BackpropMLPClassifier, MLPClassifier):
        search(estimator(max_iter=1), X, y)
    params = dict(max_iter=max_iter, random_state=0)
    for _ in range(repeats):
        for name, estimator in (
            ("ours", BackpropMLPClassifier(**params)),
            ("sklearn", MLPClassifier(**params)),
        ):
            seconds, grids[name] = search(estimator, X, y)
            times[name].append(seconds)
    ours, theirs = np.median(times["ours"]), np.median(times["sklearn"])
    gap = np.max(
        np.abs(
            grids["ours"].cv_results_["mean_test_score"]
            - grids["sklearn"].cv_results_["mean_test_score"]
        )
    )
    print(
        f"{label:<28} {ours:8.2f} s {theirs:8.2f} s {ours / theirs:8.2f}   {gap:.1e}",
        flush=True,
    )
    return ours, theirs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-iter", type=int, default=100, help="epochs per fit")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--no-cluster", action="store_true", help="skip the dask LocalCluster row"
    )
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    n_candidates = int(np.prod([len(v) for v in GRID.values()]))
    print(
        f"GridSearchCV: {n_candidates} candidates x {N_FOLDS} folds, n_jobs=2, "
        f"digits {X.shape[0]}x{X.shape[1]}, max_iter={args.max_iter}, "
        f"median of {args.repeats}"
    )
    print(
        f"{'backend':<28} {'ours':>10} {'sklearn':>10} {'ratio':>8}   max |score gap|"
    )
    run_pair(X, y, args.max_iter, args.repeats, "loky (joblib default)")
    if args.no_cluster:
        return
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
    ):
        print(f"(LocalCluster started in {time.perf_counter() - start:.1f} s)")
        with joblib.parallel_config(backend="dask"):
            run_pair(X, y, args.max_iter, args.repeats, "dask LocalCluster 2x1")


if __name__ == "__main__":
    main()
