"""Out-of-core training: the estimator's fit, fed blocks instead of one array.

:func:`fit_blocks` is ``fit`` with a :class:`~backprop_mlp.BlockSource` for
its data: the same plan (:func:`~backprop_mlp._planning.plan_fit`), the same
trainer and the same commit, with a :class:`BlockLoader` where ``fit`` has a
:class:`~backprop_mlp._training.BatchLoader`. Everything else (epochs, early
stopping, divergence, callbacks, verbose output, continuing a run) is the
fit's, so it behaves as in memory.
"""

from concurrent.futures import ThreadPoolExecutor

from sklearn.base import _fit_context

from ._base import BaseBackpropMLP
from ._batches import BatchLoader
from ._blocks import BlockSource

__all__ = ["BlockLoader", "fit_blocks"]


class BlockLoader:
    """Hands out mini-batches block by block, reading the next block meanwhile.

    The batch source of the trainer for data that do not fit in memory: the
    counterpart of :class:`~backprop_mlp._training.BatchLoader`, which it
    uses for the batches of each block. With ``shuffle``, each epoch visits
    the blocks in a new random order and the rows of each block in a new
    random order; batches never span two blocks. Without it, the batches are
    those of an in-memory fit on the blocks stacked, when every block but the
    last holds a whole number of batches.

    While the trainer works on one block, a thread loads, checks and encodes
    the next, so that reading (from disk, or a dask computation) overlaps
    training; at most two blocks are in memory.

    Parameters
    ----------
    blocks : _CheckedBlocks
        Loads and checks block ``i``.
    encode : callable
        ``encode(X, y, sample_weight) -> (Y, sample_weight)``: the targets as
        the network needs them, and the training weights (class weights in).
    n_rows : list of int
        Rows of each block.
    batch_size : int
    shuffle : bool
    rng : numpy.random.RandomState
        Draws the orders of the blocks and of their rows.
    """

    def __init__(self, blocks, encode, n_rows, batch_size, shuffle, rng):
        self.blocks, self.encode = blocks, encode
        self.n_rows = list(n_rows)
        self.n_samples = sum(self.n_rows)
        self.batch_size = batch_size
        self.shuffle, self.rng = shuffle, rng

    def batches(self, order=None):
        """Yield ``(X_batch, Y_batch, sample_weight_batch)`` for one epoch.

        Parameters
        ----------
        order : None
            The trainer's order of the rows, which must be None: a block
            loader draws its own orders (a permutation of every row would take
            memory in proportion to the data).

        Yields
        ------
        X_batch, Y_batch, sample_weight_batch
            Valid until the next batch is drawn.
        """
        if order is not None:
            raise ValueError("A BlockLoader orders its batches itself.")
        block_order = list(range(len(self.n_rows)))
        if self.shuffle:
            block_order = list(self.rng.permutation(len(self.n_rows)))
        # numpy's reads and BLAS release the GIL: the load of the next block
        # runs while this one trains. The orders are drawn here, in sequence.
        with ThreadPoolExecutor(max_workers=1) as reader:
            pending = reader.submit(self._load, block_order[0])
            for k in range(len(block_order)):
                X, Y, sw = pending.result()
                if k + 1 < len(block_order):
                    pending = reader.submit(self._load, block_order[k + 1])
                rows = self.rng.permutation(X.shape[0]) if self.shuffle else None
                yield from BatchLoader(X, Y, sw, rows, self.batch_size).batches()
                del X, Y, sw  # only the block being read stays

    def _load(self, i):
        """Block ``i`` checked and encoded: ``(X, Y, sample_weight)``."""
        X, y, sw = self.blocks.load(i)
        if X.shape[0] != self.n_rows[i]:
            raise ValueError(
                f"{self.blocks.source.describe(i)} has {X.shape[0]} rows, but "
                f"the source declared {self.n_rows[i]}."
            )
        try:
            Y, sw = self.encode(X, y, sw)
        except ValueError as exc:
            raise ValueError(f"{self.blocks.source.describe(i)}: {exc}") from None
        return X, Y, sw


def fit_blocks(estimator, blocks, *, classes=None, X_val=None, y_val=None):
    """Train an estimator for ``max_iter`` epochs on data that do not fit in memory.

    ``fit`` for a :class:`BlockSource`: the block of rows being trained on
    and the next, read meanwhile, are in memory, and every epoch passes over
    all of them. Each epoch visits the
    blocks in a new random order and the rows of each block in a new random
    order (``shuffle=True``); its mini-batches are drawn within one block, so
    a block should hold many batches. Everything else is as in ``fit``: one
    ``loss_curve_`` entry per epoch, the plateau rule and ``tol``, the
    validation curves, early stopping on ``X_val`` with the best weights
    restored, the ``callbacks`` (e.g. :class:`ProgressBar`) and ``verbose``,
    ``warm_start``, and the sample weights of each block.

    With ``shuffle=False``, and blocks that each hold a whole number of
    batches (e.g. ``batch_size`` equal to the block size), the model is the
    one ``fit`` trains on the blocks stacked into one array.

    Parameters
    ----------
    estimator : BackpropMLPClassifier or BackpropMLPRegressor
        With ``solver='sgd'`` or ``'adam'``. It is fitted in place, and left
        as it was if an error stops the fit.
    blocks : BlockSource
        The training data.
    classes : array-like of shape (n_classes,), default=None
        Every class the blocks hold: the blocks are not read ahead to find
        them. Required for a classifier, unless continuing a fitted one
        (``warm_start=True``), whose ``classes_`` it must equal; ignored for
        a regressor.
    X_val : array-like of shape (n_val, n_features), default=None
        A validation set in memory, scored after every epoch
        (``validation_scores_``, ``validation_loss_curve_``), and watched by
        ``early_stopping=True``, which needs it: there is no
        ``validation_fraction`` split of a block source.
    y_val : array-like of shape (n_val,), default=None
        The labels of ``X_val``.

    Returns
    -------
    estimator : BackpropMLPClassifier or BackpropMLPRegressor
        The fitted estimator.

    Raises
    ------
    ValueError
        For an empty source; as training reaches them, for a block whose
        number of columns differs from the first block's, that holds NaN or
        infinity, or that holds a label not in ``classes`` (the message names
        the block); and for anything ``fit`` refuses.

    See Also
    --------
    BlockSource : Where the blocks come from.

    Examples
    --------
    >>> import numpy as np
    >>> from backprop_mlp import BackpropMLPClassifier, BlockSource, fit_blocks
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((1000, 4))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> source = BlockSource.from_arrays(X[:900], y[:900], block_size=300)
    >>> clf = BackpropMLPClassifier(
    ...     hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=100,
    ...     early_stopping=True, random_state=0,
    ... )
    >>> clf = fit_blocks(clf, source, classes=[0, 1], X_val=X[900:], y_val=y[900:])
    >>> clf.n_iter_ < 100  # stopped early, with the best weights restored
    True
    >>> len(clf.loss_curve_) == len(clf.validation_scores_) == clf.n_iter_
    True
    >>> clf.score(X[900:], y[900:]) == clf.best_validation_score_ > 0.95
    True
    """
    if not isinstance(estimator, BaseBackpropMLP):
        raise TypeError(
            "fit_blocks trains a BackpropMLPClassifier or BackpropMLPRegressor, got "
            f"{type(estimator).__name__}; for another estimator with partial_fit, "
            "see dask-ml's Incremental."
        )
    if not isinstance(blocks, BlockSource):
        raise TypeError(
            f"blocks must be a BlockSource, got {type(blocks).__name__}; make one "
            "with BlockSource.from_dask, .from_npy_folder or .from_arrays."
        )
    return _fit_blocks(estimator, blocks, classes=classes, X_val=X_val, y_val=y_val)


@_fit_context(prefer_skip_nested_validation=True)
def _fit_blocks(estimator, blocks, *, classes, X_val, y_val):
    return estimator._fit(blocks, classes=classes, X_val=X_val, y_val=y_val)
