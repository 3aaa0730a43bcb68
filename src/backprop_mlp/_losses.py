"""The output layer and its log-loss, paired so that their gradient is ``P - Y``.

A classifier's last layer turns ``z_L`` into probabilities ``P`` and is scored
by the log-loss against the 0/1 indicator targets ``Y``:

- binary and multilabel targets: one logistic unit per column,
  ``P = sigmoid(z_L)``, with the binary cross-entropy summed over columns;
- multiclass targets: ``P = softmax(z_L)``, with the categorical cross-entropy.

Both pairs are *canonical links*: the derivative of the loss with respect to
``z_L`` collapses to ``P - Y`` (:func:`log_loss_output_delta`). That is why the
output layer is not an :class:`~backprop_mlp._activations.Activation` with a
derivative of its own: the two are differentiated together.

The loss values follow scikit-learn's ``MLPClassifier`` exactly, including its
clipping of probabilities to ``[eps, 1 - eps]``, so that loss curves can be
compared number for number.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ._activations import softmax

__all__ = [
    "LOGISTIC_OUTPUT",
    "SOFTMAX_OUTPUT",
    "OutputLayer",
    "binary_log_loss",
    "categorical_log_loss",
    "log_loss_output_delta",
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
