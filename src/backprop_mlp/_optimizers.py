"""Stochastic optimizers that update the flat parameter vector in place.

Each optimizer holds its state (velocity, moments) as flat vectors the size of
the network's ``params``, so one step is a handful of whole-vector operations,
whatever the number of layers. The update rules are those of scikit-learn's
``SGDOptimizer`` and ``AdamOptimizer``, so that both produce the same weights.
The element-wise work of a step is done by the fit's operations object (numpy's
or compiled ones, with the same results; see :mod:`backprop_mlp._operations`).

The learning rate is an attribute the schedule changes between epochs (see
:mod:`backprop_mlp._schedules`).
"""

import numpy as np

from ._operations import NumpyOperations

__all__ = ["SGD", "Adam"]


class _Optimizer:
    """What SGD and Adam share: their state as a whole, and how it is copied.

    Pickles (and deep-copies) an optimizer's state, not its operations object,
    which belongs to one fit. The dtype is saved by name: skops trusts a
    string, but lists a ``numpy.dtype`` among the types to review.
    """

    def _init(self, n_params, dtype, learning_rate, ops):
        self.learning_rate_init = self.learning_rate = float(learning_rate)
        self.n_params, self.dtype = n_params, np.dtype(dtype)
        self.ops = NumpyOperations(n_params, dtype) if ops is None else ops

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
        del state["ops"]
        state["dtype"] = self.dtype.name
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.pop("_parts", None)  # views of the state, before 0.2
        self.dtype = np.dtype(self.dtype)
        self.ops = NumpyOperations(self.n_params, self.dtype)


class SGD(_Optimizer):
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
    ops : NumpyOperations or CompiledOperations, default=None
        Who does the element-wise work; numpy's when None.
    """

    def __init__(
        self, n_params, dtype, learning_rate, momentum=0.9, nesterov=True, ops=None
    ):
        self._init(n_params, dtype, learning_rate, ops)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype=dtype)

    def _state(self):
        return (self.velocity,)

    def step(self, params, grad):
        """Move ``params`` (in place) one step against ``grad``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
        """
        # v = momentum v - lr g;  params += v  (Nesterov: momentum v - lr g)
        self.ops.sgd_step(
            params,
            grad,
            self.velocity,
            self.learning_rate,
            self.momentum,
            self.nesterov,
        )


class Adam(_Optimizer):
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
    ops : NumpyOperations or CompiledOperations, default=None
        Who does the element-wise work; numpy's when None.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        ops=None,
    ):
        self._init(n_params, dtype, learning_rate, ops)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)

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
        # m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g**2;
        # params -= lr_t m / (sqrt(v) + epsilon)
        self.ops.adam_step(params, grad, self.m, self.v, lr_t, b1, b2, self.epsilon)
