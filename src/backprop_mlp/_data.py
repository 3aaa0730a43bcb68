"""The training data of a fit: validated, encoded and weighted.

In memory (``X``, ``y``, ``sample_weight``) or from a
:class:`~backprop_mlp.BlockSource`, whose first block fixes what the whole
source must be. Also the validation set: given (``X_val``, ``y_val``) or split
off the training data. Nothing here changes the estimator: validation runs on
a throwaway copy of it (the *probe*), whose record the plan takes.
"""

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight, _check_y, validate_data

from ._blocks import _CheckedBlocks
from ._building import batch_size
from ._diagnostics import about, warn_if_rescaled
from ._warnings import warn

__all__ = ["first_block", "in_memory", "split", "validation_set"]


_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def checked_X(estimator, X, *, reset, dtype=_FLOATS, name="X"):
    """``X`` validated as scikit-learn's ``validate_data`` does; CSR if sparse.

    A float numpy array checked against a fitted model (``reset=False``)
    takes a short path with the same decisions: scikit-learn first asks
    whether ``X`` is a dataframe of any of the libraries it knows, which costs
    a continued one-epoch fit a tenth of its time. Anything else, and
    anything the short path would refuse, goes through ``validate_data`` for
    its message.

    Parameters
    ----------
    estimator : estimator
        Records the features when ``reset``; else, those it was fitted on.
    X : array-like or sparse matrix
    reset : bool
    dtype : dtype or tuple of dtype, default=(float64, float32)
    name : str, default='X'

    Returns
    -------
    X : ndarray or CSR matrix
    """
    dtypes = dtype if isinstance(dtype, tuple) else (np.dtype(dtype),)
    if not reset and _is_plain(X, dtypes, estimator):
        return X
    with about(name):
        X = validate_data(
            estimator,
            X,
            accept_sparse=["csr", "csc"],
            dtype=dtype,
            reset=reset,
        )
    return X.tocsr() if sp.issparse(X) else X  # CSC row batches are slow


def _is_plain(X, dtypes, estimator):
    """Whether ``X`` passes validation without a copy, a warning or a word."""
    if not (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in dtypes
        and X.shape[0] > 0
        and X.shape[1] == getattr(estimator, "n_features_in_", -1)
        and "feature_names_in_" not in vars(estimator)
    ):
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        # A sum overflowed by huge finite values goes the long way too.
        return bool(np.isfinite(X.sum()))


def checked_y(y, estimator):
    """``y`` validated as scikit-learn's ``_check_y(y, multi_output=True)``.

    With the short path of :func:`checked_X` for numeric numpy arrays.
    """
    if (
        type(y) is np.ndarray
        and y.ndim in (1, 2)
        and y.shape[0] > 0
        and (y.ndim == 1 or y.shape[1] > 0)
        and y.dtype.kind in "biuf"
    ):
        with np.errstate(over="ignore", invalid="ignore"):
            if y.dtype.kind != "f" or np.isfinite(y.sum()):
                return y
    with about("y"):
        return _check_y(y, multi_output=True, estimator=estimator)


def _check_dtype(X, estimator, start):
    if start != "new" and X.dtype != estimator.coefs_[0].dtype:
        raise ValueError(
            f"X has dtype {X.dtype}, but the model was fitted in "
            f"{estimator.coefs_[0].dtype} and its weights keep that dtype. Cast X "
            f"to {estimator.coefs_[0].dtype}, or set warm_start=False to start "
            "afresh."
        )


def _scaled_weights(sample_weight, alpha, dtype):
    """The weights brought below 1 by a power of two, and alpha with them.

    J = (sum s_i l_i + alpha/2 |W|^2) / sum s_i is unchanged when the weights
    and alpha are scaled together. Weights brought below 1 keep sum s_i from
    overflowing (a uniform 1e308 did), and a power of two keeps every product
    exact: parity holds bit for bit. Scaled in float64, then cast: float32
    weights of 1e300 overflow.
    """
    if sample_weight is None:
        return None, alpha
    exponent = np.frexp(sample_weight.max())[1]
    return (
        np.ldexp(sample_weight, -exponent).astype(dtype),
        float(np.ldexp(alpha, -exponent)),
    )


def validated_weights(estimator, sample_weight, X, y, encoding):
    """Validated float64 training weights, class weights multiplied in.

    Parameters
    ----------
    estimator : BaseBackpropMLP
    sample_weight : array-like or None
    X, y : ndarray
    encoding : LabelEncoding or RealEncoding

    Returns
    -------
    sample_weight : ndarray or None
    """
    if sample_weight is not None:
        with about("sample_weight"):
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
    return estimator._training_weights(sample_weight, y, encoding)


def check_weight_sum(sample_weight):
    """Refuse weights that are all zero: there is nothing to learn from."""
    # max, not sum: the same test for non-negative weights, and a sum of huge
    # weights overflows.
    if sample_weight is not None and not sample_weight.max() > 0:
        raise ValueError(
            "The sample weights (times class weights) sum to zero: there is "
            "nothing to learn from. Give some samples a positive weight."
        )


def validation_set(estimator, probe, X_val, y_val, X, encoding):
    X_val = checked_X(probe, X_val, reset=False, dtype=X.dtype, name="X_val")
    y_val = estimator._validate_y_val(y_val, encoding)
    if len(y_val) != X_val.shape[0]:
        raise ValueError(
            f"X_val has {X_val.shape[0]} samples but y_val has {len(y_val)}."
        )
    warn_if_rescaled(X, X_val)
    if estimator.solver == "lbfgs":
        warn(
            "X_val and y_val are only used by the stochastic solvers "
            "('sgd', 'adam'); solver='lbfgs' ignores them.",
            UserWarning,
        )
    return X_val, y_val, None


def split(estimator, X, Y, rng):
    """The internal validation split: (train_rows, validation_rows).

    Split indices, not X: only the validation rows are copied. The indices
    are those train_test_split(X, y, ...) would use, so the split matches
    scikit-learn's for the same random state.
    """
    n_samples = X.shape[0]
    fraction = estimator.validation_fraction
    n_val = math.ceil(fraction * n_samples)
    stratify = estimator._stratify(Y)
    n_classes = 0 if stratify is None else len(np.unique(stratify, axis=0))
    if n_val < max(2, n_classes) or n_samples - n_val < max(1, n_classes):
        raise ValueError(
            f"validation_fraction={fraction} of {n_samples} samples holds out "
            f"{n_val} for early stopping, too few to validate on"
            + (f" with {n_classes} classes (stratified)" if n_classes else "")
            + ": at least 2 are needed"
            + (", and one per class" if n_classes else "")
            + ". Increase validation_fraction, pass X_val and y_val, or use more "
            "data."
        )
    rows, val_rows = train_test_split(
        np.arange(n_samples),
        random_state=rng,
        test_size=fraction,
        stratify=stratify,
    )
    return rows, val_rows


@dataclass(frozen=True)
class _Data:
    """What the training data fix: the encoding, the dtype, the outputs."""

    encoding: object
    dtype: object
    n_outputs: int
    first: object  # the data (or first block) X_val's scale is checked against
    X: object = None
    Y: object = None
    y: object = None
    weights: object = None
    alpha: float = 0.0
    blocks: object = None


def in_memory(estimator, probe, source, start, incremental, classes, fitted_encoding):
    """Validate and encode in-memory training data."""
    X, y, sample_weight = source
    if y is None:
        raise ValueError(
            f"This {type(estimator).__name__} estimator requires y to be "
            "passed, but the target y is None."
        )
    # X and y apart, so that every message says which one is wrong.
    X = checked_X(probe, X, reset=start == "new")
    y = checked_y(y, estimator)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            "X and y have inconsistent numbers of samples: X has "
            f"{X.shape[0]} and y has {y.shape[0]}."
        )
    _check_dtype(X, estimator, start)
    with about("y"):
        encoding, Y, y = estimator._encode_targets(
            y, fitted_encoding, incremental, classes
        )
    if Y.dtype.kind == "f":
        # Real-valued targets train in the dtype of X, as the network does:
        # P - Y must not turn float32 gradients into float64.
        Y = Y.astype(X.dtype, copy=False)
    sample_weight = validated_weights(estimator, sample_weight, X, y, encoding)
    check_weight_sum(sample_weight)
    sample_weight, alpha = _scaled_weights(sample_weight, estimator.alpha, X.dtype)
    return _Data(encoding, X.dtype, Y.shape[1], X, X, Y, y, sample_weight, alpha)


def first_block(estimator, probe, source, start, classes, fitted_encoding):
    """What a block source's first block fixes: the features, dtype, encoding."""
    if sum(source.n_rows) == 0:
        raise ValueError("The block source is empty: it has no rows to train on.")
    if is_classifier(estimator):
        if classes is None and start == "new":
            raise ValueError(
                "classes must be given: every label the blocks hold (they are "
                "not read ahead to find them)."
            )
        if classes is not None:
            classes = np.unique(np.asarray(classes))
        if (
            start != "new"
            and classes is not None
            and not np.array_equal(classes, estimator.classes_)
        ):
            raise ValueError(
                f"classes={classes.tolist()} differs from the classes_ of the "
                f"fitted model, {estimator.classes_.tolist()}; set "
                "warm_start=False to start afresh."
            )
        if classes is None:
            classes = estimator.classes_
    else:
        classes = None  # a regressor's targets are numbers, not labels
    dtype = estimator.coefs_[0].dtype if start != "new" else None
    checked = _CheckedBlocks(source, classes, dtype)
    # The first block fixes the number of features and the dtype, and the
    # targets' encoding: partial_fit's, from `classes`.
    X0, y0, _ = checked.load(0)
    # The blocks reach validate_data as arrays: the names are the source's,
    # checked here against the model's.
    fitted_names = probe.__dict__.pop("feature_names_in_", None)
    validate_data(probe, X0, reset=start == "new", accept_sparse="csr")
    names = source.feature_names()
    if names is not None:
        probe.feature_names_in_ = names
    if start != "new":
        if not _same_names(names, fitted_names):
            raise ValueError(
                f"The blocks' columns are {_listed(names)}, but the model was "
                f"fitted on {_listed(fitted_names)}: a continued fit needs the "
                "same features in the same order. Set warm_start=False to start "
                "afresh."
            )
    encoding, Y0, _ = estimator._encode_targets(y0, fitted_encoding, True, classes)
    return _Data(encoding, checked.dtype, Y0.shape[1], X0, blocks=checked)


def _same_names(a, b):
    if a is None or b is None:
        return a is None and b is None
    return len(a) == len(b) and bool(np.all(np.asarray(a) == np.asarray(b)))


def _listed(names):
    return "unnamed" if names is None else str(list(names))


def block_loader(estimator, source, data, run):
    from ._out_of_core import BlockLoader

    encoding = data.encoding

    def encode(X, y, sample_weight):
        _, Y, y = estimator._encode_targets(y, encoding, True, None)
        if Y.dtype.kind == "f":
            Y = Y.astype(X.dtype, copy=False)
        # Checked by the block source; unlike fit's, not scaled, and not
        # refused when all zero: the trainer skips batches that weigh
        # nothing, as fit's does.
        if sample_weight is not None:
            sample_weight = sample_weight.astype(np.float64)
        return Y, estimator._training_weights(sample_weight, y, encoding)

    return BlockLoader(
        data.blocks,
        encode,
        source.n_rows,
        batch_size(estimator, sum(source.n_rows)),
        estimator.shuffle,
        run.shuffle_rng,
    )
