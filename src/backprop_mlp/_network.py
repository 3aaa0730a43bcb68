"""The network: parameters, forward pass and back-propagation, in matrix form.

For a batch of samples stored as rows, with ``a_0 = X`` and layers
``k = 1 .. L``::

    z_k = a_{k-1} W_k + b_k              (forward)
    a_k = f_k(z_k)
    dz_k = da_k * f_k'(z_k)              (backward)
    dW_k = a_{k-1}^T dz_k
    db_k = sum over rows of dz_k
    da_{k-1} = dz_k W_k^T

At the output the activation and the loss are differentiated together: the
output layer hands back ``dz_L`` itself (``P - Y`` for each of its pairs, see
:mod:`backprop_mlp._losses`), so the network knows no particular loss.

Lists here are indexed like the math: ``W[k]`` is layer ``k``'s weight matrix
and ``W[0]`` is unused. Every ``W[k]`` and ``b[k]`` is a view into one flat
vector ``params`` (and every ``dW[k]``, ``db[k]`` into ``grad``), so optimizers
and L-BFGS update all layers with a single array operation and never pack or
unpack copies. The layout is scikit-learn's ``_pack`` order: all weight
matrices, then all bias vectors.

This module knows nothing of scikit-learn.
"""

import itertools

import numpy as np
import scipy.sparse as sp

from ._operations import NumpyOperations

__all__ = ["Network", "count_params", "layer_views", "predict_output"]


def layer_views(flat, layer_sizes):
    """Cut a flat vector into per-layer weight matrices and bias vectors.

    Parameters
    ----------
    flat : ndarray of shape (n_params,)
        The vector to view; nothing is copied.
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``, the number of units of each layer, input first.

    Returns
    -------
    W : list of ndarray
        ``W[k]`` of shape ``(n_{k-1}, n_k)`` for ``k = 1 .. L``; ``W[0]`` is None.
    b : list of ndarray
        ``b[k]`` of shape ``(n_k,)``; ``b[0]`` is None.
    """
    W, b = [None], [None]
    start = 0
    for n_in, n_out in itertools.pairwise(layer_sizes):
        W.append(flat[start : start + n_in * n_out].reshape(n_in, n_out))
        start += n_in * n_out
    for n_out in layer_sizes[1:]:
        b.append(flat[start : start + n_out])
        start += n_out
    return W, b


def count_params(layer_sizes):
    """The number of weights and biases of a network of ``layer_sizes``.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``, input first.

    Returns
    -------
    n_params : int
    """
    fan = itertools.pairwise(layer_sizes)
    return sum(n_in * n_out + n_out for n_in, n_out in fan)


class Network:
    """A fully connected feed-forward network with back-propagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, hidden_1, ..., hidden_{L-1}, n_outputs]``.
    activations : sequence of Activation
        One per hidden layer, ``f_1 .. f_{L-1}``.
    output : OutputLayer
        The output activation, its loss and their delta ``dz_L``.
    dtype : {np.float32, np.float64}, default=np.float64
        The dtype of parameters, activations and gradients.
    ops : NumpyOperations or CompiledOperations, default=None
        Who does the element-wise work of the activations and the penalty
        (see :mod:`backprop_mlp._operations`); numpy's when None.

    Attributes
    ----------
    params, grad : ndarray of shape (n_params,)
        All weights and biases, and their gradient, as flat vectors.
    W, b, dW, db : list of ndarray
        Per-layer views into ``params`` and ``grad``, indexed ``1 .. L``.
    n_coefs : int
        The number of weights (not biases): ``params[:n_coefs]`` are the
        weights, the part that L2 regularisation acts on.
    """

    def __init__(self, layer_sizes, activations, output, dtype=np.float64, ops=None):
        if len(activations) != len(layer_sizes) - 2:
            raise ValueError("need one activation per hidden layer")
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        self.dtype = np.dtype(dtype)
        n_params = count_params(self.layer_sizes)
        self.ops = NumpyOperations(n_params, self.dtype) if ops is None else ops
        self.f = [None, *(self.ops.activation(act) for act in activations)]
        self.output = output
        self.n_layers = len(self.layer_sizes) - 1
        self.params = np.zeros(n_params, dtype=self.dtype)
        self.grad = np.zeros_like(self.params)
        self.W, self.b = layer_views(self.params, self.layer_sizes)
        self.dW, self.db = layer_views(self.grad, self.layer_sizes)
        self.n_coefs = sum(W.size for W in self.W[1:])
        # The forward pass keeps what the backward pass needs: z_k, a_k, and
        # f_k(z_k) before dropout (the same array as a_k without dropout).
        self.z = [None] * (self.n_layers + 1)
        self.a = [None] * (self.n_layers + 1)
        self.fz = [None] * (self.n_layers + 1)
        # Work arrays for z_k (then dz_k) and f_k(z_k), allocated for the
        # largest batch seen, with views of their first rows for each batch
        # size; see _work_arrays.
        self._capacity = 0
        self._full = None
        self._work = {}

    def set_params(self, coefs, intercepts):
        """Copy per-layer weights into the flat vector (0-based lists, as sklearn).

        Parameters
        ----------
        coefs : list of ndarray
            ``coefs[k]`` of shape ``(n_k, n_{k+1})``.
        intercepts : list of ndarray
            ``intercepts[k]`` of shape ``(n_{k+1},)``.
        """
        for k in range(1, self.n_layers + 1):
            self.W[k][...] = coefs[k - 1]
            self.b[k][...] = intercepts[k - 1]

    def forward(self, X, masks=None):
        """Compute the output probabilities, keeping every ``z_k`` and ``a_k``.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
            The batch, one sample per row.
        masks : list of ndarray or None, default=None
            Dropout masks indexed like the layers: ``masks[k]`` multiplies
            ``a_k`` (its kept entries hold ``1 / (1 - rate)``); None or a None
            entry means no dropout there.

        Returns
        -------
        P : ndarray of shape (n_samples, n_outputs)
            The output probabilities ``a_L``: a work array of the network,
            overwritten by the next call.
        """
        z, fz_work = self._work_arrays(X.shape[0])
        a, fz, W, b, f = self.a, self.fz, self.W, self.b, self.f
        self.z = z
        a[0] = X
        for k in range(1, self.n_layers + 1):
            _matmul_into(a[k - 1], W[k], z[k])  # z_k = a_{k-1} W_k + b_k
            z[k] += b[k]
            if k < self.n_layers:
                a[k] = fz[k] = f[k].function(z[k], out=fz_work[k])  # a_k = f_k(z_k)
                if masks is not None and masks[k] is not None:
                    a[k] = fz[k] * masks[k]  # inverted dropout
        # The output activation overwrites z_L: the backward pass starts from
        # P - Y and never needs z_L itself.
        a[-1] = self.output.activation(z[-1])
        return a[-1]

    def backward(self, dz, masks=None):
        """Back-propagate ``dz_L`` through every layer into ``grad``.

        Must follow :meth:`forward` on the same batch, with the same masks.
        Where ``f_k``'s derivative needs only ``a_k``, ``z[k]`` is overwritten
        by ``dz_k``.

        Parameters
        ----------
        dz : ndarray of shape (n_samples, n_outputs)
            ``dL/dz_L``, the gradient at the output pre-activation.
        masks : list of ndarray or None, default=None
            The dropout masks given to :meth:`forward`.

        Returns
        -------
        grad : ndarray of shape (n_params,)
            The flat gradient; ``dW[k]`` and ``db[k]`` are views into it.
        """
        z, a, fz, W, f = self.z, self.a, self.fz, self.W, self.f
        dW, db = self.dW, self.db
        for k in range(self.n_layers, 0, -1):
            _matmul_into(a[k - 1].T, dz, dW[k])  # dW_k = a_{k-1}^T dz_k
            np.add.reduce(dz, axis=0, out=db[k])  # db_k = sum over rows of dz_k
            if k == 1:
                break  # nothing learns from dL/dX
            # da_{k-1} = dz_k W_k^T, into the array of z_{k-1} when f'_{k-1}
            # needs only a_{k-1}: z_{k-1} is dead by now, and training then
            # holds two work arrays per hidden layer instead of three.
            z_dead = f[k - 1].derivative_from_output
            da = np.dot(dz, W[k].T, out=z[k - 1] if z_dead else None)
            if masks is not None and masks[k - 1] is not None:
                da *= masks[k - 1]  # a dropped unit passed no gradient back
            f[k - 1].multiply_derivative(da, None if z_dead else z[k - 1], fz[k - 1])
            dz = da  # dz_{k-1} = da_{k-1} * f'(z_{k-1})
        return self.grad

    def loss_and_gradient(self, X, Y, sample_weight=None, alpha=0.0, masks=None):
        """The training objective on one batch and its gradient.

        The objective is scikit-learn's ``MLPClassifier`` objective::

            J = (sum_i s_i loss_i + alpha / 2 * sum_k ||W_k||^2) / sum_i s_i

        with ``s_i = 1`` when ``sample_weight`` is None.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs), bool
            Indicator targets.
        sample_weight : ndarray of shape (n_samples,), default=None
        alpha : float, default=0.0
            L2 penalty on the weights (not the biases).
        masks : list of ndarray or None, default=None
            Dropout masks, see :meth:`forward`.

        Returns
        -------
        loss : float
            ``J`` at the current parameters.
        grad : ndarray of shape (n_params,)
            ``dJ/dparams``; the network's own buffer, overwritten by the next call.
        """
        P = self.forward(X, masks)
        n_weight = X.shape[0] if sample_weight is None else sample_weight.sum()
        w = self.params[: self.n_coefs]
        loss = self.output.loss(Y, P, sample_weight)
        loss += 0.5 * alpha * float(w @ w) / n_weight

        # Fold the weighted mean into dz_L once, so every dW_k and db_k below
        # is already a gradient of the mean and never needs dividing again.
        dz = self.output.delta(P, Y)
        if sample_weight is None:
            dz *= 1 / n_weight
        else:
            dz *= (sample_weight / n_weight)[:, np.newaxis].astype(dz.dtype)
        grad = self.backward(dz, masks)
        if alpha:
            # + alpha/n W_k
            self.ops.add_scaled(grad[: self.n_coefs], alpha / n_weight, w)
        return loss, grad

    def predict(self, X):
        """Output probabilities, without keeping intermediate results.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        P : ndarray of shape (n_samples, n_outputs)
        """
        return predict_output(
            X, self.W[1:], self.b[1:], self.f[1:], self.output.activation
        )

    def _work_arrays(self, n_samples):
        """Work arrays for a batch of ``n_samples`` rows: ``z`` and ``fz``.

        Lists indexed like the layers: ``z[k]`` (``z_k``, ``P`` at the output,
        ``dz_k`` in the backward pass) and ``fz[k]`` (``f_k(z_k)``, hidden
        layers only). They are allocated once for the largest batch seen, and
        every smaller batch works in views of their first rows, so that
        training allocates nothing per batch.
        """
        work = self._work.get(n_samples)
        if work is not None:
            return work
        if n_samples > self._capacity:
            self._capacity = n_samples
            self._work.clear()
            self._full = [
                [None, *(np.empty((n_samples, n), self.dtype) for n in sizes)]
                for sizes in (self.layer_sizes[1:], self.layer_sizes[1:-1])
            ]
        work = tuple(
            [None if w is None else w[:n_samples] for w in full] for full in self._full
        )
        if len(self._work) > 2:  # an epoch has at most two batch sizes
            self._work.clear()
        self._work[n_samples] = work
        return work


def predict_output(X, coefs, intercepts, activations, out_function, block_rows=None):
    """The forward pass alone, for prediction: nothing is kept for backward.

    Large inputs go through a block of rows at a time, sized so that the
    hidden activations of a block stay in the CPU cache: the element-wise
    passes (bias, activation) then never go out to memory, and temporaries
    stay small however many rows are predicted.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    coefs, intercepts : list of ndarray
        The weights and biases of layers ``1 .. L`` (0-based, as sklearn's
        ``coefs_`` and ``intercepts_``).
    activations : list of Activation
        The hidden activations ``f_1 .. f_{L-1}``.
    out_function : callable
        Applied to ``z_L``: the output layer's activation (which may overwrite
        its argument), or the identity for the pre-activations themselves.
    block_rows : int or None, default=None
        Rows per block; None makes the widest layer's block about 1 MiB.

    Returns
    -------
    P : ndarray of shape (n_samples, n_outputs)
    """
    n_samples = X.shape[0]
    if n_samples <= _MIN_BLOCK_ROWS:
        return _predict_block(X, coefs, intercepts, activations, out_function)
    if block_rows is None:
        widest = max(W.shape[1] for W in coefs)
        block_rows = max(_MIN_BLOCK_ROWS, _BLOCK_BYTES // (8 * widest))
    if n_samples <= block_rows or _is_sparse_not_csr(X):
        return _predict_block(X, coefs, intercepts, activations, out_function)
    dtype = np.result_type(X.dtype, coefs[0].dtype)
    P = np.empty((n_samples, coefs[-1].shape[1]), dtype=dtype)
    for start in range(0, n_samples, block_rows):
        rows = slice(start, start + block_rows)
        P[rows] = _predict_block(X[rows], coefs, intercepts, activations, out_function)
    return P


_BLOCK_BYTES = 1 << 20
_MIN_BLOCK_ROWS = 64


def _is_sparse_not_csr(X):
    # Row blocks of any other sparse format are slow to take.
    return sp.issparse(X) and X.format != "csr"


def _predict_block(X, coefs, intercepts, activations, out_function):
    """:func:`predict_output` on one block of rows."""
    a = X
    for W, b, f in zip(coefs, intercepts, [*activations, None], strict=True):
        z = np.dot(a, W) if isinstance(a, np.ndarray) else a @ W
        z += b
        a = z if f is None else f.function(z)
    return out_function(a)


def _matmul_into(A, B, out):
    """``out[...] = A @ B``, without a temporary when ``A`` is dense.

    ``np.dot`` rather than ``np.matmul``: on small matrices it calls BLAS
    with less overhead, and on an outer product (one output unit) ``matmul``
    is several times slower.
    """
    if isinstance(A, np.ndarray):
        np.dot(A, B, out=out)
    else:  # a sparse matrix
        out[...] = A @ B
