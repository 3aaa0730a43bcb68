"""One epoch of mini-batch training, and the L-BFGS driver.

These functions move a :class:`~backprop_mlp._network.Network` downhill; they
decide nothing about stopping or reporting, which belong to the estimator.
Like the network, they know nothing of scikit-learn.
"""

from contextlib import contextmanager

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

__all__ = ["BatchLoader", "dropout_masks", "minimize_lbfgs", "train_epoch"]


class BatchLoader:
    """Hands out mini-batches of rows of ``X`` without copying ``X`` itself.

    Rows are chosen through ``rows`` (the training part of ``X``, for early
    stopping) in the order given for the epoch. Consecutive rows of a dense
    ``X`` come back as views; any other dense batch is gathered into one
    reusable buffer, so an epoch allocates nothing the size of ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The whole input; CSR if sparse.
    Y : ndarray of shape (n_samples, n_outputs)
        Indicator targets.
    sample_weight : ndarray of shape (n_samples,) or None
    rows : ndarray of int or None
        The rows of ``X`` to train on; all of them when None.
    batch_size : int
        Rows per batch; the last batch of an epoch may be smaller.
    """

    def __init__(self, X, Y, sample_weight, rows, batch_size):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.rows = rows
        self.n_samples = X.shape[0] if rows is None else len(rows)
        self.batch_size = batch_size
        self._buffer = None
        if not sp.issparse(X):
            self._buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)

    def batches(self, order=None):
        """Yield ``(X_batch, Y_batch, sample_weight_batch)`` for one epoch.

        Parameters
        ----------
        order : ndarray of int or None
            A permutation of ``range(n_samples)`` (positions in ``rows``);
            None keeps the data's order.

        Yields
        ------
        X_batch, Y_batch, sample_weight_batch
            ``sample_weight_batch`` is None when no weights were given. The
            dense ``X_batch`` is only valid until the next batch is drawn.
        """
        for start in range(0, self.n_samples, self.batch_size):
            stop = min(start + self.batch_size, self.n_samples)
            idx = slice(start, stop) if order is None else order[start:stop]
            if self.rows is not None:
                idx = self.rows[idx]
            if isinstance(idx, slice) or self._buffer is None:
                X_batch = self.X[idx]
            else:
                # mode="clip": the indices are valid by construction, and the
                # default mode="raise" gathers into a copy of `out` first.
                X_batch = np.take(
                    self.X, idx, axis=0, out=self._buffer[: stop - start], mode="clip"
                )
            sw = None if self.sample_weight is None else self.sample_weight[idx]
            yield X_batch, self.Y[idx], sw


def dropout_masks(rng, rates, n_samples, layer_sizes, dtype):
    """Draw inverted-dropout masks for one batch.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness, kept apart from the one that shuffles batches.
    rates : sequence of float
        Dropout rate of each hidden layer ``1 .. L-1``.
    n_samples : int
        Rows in the batch.
    layer_sizes : sequence of int
        ``[n_0, ..., n_L]``.
    dtype : dtype

    Returns
    -------
    masks : list or None
        ``masks[k]`` of shape ``(n_samples, n_k)`` holding 0 for a dropped unit
        and ``1 / (1 - rate)`` for a kept one, so that the expected activation
        is unchanged and nothing needs rescaling at prediction; None where
        layer ``k`` has no dropout, and None overall when no layer has any.
    """
    if not any(rates):
        return None
    masks = [None] * len(layer_sizes)
    for k, rate in enumerate(rates, start=1):
        if rate > 0:
            keep = rng.random((n_samples, layer_sizes[k]), dtype=dtype) >= rate
            masks[k] = keep * dtype.type(1 / (1 - rate))
    return masks


def train_epoch(net, optimizer, loader, alpha, order=None, dropout=None):
    """Make one pass over the training data, one optimizer step per batch.

    A batch whose sample weights are all zero is skipped.

    Parameters
    ----------
    net : Network
    optimizer : SGD or Adam
    loader : BatchLoader
    alpha : float
        L2 penalty.
    order : ndarray of int or None
        The order to visit the samples in, see :meth:`BatchLoader.batches`.
    dropout : tuple (rng, rates) or None
        Where to draw dropout masks from, and each hidden layer's rate.

    Returns
    -------
    loss : float
        The mean over samples of each batch's objective, as scikit-learn's
        ``loss_curve_`` records it.
    """
    accumulated = 0.0
    for X_batch, Y_batch, sw_batch in loader.batches(order):
        if sw_batch is not None and not sw_batch.sum() > 0:
            # Samples that all weigh zero have no mean loss (0 / 0) and
            # nothing to teach: the batch makes no step and adds no loss.
            continue
        masks = None
        if dropout is not None:
            rng, rates = dropout
            masks = dropout_masks(
                rng, rates, X_batch.shape[0], net.layer_sizes, net.dtype
            )
        loss, grad = net.loss_and_gradient(X_batch, Y_batch, sw_batch, alpha, masks)
        accumulated += loss * X_batch.shape[0]
        optimizer.step(net.params, grad)
    return accumulated / loader.n_samples


_blas_controller = None


@contextmanager
def _blas_single_threaded_outside():
    """Run SciPy's own code on one BLAS thread, and the objective as it was.

    Yields a context manager that restores the caller's BLAS thread counts
    for its block (the objective and callback): inside it, our products run
    as they would without L-BFGS.

    Why: SciPy's wheels carry their own copy of OpenBLAS besides numpy's. The
    L-BFGS-B iteration calls SciPy's copy, whose idle threads then spin for a
    while and hold the cores that numpy's copy needs for the next product: on
    2 cores, a fit with 2 BLAS threads ran up to 7x slower than with 1. With
    SciPy's code on one thread there is nothing left spinning. Limits are only
    ever lowered (a limit of 1), and the caller's own limits come back after.
    """
    global _blas_controller
    if _blas_controller is None:
        # Made once: finding the loaded libraries takes ~0.3 ms.
        _blas_controller = ThreadpoolController().select(user_api="blas")
    libs = _blas_controller.lib_controllers
    threads = [lib.num_threads for lib in libs]
    if max(threads, default=1) == 1:
        yield _no_change
        return

    @contextmanager
    def callers_threads():
        for lib, n in zip(libs, threads, strict=True):
            lib.set_num_threads(n)
        try:
            yield
        finally:
            for lib in libs:
                lib.set_num_threads(1)

    for lib in libs:
        lib.set_num_threads(1)
    try:
        yield callers_threads
    finally:
        for lib, n in zip(libs, threads, strict=True):
            lib.set_num_threads(n)


@contextmanager
def _no_change():
    yield


def minimize_lbfgs(net, X, Y, sample_weight, alpha, max_iter, max_fun, tol, callback):
    """Minimise the full-batch objective with SciPy's L-BFGS-B, as sklearn does.

    ``net.params`` is the optimisation vector itself: SciPy's iterate is copied
    into it once per evaluation and the gradient comes straight from the
    network's flat ``grad``, with no per-layer packing.

    Parameters
    ----------
    net : Network
    X, Y, sample_weight, alpha
        As for :meth:`Network.loss_and_gradient`.
    max_iter, max_fun : int
        Iteration and function-evaluation limits.
    tol : float
        SciPy's ``gtol``.
    callback : callable
        ``callback(params, loss)`` after each iteration; returning True stops.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        ``net.params`` holds ``result.x`` on return.
    """

    def objective(theta):
        net.params[...] = theta
        with callers_threads():
            loss, grad = net.loss_and_gradient(X, Y, sample_weight, alpha)
        # SciPy keeps the gradient it is given, and our buffer is reused.
        return loss, grad.astype(np.float64)

    def on_iteration(intermediate_result):
        with callers_threads():
            stop = callback(intermediate_result.x, float(intermediate_result.fun))
        if stop:
            raise StopIteration

    with _blas_single_threaded_outside() as callers_threads:
        result = scipy.optimize.minimize(
            objective,
            net.params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=on_iteration,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    net.params[...] = result.x
    return result
