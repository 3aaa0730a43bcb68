"""Mini-batches: the rows of each step, and the dropout masks drawn for them.

This module knows nothing of scikit-learn.
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["BatchLoader", "dropout_masks"]


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
