"""``cv_results_`` in scikit-learn's layout, and the rules that read it.

The keys, the row order, the means, deviations and ranks are those of
scikit-learn's halving searches, so that the two can be compared row by row;
each row adds whether it continued the models of the rung before and how much
budget it reused. Promotion (:func:`top_k`) and the choice of the best row
(:func:`best_row`) follow scikit-learn's rules, ties included.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata
from sklearn.exceptions import FitFailedWarning

from .._warnings import warn

__all__ = [
    "Row",
    "best_row",
    "check_failures",
    "format_results",
    "metric_names",
    "top_k",
]


@dataclass
class Row:
    """One candidate at one rung: its parameters and one outcome per fold."""

    params: dict
    outcomes: list
    reused: list  # per fold: the budget its model already had (0: from scratch)
    bracket: int
    rung: int
    n_resources: int


def top_k(scores, k):
    """The positions of the ``k`` best ``scores``, the best last.

    scikit-learn's ``_top_k``: ``np.argsort`` with NaNs moved to the front, so
    that they are the worst, and ties ordered as ``argsort`` leaves them.
    """
    scores = np.asarray(scores, dtype=float)
    order = np.roll(np.argsort(scores), np.count_nonzero(np.isnan(scores)))
    return order[-k:]


def best_row(results, final, ranking):
    """The index of the best of the ``final`` rows by ``mean_test_<ranking>``.

    The first of the best, in row order; the first final row if every score
    is NaN (as scikit-learn's halving searches decide).
    """
    rows = np.flatnonzero(final)
    scores = results[f"mean_test_{ranking}"][rows]
    if np.isnan(scores).all():
        return int(rows[0])
    return int(rows[np.nanargmax(scores)])


def check_failures(outcomes, error_score):
    """Raise if every fit failed; warn, with the errors, if some did."""
    errors = [o.error for o in outcomes if o.error is not None]
    if not errors:
        return
    summary = "\n".join(
        f"{'-' * 80}\n{n} fits failed with the following error:\n{error}"
        for error, n in Counter(errors).items()
    )
    if len(errors) == len(outcomes):
        raise ValueError(
            f"\nAll the {len(outcomes)} fits of a rung failed: the estimator is "
            "probably misconfigured. Set error_score='raise' to see the first "
            f"error where it happens.\n\nThe failures:\n{summary}"
        )
    warn(
        f"\n{len(errors)} fits failed out of a total of {len(outcomes)}. The "
        f"score on these train-test partitions will be set to {error_score}. "
        "If these failures are not expected, set error_score='raise' to see "
        f"where they happen.\n\nThe failures:\n{summary}",
        FitFailedWarning,
    )


def format_results(rows, n_splits, error_score, return_train_score, with_bracket):
    """The ``cv_results_`` dict of ``rows``, in scikit-learn's layout.

    Parameters
    ----------
    rows : list of Row
        In the order of the rows of ``cv_results_``.
    n_splits : int
    error_score : float
        The score of a failed fit.
    return_train_score : bool
    with_bracket : bool
        Whether to add a ``bracket`` column (Hyperband).

    Returns
    -------
    dict
    """
    outcomes = [o for row in rows for o in row.outcomes]
    names = metric_names(outcomes)
    results = {}
    if with_bracket:
        results["bracket"] = np.asarray([row.bracket for row in rows])
    results["iter"] = np.asarray([row.rung for row in rows])
    results["n_resources"] = np.asarray([row.n_resources for row in rows])
    reused = np.asarray([min(row.reused) for row in rows])
    results["n_resources_reused"] = reused
    results["n_resources_trained"] = results["n_resources"] - reused
    results["continued"] = np.asarray([min(row.reused) > 0 for row in rows])

    def store(key, values, splits=False, rank=False):
        array = np.array(values, dtype=np.float64).reshape(len(rows), n_splits)
        if splits:
            for k in range(n_splits):
                results[f"split{k}_{key}"] = array[:, k]
        means = array.mean(axis=1)
        results[f"mean_{key}"] = means
        if key.startswith(("train_", "test_")) and not np.isfinite(means).all():
            warn(
                f"One or more of the {key.split('_')[0]} scores are non-finite: "
                f"{means}",
                UserWarning,
            )
        results[f"std_{key}"] = np.sqrt(((array - means[:, None]) ** 2).mean(axis=1))
        if rank:
            results[f"rank_{key}"] = _rank(means)

    store("fit_time", [o.fit_time for o in outcomes])
    store("score_time", [o.score_time for o in outcomes])
    results.update(_param_columns([row.params for row in rows]))
    results["params"] = [row.params for row in rows]
    for name in names:
        store(f"test_{name}", _scores(outcomes, "test", name, error_score), True, True)
        if return_train_score:
            train = _scores(outcomes, "train", name, error_score)
            store(f"train_{name}", train, splits=True)
    return results


def metric_names(outcomes):
    """The metrics' names, from the first outcome that has scores."""
    for outcome in outcomes:
        if outcome.test_scores is not None:
            return list(outcome.test_scores)
    return ["score"]


def _scores(outcomes, part, name, error_score):
    scores = [getattr(o, f"{part}_scores") for o in outcomes]
    return [error_score if s is None else s[name] for s in scores]


def _rank(means):
    """scikit-learn's ranks: 1 the best, ties share the lowest, NaNs last."""
    if np.isnan(means).all():
        return np.ones_like(means, dtype=np.int32)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    return rankdata(-filled, method="min").astype(np.int32)


def _param_columns(params):
    """One masked ``param_<name>`` column per parameter, masked where absent.

    Numbers keep a numeric dtype; strings, sequences and estimators are
    objects (as in scikit-learn >= 1.5).
    """
    names = list(dict.fromkeys(name for p in params for name in p))
    columns = {}
    for name in names:
        present = {i: p[name] for i, p in enumerate(params) if name in p}
        try:
            values = np.array(list(present.values()))
        except ValueError:  # sequences of different lengths
            dtype = object
        else:
            plain = values.dtype.kind != "U" and values.ndim == 1
            dtype = values.dtype if plain else object
        column = MaskedArray(np.empty(len(params), dtype=dtype), mask=True)
        for i, value in present.items():
            column[i] = value
        columns[f"param_{name}"] = column
    return columns
