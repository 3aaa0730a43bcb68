"""Output layers and their losses, paired so that their gradient is ``P - Y``.

A classifier's last layer turns ``z_L`` into probabilities ``P`` and is scored
by the log-loss against the 0/1 indicator targets ``Y``:

- binary and multilabel targets: one logistic unit per column,
  ``P = sigmoid(z_L)``, with the binary cross-entropy summed over columns;
- multiclass targets: ``P = softmax(z_L)``, with the categorical cross-entropy.

A regressor's last layer predicts the targets themselves:

- ``loss='squared_error'``: the identity, ``P = z_L``, with half the squared
  error;
- ``loss='poisson'``: the exponential, ``P = exp(z_L)`` (a log link, so that
  predictions are positive), with half the Poisson deviance.

All four pairs are *canonical links*: the derivative of the loss with respect
to ``z_L`` collapses to ``P - Y`` (:func:`log_loss_output_delta`,
:func:`squared_error_output_delta`, :func:`poisson_output_delta`). That is why
the output layer is not an :class:`~backprop_mlp._activations.Activation` with
a derivative of its own: the two are differentiated together.

The loss values follow scikit-learn's ``MLPClassifier`` and ``MLPRegressor``
exactly (the clipping of probabilities to ``[eps, 1 - eps]``, the constant
terms of the Poisson deviance), so that loss curves can be compared number for
number, with one exception: scikit-learn 1.9 *averages* the squared error over
the outputs of a multi-output target while its gradient is that of their
*sum*, a known bug (scikit-learn issue #8349) that breaks its L-BFGS line
search. Here the squared error is summed over outputs like every other loss,
so that the loss and its gradient describe the same function.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, xlogy

from ._activations import softmax

__all__ = [
    "IDENTITY_OUTPUT",
    "LOGISTIC_OUTPUT",
    "OUTPUT_LAYERS",
    "POISSON_OUTPUT",
    "SOFTMAX_OUTPUT",
    "OutputLayer",
    "binary_log_loss",
    "categorical_log_loss",
    "half_poisson_deviance",
    "half_squared_error",
    "log_loss_output_delta",
    "poisson_output_delta",
    "squared_error_output_delta",
]


def _mean_negative_log(q, sample_weight):
    """``-sum_columns average_rows log(clip(q))``, the clipping sklearn uses.

    Overwrites ``q``. Written with ufuncs rather than ``np.clip`` and
    ``np.average``, whose Python wrappers cost more than the arithmetic on
    a mini-batch.
    """
    eps = np.finfo(q.dtype).eps
    np.minimum(np.maximum(q, eps, out=q), 1 - eps, out=q)  # clip(q, eps, 1 - eps)
    np.log(q, out=q)
    if sample_weight is None:
        column_means = np.add.reduce(q, axis=0) / q.shape[0]
    else:
        column_means = sample_weight @ q / sample_weight.sum()
    return -float(column_means.sum())


def binary_log_loss(Y, P, sample_weight=None):
    """Mean binary cross-entropy of independent logistic outputs.

    .. math:: L = -\\frac{1}{\\sum_i s_i} \\sum_i s_i \\sum_j
        \\left[ y_{ij} \\log p_{ij} + (1 - y_{ij}) \\log (1 - p_{ij}) \\right]

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs), bool
        Indicator targets.
    P : ndarray of shape (n_samples, n_outputs)
        Predicted probabilities of the positive class of each column.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights ``s_i``; all ones when None.

    Returns
    -------
    loss : float
    """
    # For 0/1 targets the two terms never both count: pick p or 1 - p.
    return _mean_negative_log(np.where(Y, P, 1 - P), sample_weight)


def categorical_log_loss(Y, P, sample_weight=None):
    """Mean categorical cross-entropy of softmax outputs.

    .. math:: L = -\\frac{1}{\\sum_i s_i} \\sum_i s_i \\log p_{i, c_i}

    where ``c_i`` is the class of sample ``i``.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_classes), bool
        One-hot targets.
    P : ndarray of shape (n_samples, n_classes)
        Predicted class probabilities.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights ``s_i``; all ones when None.

    Returns
    -------
    loss : float
    """
    # Exactly one True per row, so this is the probability of the true class.
    return _mean_negative_log(P[Y].reshape(-1, 1), sample_weight)


def log_loss_output_delta(P, Y):
    """Gradient of the log-loss with respect to the output pre-activation ``z_L``.

    For a logistic output with binary cross-entropy, per unit,

    .. math:: \\frac{\\partial L}{\\partial z} = \\frac{\\partial L}{\\partial p}
        \\sigma'(z) = \\left(-\\frac{y}{p} + \\frac{1 - y}{1 - p}\\right) p (1 - p)
        = p - y,

    and for softmax with categorical cross-entropy,
    ``dL/dz_j = sum_c (-y_c / p_c) p_c (delta_cj - p_j) = p_j - y_j``. Both give
    ``P - Y`` per sample; the caller weights and averages over the batch.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_outputs)
        Predicted probabilities.
    Y : ndarray of shape (n_samples, n_outputs), bool
        Indicator targets.

    Returns
    -------
    dz : ndarray of shape (n_samples, n_outputs)
        ``P - Y``, a new array of the dtype of ``P``.
    """
    return P - Y


def _weighted_column_means_sum(per_entry, sample_weight):
    """``sum_columns average_rows per_entry``, weighted by ``sample_weight``."""
    if sample_weight is None:
        column_means = np.add.reduce(per_entry, axis=0) / per_entry.shape[0]
    else:
        column_means = sample_weight @ per_entry / sample_weight.sum()
    return float(column_means.sum())


def half_squared_error(Y, P, sample_weight=None):
    """Half the squared error, averaged over samples and summed over outputs.

    .. math:: L = \\frac{1}{\\sum_i s_i} \\sum_i s_i \\sum_j
        \\tfrac{1}{2} (y_{ij} - p_{ij})^2

    For one output this is scikit-learn's ``squared_loss``. For several,
    scikit-learn 1.9 divides by their number while its gradient does not;
    the sum keeps this loss the function whose gradient
    :func:`squared_error_output_delta` is (see the module docstring).

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        The targets.
    P : ndarray of shape (n_samples, n_outputs)
        The predictions.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights ``s_i``; all ones when None.

    Returns
    -------
    loss : float
    """
    residual = P - Y
    residual *= residual
    return 0.5 * _weighted_column_means_sum(residual, sample_weight)


def squared_error_output_delta(P, Y):
    """Gradient of half the squared error with respect to ``z_L``, identity output.

    With ``p = z`` (identity output) and ``L = (y - p)^2 / 2`` per output,

    .. math:: \\frac{\\partial L}{\\partial z} =
        \\frac{\\partial L}{\\partial p} \\frac{\\partial p}{\\partial z}
        = (p - y) \\cdot 1 = p - y.

    The identity is the canonical link of the Gaussian: ``P - Y`` again, per
    sample; the caller weights and averages over the batch.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_outputs)
        The predictions ``z_L``.
    Y : ndarray of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    dz : ndarray of shape (n_samples, n_outputs)
        ``P - Y``, a new array.
    """
    return P - Y


def half_poisson_deviance(Y, P, sample_weight=None):
    """Half the Poisson deviance, averaged over samples and summed over outputs.

    .. math:: L = \\frac{1}{\\sum_i s_i} \\sum_i s_i \\sum_j
        \\left[ y_{ij} \\log \\frac{y_{ij}}{p_{ij}} - y_{ij} + p_{ij} \\right]

    with ``0 log 0 = 0``: scikit-learn's ``poisson_loss``, computed the same
    way, constant terms ``y log y - y`` included (they do not change the
    gradient, and make a perfect prediction's loss 0).

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        Non-negative targets.
    P : ndarray of shape (n_samples, n_outputs)
        Positive predictions.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights ``s_i``; all ones when None.

    Returns
    -------
    loss : float
    """
    # An exp output that underflowed to 0 makes the loss inf (y > 0), which
    # training reports as divergence; no numpy warning on top.
    with np.errstate(divide="ignore", invalid="ignore"):
        per_entry = xlogy(Y, Y / P)
    per_entry -= Y
    per_entry += P
    return _weighted_column_means_sum(per_entry, sample_weight)


def poisson_output_delta(P, Y):
    """Gradient of half the Poisson deviance with respect to ``z_L``, exp output.

    With ``p = exp(z)`` (log link) and ``L = y log(y / p) - y + p``,

    .. math:: \\frac{\\partial L}{\\partial z} =
        \\left(-\\frac{y}{p} + 1\\right) \\frac{\\partial p}{\\partial z}
        = \\left(-\\frac{y}{p} + 1\\right) p = p - y.

    The logarithm is the canonical link of the Poisson distribution: ``P - Y``
    again, per sample; the caller weights and averages over the batch.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_outputs)
        The predictions ``exp(z_L)``.
    Y : ndarray of shape (n_samples, n_outputs)
        The targets.

    Returns
    -------
    dz : ndarray of shape (n_samples, n_outputs)
        ``P - Y``, a new array.
    """
    return P - Y


def _identity(z):
    return z


def _exp_inplace(z):
    return np.exp(z, out=z)


def _logistic_inplace(z):
    return expit(z, out=z)


@dataclass(frozen=True)
class OutputLayer:
    """An output activation, the loss it is trained with, and their joint delta.

    The network knows no particular loss: it computes ``P = activation(z_L)``,
    asks ``loss(Y, P)`` for the objective and starts back-propagation from
    ``delta(P, Y)``, the derivative of the loss with respect to ``z_L``.

    Parameters
    ----------
    name : str
        scikit-learn's ``out_activation_`` name.
    activation : callable
        ``activation(z) -> P``; may overwrite ``z``.
    loss : callable
        ``loss(Y, P, sample_weight) -> float``, the weighted mean over samples.
        May overwrite ``P``.
    delta : callable
        ``delta(P, Y) -> dz_L``, per sample (not yet averaged), as a new array.
    """

    name: str
    activation: Callable[[np.ndarray], np.ndarray]
    loss: Callable[..., float]
    delta: Callable[[np.ndarray, np.ndarray], np.ndarray]


LOGISTIC_OUTPUT = OutputLayer(
    "logistic", _logistic_inplace, binary_log_loss, log_loss_output_delta
)
SOFTMAX_OUTPUT = OutputLayer(
    "softmax", softmax, categorical_log_loss, log_loss_output_delta
)
IDENTITY_OUTPUT = OutputLayer(
    "identity", _identity, half_squared_error, squared_error_output_delta
)
POISSON_OUTPUT = OutputLayer(
    "exp", _exp_inplace, half_poisson_deviance, poisson_output_delta
)

# By out_activation_: a fitted model predicts with the output it was fitted
# with, whatever its parameters say now (as scikit-learn's MLP does).
OUTPUT_LAYERS = {
    output.name: output
    for output in (LOGISTIC_OUTPUT, SOFTMAX_OUTPUT, IDENTITY_OUTPUT, POISSON_OUTPUT)
}
