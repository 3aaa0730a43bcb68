"""The options of ``backprop-mlp``, and the checks of each on its own."""

import argparse

from ._datasets import CIRCLES_MAX_ITER, DEFAULT_MAX_ITER


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


def build_parser():
    """The parser of the command's arguments.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="backprop-mlp",
        description=(
            "Cross-validate backprop_mlp.BackpropMLPClassifier against "
            "sklearn.neural_network.MLPClassifier with identical hyper-parameters "
            "(each as StandardScaler + classifier, on the same stratified folds) "
            "and print accuracy and fit time; for regression, BackpropMLPRegressor "
            "against MLPRegressor by R2 on shuffled K-fold splits. Without --csv "
            "it runs on the tutorial's two circles (hidden 4,3; max-iter "
            f"{CIRCLES_MAX_ITER}), scikit-learn's digits (hidden 64; max-iter "
            f"{DEFAULT_MAX_ITER}) and its diabetes regression data (hidden 16)."
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
            f"epochs, or lbfgs iterations (default: {CIRCLES_MAX_ITER} for "
            f"circles, {DEFAULT_MAX_ITER} otherwise)"
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
