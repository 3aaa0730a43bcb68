"""The program: the order of its steps, and its exit status."""

import os
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from ._arguments import parse_arguments
from ._compare import FitInterrupted, cross_validate, make_models
from ._csv_file import choose_task, looks_continuous, read_csv
from ._datasets import (
    CSV_HIDDEN,
    DEFAULT_MAX_ITER,
    DataError,
    Dataset,
    builtin_datasets,
    check_folds,
    check_scales,
)
from ._resources import check_memory, physical_memory, worker_count
from ._search import SEARCH_MAX_ITER, run_search, search_grid
from ._table import format_table, printable

PROG = "backprop-mlp"
# Python's own status when a write finds its pipe closed (see main).
EXIT_CLOSED = 1
# Exit status for unusable input, as argparse uses for unusable arguments.
EXIT_USAGE = 2
# The shell's status for a process ended by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


def main(argv=None):
    """Run the comparison and print the table; the ``backprop-mlp`` command.

    Parameters
    ----------
    argv : list of str or None, default=None
        The arguments, without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success; 1 if stdout or stderr was closed before all was
        written (``backprop-mlp | head -0``), silently; 2 for unusable
        arguments or data, 130 after Ctrl-C, each after a one-line message
        on stderr.
    """
    try:
        status = _run(argv)
        # Inside the try: a closed pipe may only show when the buffer goes.
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_closed_streams()
        return EXIT_CLOSED
    except (KeyboardInterrupt, FitInterrupted):
        # A fit the estimator cut short (FitInterrupted) is no result either.
        _say("interrupted (Ctrl-C); no table")
        return EXIT_INTERRUPTED
    return status


def _run(argv):
    try:
        args = parse_arguments(argv)
    except SystemExit as exc:
        # argparse exits for --help (0) and bad arguments (2); return the code
        # so that main() can be called in-process like any function.
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE

    def progress(text):
        if not args.quiet:
            print(printable(text, sys.stderr.encoding), file=sys.stderr, flush=True)

    # Each data set has 2 fits a fold: ours and scikit-learn's. A search's
    # rungs have one fit per candidate and fold.
    n_fits = (
        _n_candidates(search_grid()) * args.folds if args.search else 2 * args.folds
    )
    n_workers = worker_count(args.n_jobs, n_fits)
    try:
        datasets = _load(args)
        if args.search and args.csv is None:
            datasets = [d for d in datasets if d.name == "digits"]
        for dataset in datasets:
            _check(dataset, args, n_workers)
    except DataError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    for dataset in datasets:
        for warning in dataset.warnings:
            _say(f"warning: {dataset.name}: {warning}")
    if args.search:
        return _search(datasets[0], args, n_workers)

    # One BLAS thread: these matrices are too small to gain from more, and on
    # a busy machine OpenBLAS's spinning threads make fit times vary tenfold.
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            summary, results = _cross_validate_all(datasets, args, n_workers, progress)
        except MemoryError:
            # Where the OS did not tell the machine's memory, or others use it.
            _say("error: out of memory while training; use a smaller --hidden")
            return EXIT_USAGE

    tasks = sorted({dataset.task for dataset in datasets})
    report = [
        f"{args.folds}-fold cross-validation (shuffled, random_state="
        f"{args.random_state}; stratified for classification) of StandardScaler + "
        f"estimator (the target standardised too for regression), solver="
        f"{args.solver}; task: {' and '.join(tasks)}",
        *summary,
        "",
        format_table(results, sys.stdout.encoding or "utf-8"),
    ]
    print(printable("\n".join(report), sys.stdout.encoding))
    return 0


def _search(dataset, args, n_workers):
    """Run --search on one data set and print its report."""
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            lines = run_search(
                dataset,
                args.max_iter or SEARCH_MAX_ITER,
                args.folds,
                args.random_state,
                n_workers,
                args.quiet,
            )
        except MemoryError:
            _say("error: out of memory while training")
            return EXIT_USAGE
    print(printable("\n".join(lines), sys.stdout.encoding))
    return 0


def _load(args):
    """The data sets to run: the user's file, or the built-in ones."""
    if args.csv is None:
        return builtin_datasets()
    data = read_csv(args.csv, args.target, args.drop)
    task, why, y = choose_task(data.y, args.task, args.target)
    return [
        Dataset(
            os.path.basename(args.csv),
            data.X,
            y,
            CSV_HIDDEN,
            DEFAULT_MAX_ITER,
            data.notes,
            task,
            why,
            data.features,
            data.warnings,
        )
    ]


def _check(dataset, args, n_workers):
    """Raise a DataError, naming the data set, if it cannot be run as asked."""
    try:
        check_folds(dataset.y, args.folds, dataset.task)
        check_scales(dataset)
    except DataError as exc:
        hint = ""
        if dataset.task == "classification" and looks_continuous(dataset.y):
            # --task classification on what looks like a quantity.
            hint = f"; {dataset.why}: drop --task classification to regress it"
        raise DataError(f"{dataset.name}: {exc}{hint}") from None
    n_samples, n_features = dataset.X.shape
    n_classes = len(np.unique(dataset.y)) if dataset.task != "regression" else 1
    # A binary classifier has a single (logistic) output unit.
    n_outputs = n_classes if n_classes > 2 else 1
    hidden = args.hidden or dataset.hidden
    n_train = n_samples - n_samples // args.folds
    try:
        check_memory(
            [n_features, *hidden, n_outputs],
            n_train,
            args.solver,
            n_workers,
            physical_memory(),
        )
    except DataError as exc:
        raise DataError(f"{dataset.name}: {exc}") from None


def _cross_validate_all(datasets, args, n_workers, progress):
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
        if args.n_jobs != 1:
            progress(
                f"{dataset.name}: --n-jobs {args.n_jobs}: {n_workers} worker "
                f"process(es) for {2 * args.folds} fits"
            )
        models = make_models(
            hidden, args.solver, max_iter, args.random_state, dataset.task
        )
        results += cross_validate(
            dataset, models, args.folds, args.random_state, progress, n_workers
        )
    return summary, results


def _n_candidates(grid):
    return int(np.prod([len(values) for values in grid.values()]))


def _say(text):
    """One line on stderr, in any console's encoding, if stderr is open."""
    try:
        print(printable(f"{PROG}: {text}", sys.stderr.encoding), file=sys.stderr)
    except BrokenPipeError:
        _silence_closed_streams()


def _silence_closed_streams():
    """Python's recipe for a closed pipe (see the docs of the signal module).

    What stays in a stream's buffer would be flushed at exit, fail again, and
    print "Exception ignored ... BrokenPipeError". Pointing the stream's file
    descriptor at /dev/null lets that last flush succeed.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):
            pass  # not a real file, or closed: nothing will be flushed
