"""Activation functions, each defined once with its derivative beside it.

Every activation is one :class:`Activation` record: ``function(z)`` computes
``a = f(z)`` and ``derivative(z, a)`` computes ``f'(z)``. The derivative gets
``a`` as well as ``z`` because several derivatives are cheapest written in terms
of the output (``logistic: a (1 - a)``, ``tanh: 1 - a**2``).

All functions keep the dtype of ``z`` (float32 stays float32) and are written
so that no intermediate overflows for ``|z|`` up to ``1e4`` and beyond.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

__all__ = ["ACTIVATIONS", "HIDDEN_ACTIVATIONS", "Activation", "softmax"]

# sqrt(2 / pi) and the cubic coefficient of the tanh approximation of GELU
# (Hendrycks & Gimpel, 2016).
_GELU_C = np.sqrt(2.0 / np.pi)
_GELU_K = 0.044715
# Slope of leaky ReLU for negative inputs, as in PyTorch and Keras.
LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An activation function ``f`` together with its derivative ``f'``.

    Parameters
    ----------
    name : str
        The name users pass as ``activation``.
    function : callable
        ``function(z) -> a``, the element-wise activation ``a = f(z)``.
    derivative : callable
        ``derivative(z, a) -> f'(z)``, where ``a = function(z)``.
    glorot_factor : float
        The numerator of the Glorot-uniform bound ``sqrt(factor / (fan_in +
        fan_out))`` used for layers with this activation: 2 for logistic, 6
        otherwise, as in scikit-learn.
    """

    name: str
    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    glorot_factor: float = 6.0


def _identity(z):
    return z


def _identity_derivative(z, a):
    # Only ever multiplied into dz, so a scalar 1 broadcasts at no cost.
    return 1


def _logistic_derivative(z, a):
    return a * (1 - a)


def _tanh_derivative(z, a):
    return 1 - a * a


def _relu(z):
    return np.maximum(z, 0)


def _relu_derivative(z, a):
    # The subgradient 0 at z == 0, as scikit-learn takes it.
    return z > 0


def _leaky_relu(z):
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_relu_derivative(z, a):
    return np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype, copy=False)


def _elu(z):
    # expm1 only sees z <= 0, so it can never overflow.
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def _elu_derivative(z, a):
    # For z <= 0, f(z) = exp(z) - 1, so f'(z) = exp(z) = a + 1.
    return np.where(z > 0, 1, a + 1).astype(z.dtype, copy=False)


def _softplus(z):
    # log(1 + exp(z)) without overflow.
    return np.logaddexp(z, 0).astype(z.dtype, copy=False)


def _softplus_derivative(z, a):
    return expit(z)


def _gelu(z):
    return 0.5 * z * (1 + np.tanh(_GELU_C * (z + _GELU_K * z**3)).astype(z.dtype))


def _gelu_derivative(z, a):
    t = np.tanh(_GELU_C * (z + _GELU_K * z**3)).astype(z.dtype)
    # d/dz of 0.5 z (1 + tanh(u)), u = c (z + k z^3); for large |z|, 1 - t**2
    # is exactly 0, so the large polynomial factor never makes an inf.
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * (_GELU_C * (1 + 3 * _GELU_K * z * z))


def _swish(z):
    return z * expit(z)


def _swish_derivative(z, a):
    # f = z s, f' = s + z s (1 - s) = s + a (1 - s), with s = sigmoid(z).
    s = expit(z)
    return s + a * (1 - s)


def softmax(z):
    """Row-wise softmax ``exp(z_i) / sum_j exp(z_j)``, shifted to avoid overflow.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)
        Pre-activations of the output layer; overwritten.

    Returns
    -------
    p : ndarray of shape (n_samples, n_classes)
        Class probabilities, rows summing to one; the same array as ``z``.
    """
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


ACTIVATIONS = {
    act.name: act
    for act in [
        Activation("identity", _identity, _identity_derivative),
        Activation("logistic", expit, _logistic_derivative, glorot_factor=2.0),
        Activation("tanh", np.tanh, _tanh_derivative),
        Activation("relu", _relu, _relu_derivative),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_derivative),
        Activation("elu", _elu, _elu_derivative),
        Activation("softplus", _softplus, _softplus_derivative),
        Activation("gelu", _gelu, _gelu_derivative),
        Activation("swish", _swish, _swish_derivative),
    ]
}
"""Every activation by name, each usable in hidden layers."""

HIDDEN_ACTIVATIONS = frozenset(ACTIVATIONS)
