"""Compiled (numba) versions of the element-wise hot spots of training.

Imported only by :mod:`backprop_mlp._operations`, and only when a fit chooses the
compiled path: importing this module imports numba.

Each kernel does, element by element and in one pass, what the numpy
reference does in several whole-array passes, with the same floating-point
operations in the same order, and so gives bit-identical results:

- every operation is done in the dtype numpy does it in, and rounded to the
  array's dtype exactly where numpy stores a result into an array of that
  dtype. Scalars arrive typed as numpy would promote them (see
  ``_operations._scalar``): a float32 array with a Python float is float32
  arithmetic, with a numpy float64 (Adam's ``lr_t``) float64 arithmetic,
  rounded (``cast``) where numpy stores;
- no ``fastmath``: no contraction into fused multiply-adds, no reassociation;
- numpy's error model: a division by zero gives inf or NaN as in numpy,
  rather than raising as in Python, and the loops, free of that check,
  vectorise;
- no transcendental function (exp, tanh, log...): numba would call libm,
  whose results differ in the last bit from numpy's own SIMD code, so those
  kernels stay numpy's.

Each kernel ``name(..., start, stop)`` works on entries (or rows)
``start:stop``, so that it is both the one-thread kernel, called on the whole
range, and the body of ``name_parallel``, which hands chunks of the range to
numba's threads. Everything is cached on disk (``cache=True``), so that a
process after the first loads the machine code instead of compiling it.
"""

import numpy as np
from numba import njit, prange

# Entries (of a vector) or rows times columns (of a matrix) per parallel
# chunk: enough work that a thread's hand-off costs nothing next to it.
_CHUNK = 1 << 14


@njit(cache=True, nogil=True, error_model="numpy")
def _chunks(n, per_chunk):
    """The number of chunks of at most ``per_chunk`` covering ``n``."""
    return (n + per_chunk - 1) // per_chunk


# ----------------------------------------------------------- optimizers


@njit(cache=True, nogil=True, error_model="numpy")
def adam_step(params, grad, m, v, b1, c1, b2, c2, eps, neg_lr_t, start, stop):
    """scikit-learn's Adam update of entries ``start:stop``, in place.

    ``c1 = 1 - b1``, ``c2 = 1 - b2``, ``neg_lr_t = -lr_t``; see
    :class:`backprop_mlp._optimizers.Adam` for the rule and its order.
    """
    cast = params.dtype.type
    # Loops over slices from 0 vectorise; over range(start, stop) they do
    # not, since the index might be negative and wrap around.
    params, grad = params[start:stop], grad[start:stop]
    m, v = m[start:stop], v[start:stop]
    for i in range(params.shape[0]):
        g = grad[i]
        mi = cast(cast(m[i] * b1) + cast(g * c1))
        m[i] = mi
        vi = cast(cast(v[i] * b2) + cast(cast(g * g) * c2))
        v[i] = vi
        denominator = cast(cast(np.sqrt(vi)) + eps)
        update = cast(cast(mi * neg_lr_t) / denominator)
        params[i] = cast(params[i] + update)


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def adam_step_parallel(params, grad, m, v, b1, c1, b2, c2, eps, neg_lr_t):
    """:func:`adam_step` on the whole vector, a chunk per thread."""
    n = params.shape[0]
    for c in prange(_chunks(n, _CHUNK)):
        start = c * _CHUNK
        stop = min(start + _CHUNK, n)
        adam_step(params, grad, m, v, b1, c1, b2, c2, eps, neg_lr_t, start, stop)


@njit(cache=True, nogil=True, error_model="numpy")
def sgd_step(params, grad, velocity, lr, momentum, nesterov, start, stop):
    """scikit-learn's SGD update with momentum of entries ``start:stop``.

    See :class:`backprop_mlp._optimizers.SGD` for the rule and its order.
    """
    cast = params.dtype.type
    params, grad = params[start:stop], grad[start:stop]
    velocity = velocity[start:stop]
    for i in range(params.shape[0]):
        lr_grad = cast(grad[i] * lr)
        vi = cast(cast(velocity[i] * momentum) - lr_grad)
        velocity[i] = vi
        if nesterov:
            params[i] = cast(params[i] + cast(cast(vi * momentum) - lr_grad))
        else:
            params[i] = cast(params[i] + vi)


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def sgd_step_parallel(params, grad, velocity, lr, momentum, nesterov):
    """:func:`sgd_step` on the whole vector, a chunk per thread."""
    n = params.shape[0]
    for c in prange(_chunks(n, _CHUNK)):
        start = c * _CHUNK
        stop = min(start + _CHUNK, n)
        sgd_step(params, grad, velocity, lr, momentum, nesterov, start, stop)


@njit(cache=True, nogil=True, error_model="numpy")
def add_scaled(y, c, x, round_product, start, stop):
    """``y += c * x`` on entries ``start:stop``: the L2 penalty's gradient.

    ``round_product`` says whether numpy rounds ``c * x`` to ``y``'s dtype
    before adding (a float32 product) or adds it unrounded (a float64 ``c``
    with float32 arrays), see ``CompiledKernels.add_scaled``.
    """
    cast = y.dtype.type
    y, x = y[start:stop], x[start:stop]
    if round_product:
        for i in range(y.shape[0]):
            y[i] = cast(y[i] + cast(c * x[i]))
    else:
        for i in range(y.shape[0]):
            y[i] = cast(y[i] + c * x[i])


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def add_scaled_parallel(y, c, x, round_product):
    """:func:`add_scaled` on the whole vector, a chunk per thread."""
    n = y.shape[0]
    for ch in prange(_chunks(n, _CHUNK)):
        start = ch * _CHUNK
        add_scaled(y, c, x, round_product, start, min(start + _CHUNK, n))


# ---------------------------------------------------------- activations
#
# Matrices of shape (n_samples, n_units), worked through a row at a time;
# ``kind`` picks the activation, so that one kernel (and one compilation)
# serves them all. Each kind has its own inner loop: a test of ``kind``
# inside it would keep the loop from vectorising.

RELU, LEAKY_RELU, LOGISTIC, TANH = 0, 1, 2, 3


@njit(cache=True, nogil=True, error_model="numpy")
def activate(kind, z, out, slope, start, stop):
    """``out = f(z)`` on rows ``start:stop``, for relu and leaky relu.

    Relu is numpy's ``maximum(z, 0)``: ``z`` where ``z > 0`` or NaN, else +0.
    Leaky relu is ``where(z > 0, z, slope * z)``.
    """
    cast = out.dtype.type
    zero = cast(0)
    for i in range(start, stop):
        x, y = z[i], out[i]
        if kind == RELU:
            for j in range(x.shape[0]):
                # NaN <= 0 is False; -0.0 gives +0.0, as numpy's maximum.
                y[j] = zero if x[j] <= 0 else x[j]
        else:
            for j in range(x.shape[0]):
                y[j] = x[j] if x[j] > 0 else cast(slope * x[j])


@njit(cache=True, nogil=True, error_model="numpy")
def multiply_derivative(kind, da, z, a, slope, start, stop):
    """``da *= f'(z)`` on rows ``start:stop``, in place.

    With numpy's expressions of the derivatives: relu ``a > 0``, leaky relu
    ``where(z > 0, 1, slope)``, logistic ``a (1 - a)``, tanh ``1 - a a``.
    ``z`` is only read for leaky relu, and ``a`` for the others.
    """
    cast = da.dtype.type
    # In the arrays' dtype, as numpy computes with a Python 1 or a boolean.
    one, zero = cast(1), cast(0)
    for i in range(start, stop):
        d, x, y = da[i], z[i], a[i]
        if kind == RELU:
            for j in range(d.shape[0]):
                d[j] = d[j] * (one if y[j] > 0 else zero)
        elif kind == LEAKY_RELU:
            for j in range(d.shape[0]):
                d[j] = d[j] * (one if x[j] > 0 else slope)
        elif kind == LOGISTIC:
            for j in range(d.shape[0]):
                d[j] = d[j] * (y[j] * (one - y[j]))
        else:
            for j in range(d.shape[0]):
                d[j] = d[j] * (one - y[j] * y[j])


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def activate_parallel(kind, z, out, slope):
    """:func:`activate` on all rows, a chunk of rows per thread."""
    n = z.shape[0]
    rows = max(1, _CHUNK // max(1, z.shape[1]))
    for c in prange(_chunks(n, rows)):
        activate(kind, z, out, slope, c * rows, min(c * rows + rows, n))


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def multiply_derivative_parallel(kind, da, z, a, slope):
    """:func:`multiply_derivative` on all rows, a chunk of rows per thread."""
    n = da.shape[0]
    rows = max(1, _CHUNK // max(1, da.shape[1]))
    for c in prange(_chunks(n, rows)):
        multiply_derivative(kind, da, z, a, slope, c * rows, min(c * rows + rows, n))
