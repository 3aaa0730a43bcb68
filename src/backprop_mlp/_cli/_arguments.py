"""The options of ``backprop-mlp``, and the checks of each on its own."""

import argparse

from ._datasets import CIRCLES_MAX_ITER, DEFAULT_MAX_ITER, DIABETES_MAX_ITER
from ._search import SEARCH_MAX_ITER


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


def _int_in(minimum, maximum=None):
    """A parser of integers from ``minimum`` to ``maximum`` (None: no limit)."""
    expected = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        too_large = maximum is not None and value is not None and value > maximum
        if value is None or value < minimum or too_large:
            raise argparse.ArgumentTypeError(
                f"expected an integer {expected}, got {text!r}"
            )
        return value

    return parse


def parse_n_jobs(text):
    """Parse ``--n-jobs`` as joblib reads ``n_jobs``: -1 is every CPU.

    Parameters
    ----------
    text : str

    Returns
    -------
    n_jobs : int
        Positive, or negative to count back from the number of CPUs (-2: all
        but one); never 0.

    Examples
    --------
    >>> parse_n_jobs("-1")
    -1
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            "expected a number of worker processes, or -1 for one per CPU (-2 for "
            f"all CPUs but one, as joblib counts), got {text!r}"
        )
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line as the program's other errors."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    """The parser of the command's arguments.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = _Parser(
        prog="backprop-mlp",
        description=(
            "Cross-validate backprop_mlp.BackpropMLPClassifier against "
            "sklearn.neural_network.MLPClassifier with identical hyper-parameters "
            "(each as StandardScaler + classifier, on the same stratified folds) "
            "and print accuracy and fit time; for regression, BackpropMLPRegressor "
            "against MLPRegressor by R2 on shuffled K-fold splits. Without --csv "
            "it runs on the tutorial's two circles (hidden 4,3; max-iter "
            f"{CIRCLES_MAX_ITER}), scikit-learn's digits (hidden 64; max-iter "
            f"{DEFAULT_MAX_ITER}) and its diabetes regression data (hidden 16; "
            f"max-iter {DIABETES_MAX_ITER})."
        ),
        epilog=(
            "Progress and warnings go to stderr, the table to stdout. Fits run "
            "with one BLAS thread, so that their times compare. Exit status: 0 "
            "done; 1 the output was closed before the table (as by | head -0); 2 "
            "unusable arguments or data, said in one line; 130 interrupted "
            "(Ctrl-C), with no table."
        ),
    )
    data = parser.add_argument_group("your own data")
    data.add_argument(
        "--csv",
        metavar="FILE",
        help=(
            "a file of columns separated by commas, semicolons, tabs or | (found "
            "from its first lines) with a header row; every column but the "
            "target must be numeric"
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
    data.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="COLUMN",
        help=(
            "a column of --csv not to use as a feature, such as a row number or "
            "an id; repeat it to drop more"
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
        type=_int_in(2),
        default=5,
        metavar="N",
        help="number of folds, stratified for classification (default: 5)",
    )
    model.add_argument(
        "--max-iter",
        type=_int_in(1),
        metavar="N",
        help=(
            f"epochs, or lbfgs iterations (default: {CIRCLES_MAX_ITER} for "
            f"circles, {DEFAULT_MAX_ITER} otherwise)"
        ),
    )
    model.add_argument(
        "--n-jobs",
        type=parse_n_jobs,
        default=1,
        metavar="N",
        help=(
            "fits to run at once, in worker processes (default: 1); -1 for one "
            "per CPU, -2 for all but one, as joblib; never more than the CPUs or "
            "the fits. The results are those of a serial run"
        ),
    )
    model.add_argument(
        "--random-state",
        # numpy's and scikit-learn's seeds are 32-bit.
        type=_int_in(0, 2**32 - 1),
        default=0,
        metavar="N",
        help=(
            "seed of the weights, the shuffling and the folds, 0 to 2**32 - 1 "
            "(default: 0)"
        ),
    )
    parser.add_argument(
        "--search",
        action="store_true",
        help=(
            "instead of the comparison, search for the best hyper-parameters of "
            "BackpropMLPClassifier (or Regressor) on --csv (digits without it): "
            "HyperbandSearchCV over 72 candidates (hidden layers, alpha, learning "
            f"rate, batch size) up to --max-iter epochs (default {SEARCH_MAX_ITER}), "
            "with a line per rung, then the five best and the time taken"
        ),
    )
    parser.add_argument(
        "--quiet", action="store_true", help="do not report progress on stderr"
    )
    return parser


def parse_arguments(argv):
    """The arguments, checked on their own and against each other.

    Parameters
    ----------
    argv : list of str or None
        Without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    args : argparse.Namespace

    Raises
    ------
    SystemExit
        With status 0 after ``--help``, 2 after a one-line error on stderr.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.csv is None) != (args.target is None):
        parser.error("--csv and --target go together: give both or neither")
    if args.drop and args.csv is None:
        parser.error("--drop names columns of --csv: give --csv too")
    if args.search and (args.hidden is not None or args.solver != "adam"):
        parser.error(
            "--search chooses the hidden layers itself, with adam: leave out "
            "--hidden and --solver"
        )
    return args
