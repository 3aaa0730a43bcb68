"""Command line: cross-validate our estimators against scikit-learn's.

``python -m backprop_mlp`` (or the ``backprop-mlp`` console script) trains both
estimators with identical hyper-parameters, each behind a ``StandardScaler`` in
a ``Pipeline``, on the same folds, and prints one table: mean score ± standard
deviation over the folds, mean fit time, and how long our fit takes relative
to scikit-learn's. Classification compares BackpropMLPClassifier with
MLPClassifier by accuracy on stratified folds; regression compares
BackpropMLPRegressor with MLPRegressor by R² on shuffled K-fold splits, with
the target standardised too (``TransformedTargetRegressor``).

Without ``--csv`` it runs on three embedded data sets: the tutorial's two
circles (``make_circles``, the ``[2, 4, 3, 1]`` network), scikit-learn's
``load_digits`` and, for regression, ``load_diabetes``. With ``--csv FILE
--target COLUMN`` it runs on the user's data instead, as classification or
regression as the target column suggests (:func:`guess_task`) or ``--task``
says. Mistakes in that file end the program with a one-line message and exit
status 2, never a traceback.

The CSV is read with the standard library, not pandas, which is not a runtime
dependency.
"""

import argparse
import csv
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ._classifier import BackpropMLPClassifier
from ._regressor import BackpropMLPRegressor

__all__ = ["main"]

# Exit status for unusable input, as argparse uses for unusable arguments.
EXIT_USAGE = 2

# The tutorial's network is tiny and Adam's default step is small: it needs
# about 1000 epochs on the circles to converge (at 200 it stops near 0.94).
_CIRCLES_MAX_ITER = 1000
_DEFAULT_MAX_ITER = 200
_CSV_HIDDEN = (100,)
# The scikit-learn models, whose fit time is the ratio's denominator.
_SKLEARN_MODELS = ("MLPClassifier", "MLPRegressor")


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


@dataclass
class ModelResult:
    """Cross-validation results of one model on one data set."""

    dataset: str
    model: str
    scores: list = field(default_factory=list)
    fit_times: list = field(default_factory=list)
    n_not_converged: int = 0


# ------------------------------------------------------------------ arguments


def parse_hidden(text):
    """Parse ``--hidden``: comma-separated positive layer sizes.

    Parameters
    ----------
    text : str
        For example ``"64,32"``.

    Returns
    -------
    sizes : tuple of int

    Examples
    --------
    >>> parse_hidden("64, 32")
    (64, 32)
    """
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 64,32, got {text!r}"
        )
    return sizes


def _int_at_least(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}, got {text!r}"
            )
        return value

    return parse


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="backprop-mlp",
        description=(
            "Cross-validate backprop_mlp.BackpropMLPClassifier against "
            "sklearn.neural_network.MLPClassifier with identical hyper-parameters "
            "(each as StandardScaler + classifier, on the same stratified folds) "
            "and print accuracy and fit time; for regression, BackpropMLPRegressor "
            "against MLPRegressor by R2 on shuffled K-fold splits. Without --csv "
            "it runs on the tutorial's two circles (hidden 4,3; max-iter "
            f"{_CIRCLES_MAX_ITER}), scikit-learn's digits (hidden 64; max-iter "
            f"{_DEFAULT_MAX_ITER}) and its diabetes regression data (hidden 16)."
        ),
        epilog=(
            "Progress goes to stderr, the table to stdout. Fits run with one BLAS "
            "thread, so that their times compare. Exit status 2 means unusable "
            "arguments or data."
        ),
    )
    data = parser.add_argument_group("your own data")
    data.add_argument(
        "--csv",
        metavar="FILE",
        help=(
            "comma-separated file with a header row; every column but the target "
            "must be numeric"
        ),
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help=(
            "name of the target column of --csv: class labels (may be strings) "
            "or a numeric quantity"
        ),
    )
    data.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default="auto",
        help=(
            "what to do with --target (default: auto, regression when the column "
            "looks continuous: numbers, not all whole, or more than 20 distinct "
            "ones with fewer than 5 rows each on average)"
        ),
    )
    model = parser.add_argument_group("model and cross-validation")
    model.add_argument(
        "--hidden",
        type=parse_hidden,
        metavar="SIZES",
        help=(
            "hidden layer sizes, e.g. 64,32 (default: 4,3 for circles, 64 for "
            "digits, 100 for --csv)"
        ),
    )
    model.add_argument(
        "--solver",
        choices=("adam", "sgd", "lbfgs"),
        default="adam",
        help="optimizer (default: adam)",
    )
    model.add_argument(
        "--folds",
        type=_int_at_least(2),
        default=5,
        metavar="N",
        help="number of folds, stratified for classification (default: 5)",
    )
    model.add_argument(
        "--max-iter",
        type=_int_at_least(1),
        metavar="N",
        help=(
            f"epochs, or lbfgs iterations (default: {_CIRCLES_MAX_ITER} for "
            f"circles, {_DEFAULT_MAX_ITER} otherwise)"
        ),
    )
    model.add_argument(
        "--n-jobs",
        type=_int_at_least(1),
        default=1,
        metavar="N",
        help=(
            "fits to run in parallel, in worker processes (default: 1); the "
            "results are those of a serial run"
        ),
    )
    model.add_argument(
        "--random-state",
        type=_int_at_least(0),
        default=0,
        metavar="N",
        help="seed of the weights, the shuffling and the folds (default: 0)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="do not report progress on stderr"
    )
    return parser


# ----------------------------------------------------------------------- data


def builtin_datasets():
    """The data sets run when no ``--csv`` is given.

    Returns
    -------
    datasets : list of Dataset
        The tutorial's circles and scikit-learn's digits.
    """
    from sklearn.datasets import load_diabetes, load_digits, make_circles

    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    digits = load_digits()
    return [
        Dataset("circles", X, y, (4, 3), _CIRCLES_MAX_ITER),
        Dataset("digits", digits.data, digits.target, (64,), _DEFAULT_MAX_ITER),
        Dataset(
            "diabetes",
            *load_diabetes(return_X_y=True),
            (16,),
            _DEFAULT_MAX_ITER,
            task="regression",
            why="a disease-progression score",
        ),
    ]


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


# ------------------------------------------------------------ cross-validation


def make_models(hidden, solver, max_iter, random_state, task="classification"):
    """Both estimators with identical hyper-parameters, behind a scaler.

    Parameters
    ----------
    hidden : tuple of int
    solver : {'adam', 'sgd', 'lbfgs'}
    max_iter : int
    random_state : int
    task : {'classification', 'regression'}, default='classification'
        Regressors also have their target standardised, as networks trained
        from small initial weights need.

    Returns
    -------
    models : dict of str to estimator
        Ours first, then scikit-learn's.
    """
    params = dict(
        hidden_layer_sizes=hidden,
        solver=solver,
        max_iter=max_iter,
        random_state=random_state,
    )
    if task == "regression":
        return {
            cls.__name__: TransformedTargetRegressor(
                make_pipeline(StandardScaler(), cls(**params)),
                transformer=StandardScaler(),
            )
            for cls in (BackpropMLPRegressor, MLPRegressor)
        }
    return {
        cls.__name__: make_pipeline(StandardScaler(), cls(**params))
        for cls in (BackpropMLPClassifier, MLPClassifier)
    }


def cross_validate(dataset, models, n_folds, random_state, progress=None, n_jobs=1):
    """Fit and score every model on the same folds.

    Stratified folds for classification, scored by accuracy; shuffled K-fold
    splits for regression, scored by R².

    Parameters
    ----------
    dataset : Dataset
    models : dict of str to estimator
    n_folds : int
    random_state : int
        Seeds the shuffling of ``StratifiedKFold``.
    progress : callable or None
        Called with one line of text per fit, in fold order.
    n_jobs : int, default=1
        Fits run at once, by joblib (in the backend of ``joblib.parallel_config``,
        worker processes by default). Each fit is seeded, so the scores do not
        depend on it.

    Returns
    -------
    results : list of ModelResult
        One per model, in the order of ``models``.
    """
    regression = dataset.task == "regression"
    splitter = KFold if regression else StratifiedKFold
    cv = splitter(n_folds, shuffle=True, random_state=random_state)
    metric = "R2" if regression else "accuracy"
    results = {name: ModelResult(dataset.name, name) for name in models}
    fits = [
        (fold, name, train, test)
        for fold, (train, test) in enumerate(cv.split(dataset.X, dataset.y), 1)
        for name in models
    ]
    # A generator in submission order: a serial run reports each fit as it
    # ends, a parallel one as soon as the fits before it have ended too.
    outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_and_score)(models[name], dataset.X, dataset.y, train, test)
        for _, name, train, test in fits
    )
    for (fold, name, _, _), (score, elapsed, converged) in zip(
        fits, outcomes, strict=True
    ):
        result = results[name]
        result.scores.append(score)
        result.fit_times.append(elapsed)
        result.n_not_converged += not converged
        if progress is not None:
            progress(
                f"{dataset.name}: fold {fold}/{n_folds} {name:<21} "
                f"{metric} {score:.4f}  fit {elapsed:.2f} s"
                + ("" if converged else "  (not converged)")
            )
    return list(results.values())


def _fit_and_score(model, X, y, train, test):
    """Fit a clone of ``model`` on ``train``; its test score, fit time, and
    whether it converged."""
    model = clone(model)
    start = time.perf_counter()
    converged = _fit_counting_convergence(model, X[train], y[train])
    elapsed = time.perf_counter() - start
    return model.score(X[test], y[test]), elapsed, converged


def _fit_counting_convergence(model, X, y):
    """Fit ``model``; return whether it did so without a ConvergenceWarning.

    Convergence warnings become one note under the table instead of a wall of
    text; any other warning is passed on.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    converged = True
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            converged = False
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return converged


# ---------------------------------------------------------------------- table


def format_table(results):
    """Lay the results out as an aligned plain-text table.

    Parameters
    ----------
    results : list of ModelResult
        For each data set, ours followed by scikit-learn's.

    Returns
    -------
    table : str
    """
    pm = _plus_minus()
    r2 = "R²" if pm == "±" else "R2"  # the same console limits
    sklearn_time = {
        r.dataset: np.mean(r.fit_times) for r in results if r.model in _SKLEARN_MODELS
    }
    metrics = {"Classifier": "accuracy", "Regressor": "R²"}
    names = [m for kind, m in metrics.items() if any(kind in r.model for r in results)]
    header = ["dataset", "model", " or ".join(names), "fit time", "ours/sklearn"]
    header[2] += " (mean ± std)"
    header[2] = header[2].replace("±", pm).replace("R²", r2)
    rows = []
    for r in results:
        fit_time = np.mean(r.fit_times)
        ratio = ""
        if r.model not in _SKLEARN_MODELS and sklearn_time.get(r.dataset):
            ratio = f"{fit_time / sklearn_time[r.dataset]:.2f}"
        rows.append(
            [
                r.dataset,
                r.model,
                f"{np.mean(r.scores):.4f} {pm} {np.std(r.scores):.4f}",
                f"{fit_time:.3f} s",
                ratio,
            ]
        )
    widths = [max(len(row[j]) for row in [header, *rows]) for j in range(len(header))]
    # Text columns read left-aligned, numbers right-aligned.
    align = ["<", "<", ">", ">", ">"]

    def line(cells):
        return "  ".join(
            f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True)
        ).rstrip()

    lines = [line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows]
    for r in results:
        if r.n_not_converged:
            lines.append(
                f"note: {r.model} on {r.dataset} reached max_iter without "
                f"converging in {r.n_not_converged} of {len(r.scores)} folds"
            )
    return "\n".join(lines)


def _plus_minus():
    # A console that cannot encode "±" (an ASCII locale) gets "+/-" instead of
    # a UnicodeEncodeError at the very end of the run.
    try:
        "±".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "+/-"
    return "±"


# ----------------------------------------------------------------------- main


def _cross_validate_all(datasets, args, progress):
    """Cross-validate both models on every data set.

    Returns one line describing each data set, and the results of all fits.
    """
    summary, results = [], []
    for dataset in datasets:
        hidden = args.hidden or dataset.hidden
        max_iter = args.max_iter or dataset.max_iter
        n_samples, n_features = dataset.X.shape
        target = (
            "a continuous target"
            if dataset.task == "regression"
            else f"{len(np.unique(dataset.y))} classes"
        )
        summary.append(
            f"{dataset.name}: {n_samples} samples, {n_features} features, "
            f"{target}; {dataset.task} ({dataset.why}); "
            f"hidden_layer_sizes={hidden}, max_iter={max_iter}"
        )
        summary += [f"{dataset.name}: {note}" for note in dataset.notes]
        for line in summary[-1 - len(dataset.notes) :]:
            progress(line)
        models = make_models(
            hidden, args.solver, max_iter, args.random_state, dataset.task
        )
        results += cross_validate(
            dataset, models, args.folds, args.random_state, progress, args.n_jobs
        )
    return summary, results


def main(argv=None):
    """Run the comparison and print the table; the ``backprop-mlp`` command.

    Parameters
    ----------
    argv : list of str or None, default=None
        The arguments, without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 2 for unusable arguments or data (after a one-line
        message on stderr).
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse exits for --help (0) and bad arguments (2); return the code
        # so that main() can be called in-process like any function.
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if (args.csv is None) != (args.target is None):
        parser.print_usage(sys.stderr)
        print(
            "backprop-mlp: error: --csv and --target go together: give both or neither",
            file=sys.stderr,
        )
        return EXIT_USAGE

    def progress(text):
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    try:
        if args.csv is not None:
            X, y, left_out = read_csv(args.csv, args.target)
            name = os.path.basename(args.csv)
            task, why, y = choose_task(y, args.task, args.target)
            datasets = [
                Dataset(name, X, y, _CSV_HIDDEN, _DEFAULT_MAX_ITER, left_out, task, why)
            ]
        else:
            datasets = builtin_datasets()
        for dataset in datasets:
            try:
                if dataset.task == "regression":
                    check_regression_folds(dataset.y, args.folds)
                else:
                    check_folds(dataset.y, args.folds)
            except DataError as exc:
                hint = ""
                if dataset.task == "classification" and looks_continuous(dataset.y):
                    # --task classification on what looks like a quantity.
                    hint = f"; {dataset.why}: drop --task classification to regress it"
                raise DataError(f"{dataset.name}: {exc}{hint}") from None
    except DataError as exc:
        print(f"backprop-mlp: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    # One BLAS thread: these matrices are too small to gain from more, and on
    # a busy machine OpenBLAS's spinning threads make fit times vary tenfold.
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            summary, results = _cross_validate_all(datasets, args, progress)
        except KeyboardInterrupt:
            print("backprop-mlp: interrupted", file=sys.stderr)
            return 130  # the shell's status for a process ended by Ctrl-C

    tasks = sorted({dataset.task for dataset in datasets})
    print(
        f"{args.folds}-fold cross-validation (shuffled, random_state="
        f"{args.random_state}; stratified for classification) of StandardScaler + "
        f"estimator (the target standardised too for regression), solver="
        f"{args.solver}; task: {' and '.join(tasks)}"
    )
    print("\n".join(summary))
    print()
    print(format_table(results))
    return 0
