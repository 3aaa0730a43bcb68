"""The program: the order of its steps, and its exit status."""

import os
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from ._arguments import build_parser
from ._compare import cross_validate, make_models
from ._csv_file import choose_task, looks_continuous, read_csv
from ._datasets import (
    CSV_HIDDEN,
    DEFAULT_MAX_ITER,
    DataError,
    Dataset,
    builtin_datasets,
    check_folds,
    check_regression_folds,
)
from ._table import format_table

# Exit status for unusable input, as argparse uses for unusable arguments.
EXIT_USAGE = 2


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
    parser = build_parser()
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
                Dataset(name, X, y, CSV_HIDDEN, DEFAULT_MAX_ITER, left_out, task, why)
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
