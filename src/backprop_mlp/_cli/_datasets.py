"""The data sets, and what must hold of one before it is cross-validated."""

from dataclasses import dataclass, field

import numpy as np

# The tutorial's network is tiny and Adam's default step is small: it needs
# about 1000 epochs on the circles to converge (at 200 it stops near 0.94).
CIRCLES_MAX_ITER = 1000
DEFAULT_MAX_ITER = 200
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
            DEFAULT_MAX_ITER,
            task="regression",
            why="a disease-progression score",
        ),
    ]


def check_folds(y, n_folds):
    """Check that stratified ``n_folds``-fold cross-validation can run on ``y``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    n_folds : int

    Raises
    ------
    DataError
        If there is a single class, or a class with fewer members than folds
        (it could not appear in every test fold).
    """
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


def check_regression_folds(y, n_folds):
    """Check that ``n_folds``-fold cross-validation can score R² on ``y``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    n_folds : int

    Raises
    ------
    DataError
        If a test fold would hold fewer than 2 rows (R² is undefined), or the
        target is constant.
    """
    if len(y) < 2 * n_folds:
        raise DataError(
            f"{len(y)} rows are too few for {n_folds} folds scored by R², which "
            f"needs 2 rows per test fold; use --folds {max(2, len(y) // 2)} or add "
            "rows"
        )
    if np.ptp(y) == 0:
        raise DataError(f"the target is constant ({y[0]:g}): nothing to regress")
