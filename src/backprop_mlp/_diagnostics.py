"""Diagnostics a fit runs on its inputs: clear messages, and warnings of traps.

Nothing here changes data or estimators: each function either passes, warns
about something that would train silently badly, or raises a message that
names the argument and says what to do.
"""

import os
import re
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.sparsefuncs import mean_variance_axis

from ._warnings import warn

__all__ = [
    "about",
    "check_network_size",
    "warn_if_rescaled",
    "warn_if_target_scale_is_extreme",
]


@contextmanager
def about(argument):
    """Put the argument's name in front of a validator's message.

    scikit-learn's and numpy's validators say "Expected 2D array" or
    "Complex data not supported" without saying of what. Messages that name
    the argument already (or X's feature names) pass unchanged.
    """
    try:
        yield
    except (ValueError, TypeError) as error:
        message = str(error)
        named = rf"(?<![\w.]){argument}(?!\w)|feature names"
        if isinstance(error, InvalidParameterError) or re.search(named, message):
            raise
        kind = TypeError if isinstance(error, TypeError) else ValueError
        raise kind(f"{argument} is invalid: {message}") from error


def _row_sample(X, n_rows=10_000):
    """Every k-th row, at most ``n_rows``: enough for a mean and a spread,
    without a temporary the size of a large X."""
    step = -(-X.shape[0] // n_rows)
    return X[::step] if step > 1 else X


def _column_stats(X):
    """Per-feature mean and standard deviation, dense or sparse.

    Features near the float maximum overflow them: those come out non-finite,
    without numpy's warnings, and the caller leaves them out.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if sp.issparse(X):
            mean, var = mean_variance_axis(X.tocsr(), axis=0)
        else:
            mean, var = X.mean(axis=0), X.var(axis=0)
        return mean, np.sqrt(var)


_SCALE_SHIFT = 3
_SCALE_RATIO = 3


def warn_if_rescaled(X, X_val):
    """Warn when X_val is plainly on another scale than the training data.

    The trap this catches: ``pipe.fit(X, y, est__X_val=X_val)`` hands the
    estimator X_val without the Pipeline's earlier steps (a scaler, say),
    and early stopping then watches meaningless numbers. Drawn from the
    training distribution, each feature's validation mean lies within a few
    ``1 / sqrt(n_val)`` training standard deviations of the training mean,
    and its spread within a small factor; the warning needs half of the
    features that vary in the training data to be far off either way.
    """
    mean, std = _column_stats(_row_sample(X))
    mean_val, std_val = _column_stats(_row_sample(X_val))
    varying = (std > 0) & np.isfinite(std) & np.isfinite(mean)
    if not varying.any():
        return
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = np.abs(mean_val - mean) > _SCALE_SHIFT * std
    respread = (X_val.shape[0] >= 20) & (
        (std_val > _SCALE_RATIO * std) | (_SCALE_RATIO * std_val < std)
    )
    off = (shifted | respread) & varying
    if off.sum() * 2 >= varying.sum():
        constant = X.shape[1] - varying.sum()
        why = (
            f" ({constant} of the {X.shape[1]} features are constant in X and "
            "not compared)"
            if constant
            else ""
        )
        warn(
            f"X_val looks like it is on another scale than X: in {off.sum()} of "
            f"the {varying.sum()} features that vary in X{why}, its mean lies "
            f"more than {_SCALE_SHIFT} training standard deviations away, or its "
            f"spread differs more than {_SCALE_RATIO}-fold. In a Pipeline, an "
            "X_val passed as fit(..., <step>__X_val=...) skips the earlier steps "
            "(a scaler, say): route it with metadata routing and "
            'Pipeline(..., transform_input=["X_val"]) so that it is transformed '
            "like X.",
            UserWarning,
        )


# Targets this far from 1 in magnitude leave a network's initial outputs
# (of order 1) useless and its gradients out of scale: Adam's normalised steps
# then need ~1e20 / learning_rate steps to get there.
_TARGET_SCALE_LIMIT = 1e6


def warn_if_target_scale_is_extreme(y, name="y"):
    """Warn when real targets are far too large (or small) for a network.

    Parameters
    ----------
    y : ndarray of float
        The validated targets of a regressor.
    name : str, default='y'
    """
    finite = y[np.isfinite(y)]
    if finite.size == 0:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        scale = float(np.max(np.abs(finite - np.median(finite))))
    if scale > _TARGET_SCALE_LIMIT:
        warn(
            f"{name} spreads over about {scale:.3g}, far beyond the outputs of "
            "order 1 that a network starts from: training will barely move "
            "(the loss and the score stay where they began). Scale the target, "
            "e.g. TransformedTargetRegressor(regressor, "
            "transformer=StandardScaler()).",
            UserWarning,
        )


def _physical_memory():
    """The machine's memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_network_size(n_params, dtype, n_copies):
    """Refuse a network whose parameters cannot fit in this machine's memory.

    Checked before anything is allocated: numpy's own error comes after a long
    wait, or a traceback, and says nothing of the network.

    Parameters
    ----------
    n_params : int
        Weights and biases of the network.
    dtype : dtype
    n_copies : int
        The vectors of that size training holds (parameters, gradient,
        optimizer state, ...).
    """
    needed = n_params * np.dtype(dtype).itemsize * n_copies
    memory = _physical_memory()
    if memory is not None and needed > memory:
        raise ValueError(
            f"The network has {n_params:,} parameters: training it needs "
            f"{n_copies} vectors of that size, {needed / 2**30:,.1f} GiB in "
            f"{np.dtype(dtype).name}, more than this machine's "
            f"{memory / 2**30:,.1f} GiB of memory. Use smaller "
            "hidden_layer_sizes."
        )
