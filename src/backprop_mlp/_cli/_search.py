"""``--search``: a Hyperband search over a default grid, its five best and its time.

Our :class:`~backprop_mlp.model_selection.HyperbandSearchCV` over a grid that
covers what usually matters for these networks (width and depth, the L2
penalty, the step size and the batch size), each candidate a
``StandardScaler`` followed by our estimator, budgeted in epochs up to
``--max-iter``. The search prints a line per rung on stderr as it goes; the
report (the five best candidates, the best one refitted, the time taken)
goes to stdout.
"""

import contextlib
import io
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .. import BackpropMLPClassifier, BackpropMLPRegressor
from .._warnings import TrainingDivergedWarning
from ..model_selection import HyperbandSearchCV

__all__ = ["SEARCH_GRID", "SEARCH_MAX_ITER", "run_search"]

# 4 x 3 x 3 x 2 = 72 candidates: Hyperband tries each briefly and trains the
# promising ones to the end.
SEARCH_GRID = {
    "hidden_layer_sizes": [(32,), (64,), (128,), (64, 32)],
    "alpha": [1e-4, 1e-3, 1e-2],
    "learning_rate_init": [1e-3, 3e-3, 1e-2],
    "batch_size": [32, 128],
}
# Epochs of the longest rung: 81 = 3**4 gives Hyperband five brackets, from
# 3 epochs up, at factor 3.
SEARCH_MAX_ITER = 81
_TOP = 5


def search_grid():
    """The grid as the search's parameter names: ``mlp__<name>``."""
    return {f"mlp__{name}": values for name, values in SEARCH_GRID.items()}


def run_search(dataset, max_iter, folds, random_state, n_jobs, quiet):
    """Search the default grid on ``dataset``; return the report's lines.

    Parameters
    ----------
    dataset : Dataset
    max_iter : int
        The epochs of the longest rung.
    folds : int
    random_state : int
    n_jobs : int
        Worker processes.
    quiet : bool
        Whether to keep the rungs' progress lines off stderr.

    Returns
    -------
    lines : list of str
    """
    estimator = (
        BackpropMLPRegressor if dataset.task == "regression" else BackpropMLPClassifier
    )(random_state=random_state)
    search = HyperbandSearchCV(
        Pipeline([("scaler", StandardScaler()), ("mlp", estimator)]),
        search_grid(),
        max_resources=max_iter,
        factor=3,
        cv=folds,
        random_state=random_state,
        n_jobs=n_jobs,
        verbose=1,
    )
    # The search reports each rung on stdout; the table goes there, the
    # progress to stderr, as in the comparison.
    progress = io.StringIO() if quiet else sys.stderr
    start = time.perf_counter()
    with (
        contextlib.redirect_stdout(progress),
        warnings.catch_warnings(record=True) as caught,
    ):
        # The search hides its rungs' convergence warnings and shows the
        # refit's: a line of the report here, as the comparison's notes.
        warnings.simplefilter("always", ConvergenceWarning)
        search.fit(dataset.X, dataset.y)
    seconds = time.perf_counter() - start
    notes = []
    for w in caught:
        if issubclass(w.category, TrainingDivergedWarning):
            notes.append(f"note: the refit of the best candidate: {w.message}")
        elif issubclass(w.category, ConvergenceWarning):
            notes.append(
                "note: the refit of the best candidate reached max_iter without "
                "converging; a larger --max-iter may find better candidates"
            )
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return _report(dataset, search, seconds, folds) + sorted(set(notes))


def _report(dataset, search, seconds, folds):
    """The header, the five best fully trained candidates, the best, the time."""
    results = search.cv_results_
    metric = "R²" if dataset.task == "regression" else "accuracy"
    budget = int(np.max(results["n_resources"]))
    full = np.flatnonzero(results["n_resources"] == budget)
    means = results["mean_test_score"][full]
    best_first = full[np.argsort(-np.nan_to_num(means, nan=-np.inf), kind="stable")]
    # Hyperband's brackets may draw a candidate more than once.
    n_tried = len({_described(params) for params in results["params"]})
    epochs = int(np.sum(results["n_resources_trained"])) * folds
    lines = [
        f"Hyperband search on {dataset.name} ({dataset.task}, {metric}, {folds}-fold "
        f"cross-validation): {n_tried} candidates tried, {len(full)} trained to "
        f"{budget} epochs; {epochs} epochs trained in all; {seconds:.1f} s",
        "",
        f"rank  {metric + ' (mean ± std)':>24}  candidate",
    ]
    for rank, i in enumerate(best_first[:_TOP], start=1):
        score = (
            f"{results['mean_test_score'][i]:.4f} ± {results['std_test_score'][i]:.4f}"
        )
        lines.append(f"{rank:>4}  {score:>24}  {_described(results['params'][i])}")
    lines += [
        "",
        f"best: {_described(search.best_params_)}, max_iter={budget} "
        f"({metric} {search.best_score_:.4f}), refitted on all {len(dataset.y)} "
        "samples",
    ]
    return lines


def _described(params):
    """``hidden_layer_sizes=(64,), alpha=0.001, ...``, without the budget."""
    return ", ".join(
        f"{name}={params[f'mlp__{name}']!r}"
        for name in SEARCH_GRID
        if f"mlp__{name}" in params
    )
