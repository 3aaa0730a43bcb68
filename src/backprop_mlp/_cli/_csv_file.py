"""Reading a user's CSV file: its columns, its target, the task it suggests.

The file is read with the standard library, not pandas, which is not a
runtime dependency.
"""

import csv
import math

import numpy as np

from ._datasets import DataError


def read_csv(path, target):
    """Read numeric features and a class-label column from a CSV file.

    Parameters
    ----------
    path : str
        A comma-separated file whose first non-blank row names the columns.
    target : str
        The name of the label column; its values are kept as strings.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Every other named column, as float64.
    y : ndarray of shape (n_samples,)
        The labels, as strings.
    left_out : list of str
        One sentence per column left out: a column with an empty name, such
        as the row index pandas' ``DataFrame.to_csv()`` writes first, is not
        a feature (on data sorted by class, that index gives the label away).

    Raises
    ------
    DataError
        If the file cannot be read, is empty, lacks the target column, has
        rows of the wrong length, or has a non-numeric or missing feature.
    """
    try:
        # utf-8-sig: a spreadsheet's byte-order mark must not become part of
        # the first column's name.
        with open(path, newline="", encoding="utf-8-sig") as file:
            lines = [(i, row) for i, row in enumerate(csv.reader(file), 1) if row]
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a CSV file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read it as CSV text ({exc})") from None
    if not lines:
        raise DataError(f"{path}: the file is empty")

    _, header = lines[0]
    header = [name.strip() for name in header]
    rows = lines[1:]
    if header.count(target) != 1:
        problem = "is not a column" if target not in header else "names 2+ columns"
        raise DataError(
            f"{path}: --target {target!r} {problem}; the columns are "
            + ", ".join(repr(name) for name in header)
        )
    if not rows:
        raise DataError(f"{path}: the header has no data rows under it")
    t = header.index(target)
    unnamed = [j for j, name in enumerate(header) if not name and j != t]
    features = [j for j in range(len(header)) if j != t and j not in unnamed]
    if not features:
        raise DataError(f"{path}: no feature columns besides {target!r}")
    X = np.empty((len(rows), len(features)))
    y = []
    for i, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise DataError(
                f"{path}, line {line}: {len(row)} fields, but the header has "
                f"{len(header)}"
            )
        label = row[t].strip()
        if not label:
            raise DataError(f"{path}, line {line}: the target {target!r} is empty")
        y.append(label)
        for column, j in enumerate(features):
            X[i, column] = _parse_number(row[j], path, line, header[j])
    left_out = [_describe_unnamed(j, [row[j] for _, row in rows]) for j in unnamed]
    return X, np.asarray(y), left_out


def _describe_unnamed(j, values):
    """The report's sentence on unnamed column ``j`` (0-based), left out."""
    where = f"left out column {j + 1}, which has no name"
    if [value.strip() for value in values] == [str(i) for i in range(len(values))]:
        return f"{where} and holds 0..{len(values) - 1}: a saved row index"
    return where


def _parse_number(text, path, line, column):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        shown = "an empty value" if not text.strip() else repr(text)
        raise DataError(
            f"{path}, line {line}: feature column {column!r} has {shown}; every "
            "column but the target must hold finite numbers"
        )
    return value


def looks_continuous(y):
    """Whether class labels ``y`` look like a continuous (regression) target.

    They do when every label is a number and either one is not a whole
    number, or there are more than 20 distinct values with fewer than 5 rows
    each on average (a measurement, not a class).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        The labels, as read (strings or numbers).

    Returns
    -------
    continuous : bool

    Examples
    --------
    >>> looks_continuous(np.array(["1.5", "2.25", "3"]))
    True
    >>> looks_continuous(np.array(["0", "1", "1", "2"]))
    False
    >>> looks_continuous(np.array(["cat", "dog"]))
    False
    """
    try:
        values = np.asarray(y, dtype=float)
    except ValueError:
        return False
    if not np.isfinite(values).all():
        return False
    if np.any(values != np.round(values)):
        return True
    n_distinct = len(np.unique(values))
    return n_distinct > 20 and len(values) < 5 * n_distinct


def guess_task(y):
    """Whether a target column of text looks like class labels or a quantity.

    Parameters
    ----------
    y : ndarray of str

    Returns
    -------
    task : {'classification', 'regression'}
    why : str
        What the target looks like, for the report.

    Examples
    --------
    >>> guess_task(np.array(["1.5", "2.25", "0.1"]))[0]
    'regression'
    >>> guess_task(np.array(["0", "1", "1"]))
    ('classification', 'looks like class labels (2 distinct numbers in 3 rows)')
    """
    values = _numbers_or_none(y)
    if values is None:
        return "classification", "looks like class labels (not all numbers)"
    counts = f"{len(np.unique(values))} distinct numbers in {len(values)} rows"
    if looks_continuous(y):
        return "regression", f"looks continuous ({counts})"
    return "classification", f"looks like class labels ({counts})"


def _numbers_or_none(y):
    try:
        values = y.astype(np.float64)
    except ValueError:
        return None
    return values if np.isfinite(values).all() else None


def choose_task(y, requested, name):
    """The task to run on CSV targets ``y``: ``--task``, or the guess.

    Parameters
    ----------
    y : ndarray of str
    requested : {'auto', 'classification', 'regression'}
    name : str
        The target column's name, for the report.

    Returns
    -------
    task : str
    why : str
    y : ndarray
        As floats for regression, else the labels unchanged.

    Raises
    ------
    DataError
        If regression is asked of a target with non-numeric values.
    """
    task, looks = guess_task(y)
    looks = f"the target {name!r} {looks}"
    if requested == "auto":
        why = f"guessed: {looks}"
    elif requested == task:
        why = f"--task {requested}; {looks}"
    else:
        why = f"--task {requested}, overriding the guess: {looks}"
        task = requested
    if task == "regression":
        values = _numbers_or_none(y)
        if values is None:
            bad = next(v for v in y if _numbers_or_none(np.array([v])) is None)
            raise DataError(
                f"--task regression needs finite numbers in the target, but it "
                f"has {str(bad)!r}"
            )
        return task, why, values
    return task, why, y
