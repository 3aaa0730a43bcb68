"""Stochastic optimizers that update the flat parameter vector in place.

Each optimizer holds its state (velocity, moments) as flat vectors the size of
the network's ``params``, so one step is a handful of whole-vector numpy
operations, whatever the number of layers. The update rules, and the order of
their floating-point operations, are those of scikit-learn's ``SGDOptimizer``
and ``AdamOptimizer``, so that both produce the same weights.

The learning rate is an attribute the schedule changes between epochs (see
:mod:`backprop_mlp._schedules`).
"""

import numpy as np

__all__ = ["SGD", "Adam"]


class SGD:
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
        self.learning_rate = float(learning_rate)
        self.n_params, self.dtype = n_params, np.dtype(dtype)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype=dtype)
        self._lr_grad = np.empty(n_params, dtype=dtype)
        self._update = np.empty(n_params, dtype=dtype)

    def step(self, params, grad):
        """Move ``params`` (in place) one step against ``grad``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
        """
        v, lr_grad = self.velocity, self._lr_grad
        np.multiply(grad, self.learning_rate, out=lr_grad)
        v *= self.momentum
        v -= lr_grad  # v = momentum v - lr g
        if self.nesterov:
            np.multiply(v, self.momentum, out=self._update)
            self._update -= lr_grad
            params += self._update
        else:
            params += v


class Adam:
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
        self.learning_rate = float(learning_rate)
        self.n_params, self.dtype = n_params, np.dtype(dtype)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)
        self._buf = np.empty(n_params, dtype=dtype)
        self._update = np.empty(n_params, dtype=dtype)

    def step(self, params, grad):
        """Move ``params`` (in place) one step against ``grad``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
        """
        self.t += 1
        b1, b2, buf, update = self.beta_1, self.beta_2, self._buf, self._update
        self.m *= b1
        self.m += np.multiply(grad, 1 - b1, out=buf)
        self.v *= b2
        np.square(grad, out=buf)
        buf *= 1 - b2
        self.v += buf
        lr_t = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        np.sqrt(self.v, out=buf)
        buf += self.epsilon
        np.multiply(self.m, -lr_t, out=update)
        update /= buf
        params += update
