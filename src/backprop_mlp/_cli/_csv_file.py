"""Reading a user's CSV file: its columns, its target, the task it suggests.

The file is read with the standard library, not pandas, which is not a
runtime dependency.
"""

import csv
import io
import math
import re
import shlex
from dataclasses import dataclass, field

import numpy as np

from ._datasets import DataError

# The delimiters a file may use; the sniffer picks one from the first lines.
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "'|'"}
_SNIFFED_LINES = 20
# What pandas.read_csv reads as missing by default, and the UCI repository's
# "?": in a target, each is a missing value, not a class of its own.
_MISSING = frozenset(
    """#N/A,#N/A N/A,#NA,-1.#IND,-1.#QNAN,-NaN,-nan,1.#IND,1.#QNAN,<NA>,N/A,NA,
    NULL,NaN,None,n/a,nan,null,?""".replace("\n", "")
    .replace(" ", "")
    .split(",")
)


@dataclass
class CsvData:
    """What :func:`read_csv` found in a file.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        The feature columns, as float64.
    y : ndarray of shape (n_samples,)
        The target, as strings.
    features : list of str
        The names of the columns of ``X``.
    notes : list of str
        One sentence each on how the file was read and which columns were
        left out, for the report.
    warnings : list of str
        One line each on a feature that is probably not one (a row number).
    """

    X: np.ndarray
    y: np.ndarray
    features: list
    notes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def read_csv(path, target, drop=()):
    """Read numeric features and a target column from a delimited text file.

    Parameters
    ----------
    path : str
        A file whose first non-blank row names the columns, separated by
        commas, semicolons, tabs or ``|`` (the first lines tell which).
    target : str
        The name of the target column; its values are kept as strings.
    drop : sequence of str, default=()
        Names of columns that are not features (``--drop``).

    Returns
    -------
    data : CsvData
        Every named column but the target and ``drop`` is a feature. A
        column with an empty name, such as the row index pandas'
        ``DataFrame.to_csv()`` writes first, is left out, and the notes say
        so (on data sorted by class, that index gives the label away); a
        named feature holding the row numbers gets a warning.

    Raises
    ------
    DataError
        If the file cannot be read, is empty, lacks the target or a dropped
        column, has rows of the wrong length, a non-numeric or missing
        feature, or a missing target.
    """
    text = _read_text(path)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = [(i, row) for i, row in enumerate(reader, 1) if row]
    except csv.Error as exc:
        raise DataError(f"{path}: cannot read it as CSV text ({exc})") from None
    if not lines:
        raise DataError(f"{path}: the file is empty")

    _, header = lines[0]
    header = [name.strip() for name in header]
    rows = lines[1:]
    t = _column(header, target, "--target", path)
    dropped = [_column(header, name, "--drop", path) for name in drop]
    if t in dropped:
        raise DataError(f"{path}: --drop {target!r} names the target column")
    if not rows:
        raise DataError(f"{path}: the header has no data rows under it")
    unnamed = [j for j, name in enumerate(header) if not name and j != t]
    left_out = {t, *unnamed, *dropped}
    features = [j for j in range(len(header)) if j not in left_out]
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
        y.append(_parse_target(row[t], path, line, target))
        for column, j in enumerate(features):
            X[i, column] = _parse_number(row[j], path, line, header[j])

    data = CsvData(X, np.asarray(y), [header[j] for j in features])
    if delimiter != ",":
        data.notes.append(f"read as {_DELIMITERS[delimiter]}-separated")
    data.notes += [f"dropped column {header[j]!r} (--drop)" for j in dropped]
    data.notes += [_describe_unnamed(j, [row[j] for _, row in rows]) for j in unnamed]
    for name, values in zip(data.features, X.T, strict=True):
        if (span := row_numbers(values)) is not None:
            data.warnings.append(
                f"column {name!r} holds {span} in order, the row numbers, and is "
                "used as a feature (on a file sorted by the target it gives the "
                f"target away); add --drop {shlex.quote(name)} to leave it out"
            )
    return data


def _read_text(path):
    try:
        # utf-8-sig: a spreadsheet's byte-order mark must not become part of
        # the first column's name.
        with open(path, newline="", encoding="utf-8-sig") as file:
            return file.read()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a CSV file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read it as CSV text ({exc})") from None


def sniff_delimiter(text):
    r"""The delimiter of CSV ``text``: , ; tab or |, as its first lines show.

    Parameters
    ----------
    text : str

    Returns
    -------
    delimiter : str
        The one that splits the first lines into the same number of fields;
        a comma when none does (a single column, or ragged rows).

    Examples
    --------
    >>> sniff_delimiter("alcohol;malic_acid;cultivar\n14.2;1,71;0\n")
    ';'
    >>> sniff_delimiter("label\ncat\n")
    ','
    """
    sample = "".join(text.splitlines(keepends=True)[:_SNIFFED_LINES])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        return ","


def _column(header, name, option, path):
    """The index of the one column called ``name``, or a DataError."""
    if header.count(name) == 1:
        return header.index(name)
    problem = "is not a column" if name not in header else "names 2+ columns"
    columns = ", ".join(repr(column) for column in header)
    hint = ""
    if len(header) == 1:
        # Ragged first lines defeat the sniffer; the header then reads as
        # one column, and its name shows the delimiter the file uses.
        found = [d for d in _DELIMITERS if d in header[0]]
        if found:
            hint = (
                f" (the header read as one column: are the columns separated by "
                f"{_DELIMITERS[found[0]]}s, and some rows ragged?)"
            )
    raise DataError(
        f"{path}: {option} {name!r} {problem}; the columns are {columns}{hint}"
    )


def row_numbers(values):
    """``"0..n-1"`` or ``"1..n"`` if ``values`` count the rows in order.

    Parameters
    ----------
    values : ndarray of shape (n_samples,)

    Returns
    -------
    span : str or None
        None for anything else, and for fewer than 3 rows.

    Examples
    --------
    >>> row_numbers(np.array([1.0, 2.0, 3.0]))
    '1..3'
    >>> row_numbers(np.array([0.0, 2.0, 1.0])) is None
    True
    """
    n = len(values)
    for first in (0, 1):
        if n >= 3 and np.array_equal(values, np.arange(first, first + n)):
            return f"{first}..{first + n - 1}"
    return None


def _describe_unnamed(j, values):
    """The report's sentence on unnamed column ``j`` (0-based), left out."""
    where = f"left out column {j + 1}, which has no name"
    try:
        span = row_numbers(np.array(values, dtype=float))
    except ValueError:
        span = None
    return where if span is None else f"{where} and holds {span}: a saved row index"


def _parse_target(text, path, line, target):
    label = text.strip()
    if not label or label in _MISSING or label.lower() == "nan":
        shown = "an empty cell" if not label else repr(label)
        raise DataError(
            f"{path}, line {line}: the target {target!r} is missing ({shown}); "
            "drop that row or fill in its target"
        )
    return label


def _parse_number(text, path, line, column):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        shown = "an empty value" if not text.strip() else repr(text)
        hint = ""
        if re.fullmatch(r"[+-]?\d+,\d+", text.strip()):
            hint = " (write decimal points, not decimal commas)"
        elif value is None and text.strip():
            # Text, not a gap: an id or a category, which --drop leaves out.
            hint = f", or --drop {shlex.quote(column)} leaves it out"
        raise DataError(
            f"{path}, line {line}: feature column {column!r} has {shown}; every "
            f"column but the target must hold finite numbers{hint}"
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
