"""Stochastic optimizers that update the flat parameter vector in place.

Each optimizer holds its state (velocity, moments) as flat vectors the size of
the network's ``params``, so one step is a handful of whole-vector numpy
operations, whatever the number of layers. The update rules, and the order of
their floating-point operations, are those of scikit-learn's ``SGDOptimizer``
and ``AdamOptimizer``, so that both produce the same weights.

A step works through the vectors in slices of at most ``_SLICE`` entries, so
that its intermediates fit in two small scratch buffers: beyond its state, an
optimizer holds no vector the size of ``params``, which on a large network
keeps the peak memory of training below scikit-learn's.

The learning rate is an attribute the schedule changes between epochs (see
:mod:`backprop_mlp._schedules`).

``kernels``, when a fit sets it (see :func:`backprop_mlp._kernels.compiled_kernels`),
makes a step run the compiled kernel instead, one fused pass over the whole
vectors with the same results; None (the default) keeps the numpy code here,
which is the reference.
"""

import numpy as np

__all__ = ["SGD", "Adam"]

# Entries per slice: large enough that the Python loop over slices costs
# nothing next to the arithmetic, small enough for the CPU cache.
_SLICE = 1 << 16


def _parts(n_params, dtype, *state):
    """Each slice of the vectors, with views of ``state`` and of scratch buffers.

    Returns ``[(slice, state_0[slice], ..., scratch_0, scratch_1), ...]`` for
    consecutive slices of at most ``_SLICE`` entries covering ``n_params``.
    """
    scratch = np.empty((2, min(n_params, _SLICE)), dtype=dtype)
    parts = []
    for start in range(0, n_params, _SLICE):
        part = slice(start, min(start + _SLICE, n_params))
        views = [vector[part] for vector in state]
        parts.append((part, *views, *scratch[:, : part.stop - part.start]))
    return parts


class _SlicedOptimizer:
    """What SGD and Adam share: their state as a whole, and how it is copied.

    Pickles (and deep-copies) an optimizer's state, not the views into it:
    copied views would no longer share memory with the state vectors, so the
    per-slice views are rebuilt instead.
    The dtype is saved by name: skops trusts a string, but lists a
    ``numpy.dtype`` among the types to review.
    """

    # The compiled kernels of the current fit (None: numpy's); each fit sets
    # them anew, and a pickle never holds them.
    kernels = None

    def state(self):
        """The state vectors, each of shape (n_params,).

        Returns
        -------
        state : tuple of ndarray
            The velocity (SGD), or the first and second moments (Adam).
        """
        return self._state()

    def continue_from(self, other):
        """Go on from ``other``'s progress with this optimizer's settings.

        The state vectors (and Adam's step count) are copied from ``other``,
        an optimizer of the same kind and size. Its adapted learning rate
        carries over too, unless the two were made with different initial
        rates: a learning rate the user changed is applied.

        Parameters
        ----------
        other : SGD or Adam
            Of the same class, ``n_params`` and ``dtype`` as this one.
        """
        for mine, theirs in zip(self.state(), other.state(), strict=True):
            mine[...] = theirs
        if hasattr(other, "t"):
            self.t = other.t
        if other.learning_rate_init == self.learning_rate_init:
            self.learning_rate = other.learning_rate

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_parts"]
        state["dtype"] = self.dtype.name
        state.pop("kernels", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.dtype = np.dtype(self.dtype)
        self._parts = _parts(self.n_params, self.dtype, *self._state())


class SGD(_SlicedOptimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    ``v <- momentum * v - lr * g``, then ``params += v``, or with Nesterov's
    look-ahead ``params += momentum * v - lr * g``.

    Parameters
    ----------
    n_params : int
        The length of the parameter vector.
    dtype : dtype
        The dtype of the parameters.
    learning_rate : float
        The initial step size.
    momentum : float, default=0.9
        The weight of the previous velocity, in [0, 1].
    nesterov : bool, default=True
        Whether to use Nesterov's momentum.
    """

    def __init__(self, n_params, dtype, learning_rate, momentum=0.9, nesterov=True):
        self.learning_rate_init = self.learning_rate = float(learning_rate)
        self.n_params, self.dtype = n_params, np.dtype(dtype)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype=dtype)
        self._parts = _parts(n_params, dtype, *self._state())

    def _state(self):
        return (self.velocity,)

    def step(self, params, grad):
        """Move ``params`` (in place) one step against ``grad``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
        """
        if self.kernels is not None:
            self.kernels.sgd_step(
                params,
                grad,
                self.velocity,
                self.learning_rate,
                self.momentum,
                self.nesterov,
            )
            return
        for part, v, lr_grad, update in self._parts:
            self._step(params[part], grad[part], v, lr_grad, update)

    def _step(self, params, grad, v, lr_grad, update):
        np.multiply(grad, self.learning_rate, out=lr_grad)
        v *= self.momentum
        v -= lr_grad  # v = momentum v - lr g
        if self.nesterov:
            np.multiply(v, self.momentum, out=update)
            update -= lr_grad
            params += update  # params += momentum v - lr g
        else:
            params += v


class Adam(_SlicedOptimizer):
    """Adam (Kingma & Ba, 2014), with scikit-learn's bias correction.

    ``m <- beta_1 m + (1 - beta_1) g``, ``v <- beta_2 v + (1 - beta_2) g**2``,
    ``params -= lr_t m / (sqrt(v) + epsilon)`` with
    ``lr_t = lr sqrt(1 - beta_2**t) / (1 - beta_1**t)``.

    Parameters
    ----------
    n_params : int
        The length of the parameter vector.
    dtype : dtype
        The dtype of the parameters.
    learning_rate : float
        The initial step size.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    """

    def __init__(
        self, n_params, dtype, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        self.learning_rate_init = self.learning_rate = float(learning_rate)
        self.n_params, self.dtype = n_params, np.dtype(dtype)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)
        self._parts = _parts(n_params, dtype, *self._state())

    def _state(self):
        return (self.m, self.v)

    def step(self, params, grad):
        """Move ``params`` (in place) one step against ``grad``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
        """
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        lr_t = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        if self.kernels is not None:
            self.kernels.adam_step(
                params, grad, self.m, self.v, lr_t, b1, b2, self.epsilon
            )
            return
        for part, m, v, buf, update in self._parts:
            self._step(params[part], grad[part], m, v, buf, update, lr_t)

    def _step(self, params, grad, m, v, buf, update, lr_t):
        b1, b2 = self.beta_1, self.beta_2
        m *= b1
        m += np.multiply(grad, 1 - b1, out=buf)  # m = beta_1 m + (1 - beta_1) g
        v *= b2
        np.square(grad, out=buf)
        buf *= 1 - b2
        v += buf  # v = beta_2 v + (1 - beta_2) g**2
        np.sqrt(v, out=buf)
        buf += self.epsilon
        np.multiply(m, -lr_t, out=update)
        update /= buf
        params += update  # params -= lr_t m / (sqrt(v) + epsilon)
