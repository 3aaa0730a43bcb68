"""The data sets, and what must hold of one before it is cross-validated."""

import math
from dataclasses import dataclass, field

import numpy as np

# The tutorial's network is tiny and Adam's default step is small: it needs
# about 1000 epochs on the circles to converge (at 200 it stops near 0.94).
CIRCLES_MAX_ITER = 1000
DEFAULT_MAX_ITER = 200
# Diabetes' 353 training rows are two mini-batches an epoch: adam needs some
# 300 to 650 epochs to settle there, and with 200 no fold converged.
DIABETES_MAX_ITER = 1000
CSV_HIDDEN = (100,)


class DataError(Exception):
    """Input the program cannot use; its message is shown to the user as is."""


@dataclass
class Dataset:
    """A problem, the network size used on it, and which task it is and why."""

    name: str
    X: np.ndarray
    y: np.ndarray
    hidden: tuple
    max_iter: int
    notes: list = field(default_factory=list)  # what reading left out
    task: str = "classification"
    why: str = "class labels"
    features: list = None  # the names of the columns of X, if it has any
    warnings: list = field(default_factory=list)  # on features that may not be


def builtin_datasets():
    """The data sets run when no ``--csv`` is given.

    Returns
    -------
    datasets : list of Dataset
        The tutorial's circles, scikit-learn's digits and its diabetes data.
    """
    from sklearn.datasets import load_diabetes, load_digits, make_circles

    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    digits = load_digits()
    return [
        Dataset("circles", X, y, (4, 3), CIRCLES_MAX_ITER),
        Dataset("digits", digits.data, digits.target, (64,), DEFAULT_MAX_ITER),
        Dataset(
            "diabetes",
            *load_diabetes(return_X_y=True),
            (16,),
            DIABETES_MAX_ITER,
            task="regression",
            why="a disease-progression score",
        ),
    ]


def check_folds(y, n_folds, task="classification"):
    """Check that ``n_folds``-fold cross-validation can score a model on ``y``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    n_folds : int
    task : {'classification', 'regression'}, default='classification'

    Raises
    ------
    DataError
        For classification (stratified folds, scored by accuracy): if there
        is a single class, or a class with fewer members than folds (it could
        not appear in every test fold). For regression (scored by R²): if a
        test fold would hold fewer than 2 rows, or the target is constant.
    """
    if task == "regression":
        _check_regression_folds(y, n_folds)
    else:
        _check_classification_folds(y, n_folds)


def _check_classification_folds(y, n_folds):
    labels, counts = np.unique(y, return_counts=True)
    # str() first: the repr of a numpy scalar is "np.str_('a')", not "'a'".
    if len(labels) < 2:
        raise DataError(
            f"the target has a single class ({str(labels[0])!r}); a classifier "
            "needs at least 2"
        )
    fewest = counts.min()
    if fewest < n_folds:
        rarest = str(labels[counts.argmin()])
        advice = f"use --folds {fewest} or add rows" if fewest >= 2 else "add rows"
        raise DataError(
            f"class {rarest!r} has {fewest} row(s), fewer than the {n_folds} "
            f"folds, so it cannot be in every test fold; {advice}"
        )


def _check_regression_folds(y, n_folds):
    if len(y) < 2 * n_folds:
        raise DataError(
            f"{len(y)} rows are too few for {n_folds} folds scored by R², which "
            f"needs 2 rows per test fold; use --folds {max(2, len(y) // 2)} or add "
            "rows"
        )
    if np.ptp(y) == 0:
        raise DataError(f"the target is constant ({y[0]:g}): nothing to regress")


def check_scales(dataset):
    """Check that a ``StandardScaler`` can standardise the data in float64.

    It computes each column's mean and variance: values so large that their
    sum or squares overflow would make it return NaN (and the model refuse
    its input) or zeros. Both models see the features standardised, and the
    regressors the target too, so this checks the columns they are fitted
    on. The sums over all rows bound those over a fold's rows.

    Parameters
    ----------
    dataset : Dataset

    Raises
    ------
    DataError
        Naming the first column too large, and the power of ten to divide it
        by.
    """
    n_samples, n_features = dataset.X.shape
    names = dataset.features or range(1, n_features + 1)
    columns = [
        (f"feature column {name!r}", x)
        for name, x in zip(names, dataset.X.T, strict=True)
    ]
    if dataset.task == "regression":
        columns.append(("the target", np.asarray(dataset.y, dtype=np.float64)))
    # A quarter of the largest float: room for rounding and a fold's mean.
    limit = np.finfo(np.float64).max / 4
    for what, values in columns:
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.sum(np.abs(values))
            spread = np.sum((values - np.mean(values)) ** 2)
        if total < limit and spread < limit:
            continue
        # Values below 10**safe keep both sums under the limit: n (2 x)^2.
        safe = math.floor(math.log10(math.sqrt(limit / (4 * n_samples))))
        peak = np.max(np.abs(values))
        power = math.ceil(math.log10(peak)) - safe
        raise DataError(
            f"{what} holds values up to {peak:.3g}, too large to standardise in "
            f"float64 (their squares overflow); divide it by 1e{power} (a change "
            f"of units) so that they stay below 1e{safe}"
        )
