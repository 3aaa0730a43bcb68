"""The training loop: epochs of mini-batches, the L-BFGS driver, and the rules.

A reader finds here how training runs, and nothing else:

- :class:`Trainer` runs the epochs of a stochastic solver, or drives L-BFGS,
  on a network and an optimizer it is given. After each epoch it records one
  :class:`EpochRecord` for every solver, applies the one divergence rule
  (:func:`has_diverged`), asks the :class:`~backprop_mlp._stopping.
  PlateauMonitor` whether training still improves and the schedule what a
  plateau means, and tells its listeners (the progress bar, verbose printing,
  the user's callbacks), any of which may stop it.
- :func:`train_epoch` makes one pass over a :class:`BatchLoader`.
- :func:`minimize_lbfgs` hands the full-batch objective to SciPy.

The trainer warns about nothing and knows nothing of scikit-learn: it returns
a :class:`TrainingResult` that says how training ended, and the estimator
turns that into fitted attributes and warnings.
"""

import math
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import scipy
import scipy.optimize
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

__all__ = [
    "BatchLoader",
    "EpochRecord",
    "History",
    "Trainer",
    "TrainingResult",
    "dropout_masks",
    "has_diverged",
    "minimize_lbfgs",
    "train_epoch",
]


# A run whose weights grow past this, or whose loss grows this many times past
# its lowest (and past 1), is diverging: a converging run does neither. One
# that merely ends this many times above its lowest loss did not diverge, but
# is unstable: reported, without stopping (which would change the model).
_MAX_ABS_WEIGHT = 1e12
_LOSS_GROWTH = 1e4
_UNSTABLE_GROWTH = 10


def has_diverged(loss, lowest_loss, params, state=()):
    """Whether an epoch ended with non-finite or exploding loss or weights.

    The one divergence rule, for every solver.

    Parameters
    ----------
    loss : float
        The epoch's training loss.
    lowest_loss : float
        The lowest loss of the earlier epochs of this fit (inf for none).
    params : ndarray
        The parameters after the epoch.
    state : sequence of ndarray, default=()
        The optimizer's state vectors: an overflow in a gradient or a moment
        (Adam's ``g**2``) shows there even while the parameters stay finite.

    Returns
    -------
    diverged : bool
    """
    if not math.isfinite(loss) or loss > _LOSS_GROWTH * max(lowest_loss, 1.0):
        return True
    # NaN compares False, so this also catches non-finite weights; max and min
    # rather than abs, which would copy the weights every epoch.
    if not max(params.max(), -params.min()) < _MAX_ABS_WEIGHT:
        return True
    return not all(np.isfinite(v.max()) and np.isfinite(v.min()) for v in state)


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch (one L-BFGS iteration) ended with.

    Parameters
    ----------
    epoch : int
        The epoch's number in this fit, from 1.
    loss : float
        The training objective.
    validation_score, validation_loss : float or None
        The validation metrics, when validating.
    learning_rate : float or None
        The stochastic optimizer's learning rate for the next epoch.
    plateau : str or None
        What the plateau monitor and the schedule decided, when training
        stopped improving this epoch.
    """

    epoch: int
    loss: float
    validation_score: float | None = None
    validation_loss: float | None = None
    learning_rate: float | None = None
    plateau: str | None = None

    def as_info(self):
        """dict: The record as the ``info`` dict handed to callbacks."""
        return {
            "epoch": self.epoch,
            "loss": self.loss,
            "validation_score": self.validation_score,
            "validation_loss": self.validation_loss,
            "learning_rate": self.learning_rate,
        }


@dataclass
class History:
    """The curves of training, which warm starts and ``partial_fit`` extend.

    Parameters
    ----------
    loss_curve : list of float
        The training loss of each epoch.
    validation_scores, validation_loss_curve : list of float or None
        The validation metrics of each epoch, when validating.
    t : int
        The number of training samples seen by the stochastic solver.
    """

    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    validation_loss_curve: list | None = None
    t: int = 0

    def continued(self, validating):
        """A copy to extend, with validation curves if this fit validates."""
        new = History(list(self.loss_curve), None, None, self.t)
        if validating or self.validation_scores is not None:
            new.validation_scores = list(self.validation_scores or [])
            new.validation_loss_curve = list(self.validation_loss_curve or [])
        return new


@dataclass
class TrainingResult:
    """How a run of the trainer ended.

    Parameters
    ----------
    n_iter : int
        Epochs (L-BFGS iterations) completed in this run.
    loss : float or None
        The loss of the last completed epoch; None when none completed.
    diverged : bool
        Whether training stopped because :func:`has_diverged`; the weights
        before the diverging epoch were restored.
    interrupted : bool
        Whether a KeyboardInterrupt stopped training.
    stopped_by_callback : bool
        Whether a listener asked to stop.
    reached_max_iter : bool
        Whether the run used all its epochs while still improving.
    unstable : bool
        Whether the last loss ended more than 10 times above the lowest of
        the run (and above 10): a learning rate too high, typically.
    lbfgs_status : int or None
        SciPy's status for L-BFGS (0 on convergence), else None.
    lbfgs_message : str or None
        SciPy's message for L-BFGS.
    """

    n_iter: int = 0
    loss: float | None = None
    diverged: bool = False
    interrupted: bool = False
    stopped_by_callback: bool = False
    reached_max_iter: bool = False
    unstable: bool = False
    lbfgs_status: int | None = None
    lbfgs_message: str | None = None


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


@contextmanager
def _scipy_blas_on_one_thread():
    """Run SciPy's own copy of OpenBLAS on one thread, for this block only.

    Why: SciPy's wheels carry their own OpenBLAS besides numpy's. The L-BFGS-B
    iteration calls SciPy's copy, whose idle threads then spin for a while and
    hold the cores that numpy's copy needs for the next product: on 2 cores,
    a fit with 2 BLAS threads ran up to 7x slower than with 1. With SciPy's
    copy on one thread nothing is left spinning.

    Only SciPy's copy is limited, never numpy's: threadpoolctl's limits are
    process-wide, and numpy work in the user's other threads must keep the
    user's setting. Where SciPy and numpy share one BLAS, nothing is limited.
    The previous count comes back on every exit, exceptions included.
    """
    scipy_dir = os.path.dirname(os.path.dirname(scipy.__file__))
    scipy_libs = [
        lib
        for lib in ThreadpoolController().select(user_api="blas").lib_controllers
        if lib.filepath.startswith(
            (os.path.join(scipy_dir, "scipy.libs"), os.path.dirname(scipy.__file__))
        )
        and lib.num_threads > 1
    ]
    threads = [lib.num_threads for lib in scipy_libs]
    for lib in scipy_libs:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(scipy_libs, threads, strict=True):
            lib.set_num_threads(n)


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
        loss, grad = net.loss_and_gradient(X, Y, sample_weight, alpha)
        # SciPy keeps the gradient it is given, and our buffer is reused.
        return loss, grad.astype(np.float64)

    def on_iteration(intermediate_result):
        if callback(intermediate_result.x, float(intermediate_result.fun)):
            raise StopIteration

    with _scipy_blas_on_one_thread():
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


class Trainer:
    """Run training epochs, and decide when to stop.

    Parameters
    ----------
    max_iter : int
        Epochs (stochastic solvers) or iterations (L-BFGS) at most.
    alpha : float
        The L2 penalty.
    shuffle : bool
        Whether to visit the samples in a new random order each epoch.
    rng : numpy.random.RandomState
        Shuffles the samples; consumed as scikit-learn consumes it.
    listeners : sequence, default=()
        Objects told about each epoch: ``epoch_begins()`` before it, and
        ``epoch_ended(record)`` after it, which returns True to stop.
    single_epoch : bool, default=False
        Run one epoch only (``partial_fit``).
    run_to_max_iter : bool, default=False
        Whether the schedule is meant to run every epoch ('cosine'): reaching
        ``max_iter`` then is no sign of non-convergence.
    """

    def __init__(
        self,
        *,
        max_iter,
        alpha,
        shuffle,
        rng,
        listeners=(),
        single_epoch=False,
        run_to_max_iter=False,
    ):
        self.max_iter = max_iter
        self.alpha = alpha
        self.shuffle = shuffle
        self.rng = rng
        self.listeners = list(listeners)
        self.single_epoch = single_epoch
        self.run_to_max_iter = run_to_max_iter

    def _begin(self):
        for listener in self.listeners:
            listener.epoch_begins()

    def _end(self, record):
        stop = False
        for listener in self.listeners:
            stop = bool(listener.epoch_ended(record)) or stop
        return stop

    def run(
        self,
        net,
        optimizer,
        schedule,
        loader,
        monitor,
        history,
        validation=None,
        dropout=None,
    ):
        """Train ``net`` with a stochastic optimizer, epoch after epoch.

        Parameters
        ----------
        net : Network
            Trained in place.
        optimizer : SGD or Adam
        schedule : Constant
            A learning-rate schedule of :mod:`backprop_mlp._schedules`.
        loader : BatchLoader
            The training batches.
        monitor : PlateauMonitor
            Watches the training loss, or the validation score or loss.
        history : History
            Extended in place with each epoch.
        validation : callable or None, default=None
            ``validation(net) -> (score, loss)`` on the validation set.
        dropout : tuple (rng, rates) or None, default=None
            See :func:`train_epoch`.

        Returns
        -------
        result : TrainingResult
            With early stopping (``monitor.keep_best``) the best parameters
            are restored in ``net`` before returning.
        """
        result = TrainingResult()
        n_samples = loader.n_samples
        order = np.arange(n_samples)
        last_good = net.params.copy()
        lowest_loss = np.inf
        # A diverging run overflows; it is detected after the epoch and
        # reported once, by the estimator, not as numpy noise.
        with np.errstate(over="ignore", invalid="ignore"), _interruptible(result):
            for epoch in range(1, self.max_iter + 1):
                self._begin()
                if self.shuffle:
                    permutation = np.arange(n_samples)
                    self.rng.shuffle(permutation)
                    order = order[permutation]
                loss = train_epoch(
                    net,
                    optimizer,
                    loader,
                    self.alpha,
                    order if self.shuffle else None,
                    dropout,
                )
                if has_diverged(loss, lowest_loss, net.params, optimizer.state()):
                    net.params[...] = last_good
                    result.diverged = True
                    break
                last_good[...] = net.params
                lowest_loss = min(lowest_loss, loss)
                result.n_iter, result.loss = epoch, loss
                history.t += n_samples
                history.loss_curve.append(loss)
                score = val_loss = None
                if validation is not None:
                    score, val_loss = validation(net)
                    history.validation_scores.append(score)
                    history.validation_loss_curve.append(val_loss)
                watched = {
                    "training loss": loss,
                    "validation score": score,
                    "validation loss": val_loss,
                }[monitor.quantity]
                plateau = monitor.update(watched, net.params)
                schedule.epoch_ended(optimizer, epoch, history.t)
                stop, note = False, None
                if plateau:
                    stop, decision = schedule.on_plateau(optimizer)
                    note = f"{monitor.message()} {decision}"
                    if not stop:
                        monitor.count = 0
                record = EpochRecord(
                    epoch, loss, score, val_loss, optimizer.learning_rate, note
                )
                if self._end(record):
                    result.stopped_by_callback = True
                    break
                if stop or self.single_epoch:
                    break
                if epoch == self.max_iter and not self.run_to_max_iter:
                    result.reached_max_iter = True
        if result.loss is not None:
            result.unstable = result.loss > _UNSTABLE_GROWTH * max(lowest_loss, 1.0)
        if monitor.keep_best and monitor.best_params is not None:
            net.params[...] = monitor.best_params
        return result

    def run_lbfgs(self, net, X, Y, sample_weight, max_fun, tol, history):
        """Minimise the full-batch objective with L-BFGS.

        Parameters
        ----------
        net : Network
            Trained in place.
        X, Y, sample_weight
            The training data, as for :meth:`Network.loss_and_gradient`.
        max_fun : int
            The limit on objective evaluations.
        tol : float
            SciPy's ``gtol``.
        history : History
            Its ``loss_curve`` is extended with each iteration's loss.

        Returns
        -------
        result : TrainingResult
        """
        result = TrainingResult()
        best = {"loss": np.inf, "params": net.params.copy()}

        def on_iteration(params, loss):
            if has_diverged(loss, best["loss"], params):
                result.diverged = True
                return True
            result.n_iter += 1
            history.loss_curve.append(loss)
            if loss < best["loss"]:
                best["loss"], best["params"] = loss, params.copy()
            if self._end(EpochRecord(result.n_iter, loss)):
                result.stopped_by_callback = True
                return True
            # SciPy has no hook before an iteration: the next one begins here.
            self._begin()
            return False

        self._begin()
        # As for the stochastic solvers: overflow is reported once, after.
        with np.errstate(over="ignore", invalid="ignore"), _interruptible(result):
            scipy_result = minimize_lbfgs(
                net,
                X,
                Y,
                sample_weight,
                self.alpha,
                self.max_iter,
                max_fun,
                tol,
                on_iteration,
            )
            result.lbfgs_status = int(scipy_result.status)
            result.lbfgs_message = str(scipy_result.message)
            result.loss = float(scipy_result.fun)
            result.n_iter = min(int(scipy_result.nit), self.max_iter)
        final_bad = result.loss is None or has_diverged(
            result.loss, best["loss"], net.params
        )
        if result.diverged or result.interrupted or final_bad:
            # Keep the best iterate that was reported, not a later bad one.
            result.diverged = result.diverged or (final_bad and not result.interrupted)
            net.params[...] = best["params"]
            result.loss = best["loss"] if math.isfinite(best["loss"]) else None
        return result


@contextmanager
def _interruptible(result):
    """Turn Ctrl-C during training into a flag; what was learned is kept."""
    try:
        yield
    except KeyboardInterrupt:
        result.interrupted = True
