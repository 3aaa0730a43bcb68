"""Activation functions, each defined once with its derivative beside it.

Every activation is one :class:`Activation` record: ``function(z)`` computes
``a = f(z)`` and ``derivative(z, a)`` computes ``f'(z)``. The derivative gets
``a`` as well as ``z`` because several derivatives are cheapest written in terms
of the output (``logistic: a (1 - a)``, ``tanh: 1 - a**2``). ``function(z,
out=buffer)`` writes ``f(z)`` into a preallocated array, so that training
allocates nothing per batch.

All functions keep the dtype of ``z`` (float32 stays float32) and are written
so that no intermediate overflows for ``|z|`` up to ``1e4`` and beyond.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit

__all__ = ["ACTIVATIONS", "HIDDEN_ACTIVATIONS", "Activation", "softmax"]

# sqrt(2 / pi) and the cubic coefficient of the tanh approximation of GELU
# (Hendrycks & Gimpel, 2016).
_GELU_C = math.sqrt(2.0 / math.pi)  # a Python float: keeps float32 float32
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
        ``function(z, out=None) -> a``, the element-wise activation ``a =
        f(z)``, written into ``out`` (an array like ``z``, not ``z`` itself)
        when given. Without ``out`` the identity returns ``z`` itself.
    derivative : callable
        ``derivative(z, a) -> f'(z)``, where ``a = function(z)``.
    derivative_from_output : bool
        Whether ``derivative`` reads only ``a``, so that it may be called as
        ``derivative(None, a)`` once ``z`` has been overwritten. The network
        then reuses the array of ``z_k`` in the backward pass.
    glorot_factor : float
        The numerator of the Glorot-uniform bound ``sqrt(factor / (fan_in +
        fan_out))`` used for layers with this activation: 2 for logistic, 6
        otherwise, as in scikit-learn.
    derivative_kernel : callable or None, default=None
        ``derivative_kernel(da, z, a)``, a fused ``da *= derivative(z, a)``
        in place; set on the compiled records of
        :meth:`backprop_mlp._operations.CompiledOperations.activation`.
    """

    name: str
    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    derivative_from_output: bool = False
    glorot_factor: float = 6.0
    derivative_kernel: Callable | None = None

    def multiply_derivative(self, da, z, a):
        """Multiply the gradient ``da`` by ``f'(z)``, in place.

        Parameters
        ----------
        da : ndarray
            ``dL/da``, overwritten by ``dL/dz = da * f'(z)``.
        z, a : ndarray
            As for ``derivative``; ``z`` may be None when
            ``derivative_from_output``.

        Returns
        -------
        dz : ndarray
            ``da`` itself.
        """
        if self.derivative_kernel is None:
            da *= self.derivative(z, a)
        else:
            self.derivative_kernel(da, z, a)
        return da


def _identity(z, out=None):
    return z if out is None else _into(out, z)


def _into(out, a):
    """Return ``a``, copied into ``out`` when one is given."""
    if out is None:
        return a
    out[...] = a
    return out


def _identity_derivative(z, a):
    # Only ever multiplied into dz, so a scalar 1 broadcasts at no cost.
    return 1


def _logistic_derivative(z, a):
    return a * (1 - a)


def _tanh_derivative(z, a):
    return 1 - a * a


def _relu(z, out=None):
    # max(z, 0) as the maximum of z and an array of zeros: numpy's vectorised
    # loop for maximum takes two arrays, and with the scalar 0 it runs 2-5x
    # slower.
    if out is None:
        out = np.zeros(z.shape, z.dtype)  # np.zeros_like costs 3x more
    else:
        out.fill(0)
    return np.maximum(z, out, out=out)


def _relu_derivative(z, a):
    # The subgradient 0 at z == 0, as scikit-learn takes it; a > 0 iff z > 0.
    return a > 0


def _leaky_relu(z, out=None):
    return _into(out, np.where(z > 0, z, LEAKY_SLOPE * z))


def _leaky_relu_derivative(z, a):
    return np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype, copy=False)


def _elu(z, out=None):
    # expm1 only sees z <= 0, so it can never overflow.
    return _into(out, np.where(z > 0, z, np.expm1(np.minimum(z, 0))))


def _elu_derivative(z, a):
    # For z <= 0, f(z) = exp(z) - 1, so f'(z) = exp(z) = a + 1.
    return np.where(z > 0, 1, a + 1).astype(z.dtype, copy=False)


def _softplus(z, out=None):
    # log(1 + exp(z)) = -log(sigmoid(-z)): no overflow, and no underflow flag
    # for very negative z as np.logaddexp would raise.
    return _into(out, -log_expit(-z))


def _softplus_derivative(z, a):
    return expit(z)


def _gelu(z, out=None):
    t = np.tanh(_GELU_C * (z + _GELU_K * z**3)).astype(z.dtype)
    return _into(out, 0.5 * z * (1 + t))


def _gelu_derivative(z, a):
    t = np.tanh(_GELU_C * (z + _GELU_K * z**3)).astype(z.dtype)
    # d/dz of 0.5 z (1 + tanh(u)), u = c (z + k z^3); for large |z|, 1 - t**2
    # is exactly 0, so the large polynomial factor never makes an inf.
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * (_GELU_C * (1 + 3 * _GELU_K * z * z))


def _swish(z, out=None):
    return _into(out, z * expit(z))


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
    if z.shape[0] < 64:
        z -= np.maximum.reduce(z, axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= np.add.reduce(z, axis=1, keepdims=True)
        return z
    # On many rows of a few classes numpy's reductions along rows are slow:
    # the row maxima come 2-4x faster from the transposed copy, reduced along
    # its first axis, and the row sums from a product with a vector of ones.
    z -= np.maximum.reduce(z.T.copy(), axis=0)[:, np.newaxis]
    np.exp(z, out=z)
    z /= (z @ np.ones(z.shape[1], z.dtype))[:, np.newaxis]
    return z


ACTIVATIONS = {
    act.name: act
    for act in [
        Activation(
            "identity", _identity, _identity_derivative, derivative_from_output=True
        ),
        Activation(
            "logistic",
            expit,
            _logistic_derivative,
            derivative_from_output=True,
            glorot_factor=2.0,
        ),
        Activation("tanh", np.tanh, _tanh_derivative, derivative_from_output=True),
        Activation("relu", _relu, _relu_derivative, derivative_from_output=True),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_derivative),
        Activation("elu", _elu, _elu_derivative),
        Activation("softplus", _softplus, _softplus_derivative),
        Activation("gelu", _gelu, _gelu_derivative),
        Activation("swish", _swish, _swish_derivative),
    ]
}
"""Every activation by name, each usable in hidden layers."""

HIDDEN_ACTIVATIONS = frozenset(ACTIVATIONS)
