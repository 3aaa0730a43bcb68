"""The training loop: runs of epochs, epochs of steps, and the rules between them.

A reader finds here how training runs, and nothing else:

- :class:`Trainer` runs the epochs of a stochastic solver (:meth:`Trainer.run`
  runs epochs, :meth:`Trainer.run_epoch` one pass over the batches,
  :meth:`Trainer.step` one batch), or drives L-BFGS
  (:meth:`Trainer.run_lbfgs`), on a network and an optimizer it is given.
  After each epoch it records one :class:`EpochRecord` for every solver,
  applies the one divergence rule (:func:`has_diverged`), asks the
  :class:`~backprop_mlp._stopping.PlateauMonitor` whether training still
  improves and the schedule what a plateau means, and tells its
  :class:`Listener` objects (the progress bar, verbose printing, the user's
  callbacks), any of which may stop it.
- :class:`~backprop_mlp._records.RunState` is what a run carries from one
  epoch to the next: the random streams, the order of the rows, the epoch
  count. A continued fit hands the trainer the state its last fit ended with,
  so that the run goes on exactly as one longer run would have.

The trainer warns about nothing and knows nothing of scikit-learn: it returns
a :class:`TrainingResult` that says how training ended, and the estimator
turns that into fitted attributes and warnings.
"""

import math
from contextlib import contextmanager

import numpy as np

from ._batches import dropout_masks
from ._lbfgs import minimize_lbfgs
from ._records import EpochRecord, TrainingResult

__all__ = ["Listener", "Trainer", "has_diverged"]


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
        The lowest loss of the earlier epochs of the run (inf for none).
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


class Listener:
    """Something told about each epoch: a printer, a progress bar, callbacks.

    Every method does nothing by default; a listener overrides what it needs.
    """

    def epoch_begins(self):
        """Called before each epoch (L-BFGS iteration)."""

    def epoch_ended(self, record):
        """Called after each epoch with its record.

        Parameters
        ----------
        record : EpochRecord

        Returns
        -------
        stop : bool
            Whether training should stop.
        """
        return False


class Trainer:
    """Run training epochs, and decide when to stop.

    Parameters
    ----------
    max_epochs : int
        Epochs (stochastic solvers) or iterations (L-BFGS) this fit may run.
    alpha : float
        The L2 penalty.
    shuffle : bool
        Whether to visit the rows in a new random order each epoch (a block
        loader orders its batches itself: False then).
    listeners : sequence of Listener, default=()
    dropout_rates : sequence of float or None, default=None
        The dropout rate of each hidden layer; None for no dropout.
    budget_is_a_limit : bool, default=True
        Whether using every epoch means training had not converged yet
        (``max_iter`` reached). Not for a schedule meant to run every epoch
        ('cosine'), nor for the one epoch of ``partial_fit``.
    """

    def __init__(
        self,
        *,
        max_epochs,
        alpha,
        shuffle,
        listeners=(),
        dropout_rates=None,
        budget_is_a_limit=True,
    ):
        self.max_epochs = max_epochs
        self.alpha = alpha
        self.shuffle = shuffle
        self.listeners = list(listeners)
        self.dropout_rates = dropout_rates
        self.budget_is_a_limit = budget_is_a_limit

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
        run,
        validation=None,
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
        run : RunState
            Where the run stands; updated in place.
        validation : callable or None, default=None
            ``validation(net) -> (score, loss)`` on the validation set.

        Returns
        -------
        result : TrainingResult
            With early stopping (``monitor.keep_best``) the best parameters
            are restored in ``net`` before returning, and ``run.position``
            keeps the last ones.
        """
        result = TrainingResult()
        last_good = net.params.copy()
        schedule.start(optimizer, run.epochs)
        # A diverging run overflows; it is detected after the epoch and
        # reported once, by the estimator, not as numpy noise.
        with np.errstate(over="ignore", invalid="ignore"), _interruptible(result):
            for _ in range(self.max_epochs):
                self._begin()
                loss = self.run_epoch(net, optimizer, loader, run)
                if has_diverged(loss, run.lowest_loss, net.params, optimizer.state()):
                    net.params[...] = last_good
                    result.diverged, run.ended = True, "diverged"
                    break
                last_good[...] = net.params
                run.lowest_loss = min(run.lowest_loss, loss)
                run.epochs += 1
                result.n_iter, result.loss = result.n_iter + 1, loss
                score = val_loss = None
                if validation is not None:
                    score, val_loss = validation(net)
                history.record(loss, loader.n_samples, score, val_loss)
                watched = {
                    "training loss": loss,
                    "validation score": score,
                    "validation loss": val_loss,
                }[monitor.quantity]
                plateau = monitor.update(watched, net.params)
                schedule.epoch_ended(optimizer, run.epochs, history.t)
                decision = schedule.on_plateau(optimizer) if plateau else None
                if decision is not None and not decision.stop:
                    monitor.restart()
                record = EpochRecord(
                    result.n_iter,
                    loss,
                    score,
                    val_loss,
                    optimizer.learning_rate,
                    monitor.message() if plateau else None,
                    decision,
                )
                if self._end(record):
                    result.stopped_by_callback = True
                    break
                if decision is not None and decision.stop:
                    result.converged, run.ended = True, "converged"
                    break
            else:
                result.reached_max_iter = self.budget_is_a_limit
        if result.loss is not None:
            result.unstable = result.loss > _UNSTABLE_GROWTH * max(run.lowest_loss, 1.0)
        if monitor.keep_best and monitor.best_params is not None:
            run.position = net.params.copy()
            net.params[...] = monitor.best_params
        return result

    def run_epoch(self, net, optimizer, loader, run):
        """Make one pass over the training data, one optimizer step per batch.

        A batch whose sample weights are all zero is skipped.

        Parameters
        ----------
        net : Network
        optimizer : SGD or Adam
        loader : BatchLoader
        run : RunState
            Its random streams and row order move on.

        Returns
        -------
        loss : float
            The mean over samples of each batch's objective, as scikit-learn's
            ``loss_curve_`` records it.
        """
        order = None
        if self.shuffle:
            permutation = np.arange(loader.n_samples)
            run.shuffle_rng.shuffle(permutation)
            run.order = order = run.order[permutation]
        accumulated = 0.0
        for X_batch, Y_batch, sw_batch in loader.batches(order):
            if sw_batch is not None and not sw_batch.sum() > 0:
                # Samples that all weigh zero have no mean loss (0 / 0) and
                # nothing to teach: the batch makes no step and adds no loss.
                continue
            loss = self.step(net, optimizer, X_batch, Y_batch, sw_batch, run)
            accumulated += loss * X_batch.shape[0]
        return accumulated / loader.n_samples

    def step(self, net, optimizer, X, Y, sample_weight, run):
        """One optimizer step on one batch; return the batch's objective.

        Parameters
        ----------
        net : Network
        optimizer : SGD or Adam
        X, Y, sample_weight
            The batch, as for :meth:`Network.loss_and_gradient`.
        run : RunState
            Draws the batch's dropout masks.

        Returns
        -------
        loss : float
        """
        masks = None
        if self.dropout_rates is not None:
            masks = dropout_masks(
                run.dropout_rng,
                self.dropout_rates,
                X.shape[0],
                net.layer_sizes,
                net.dtype,
            )
        loss, grad = net.loss_and_gradient(X, Y, sample_weight, self.alpha, masks)
        optimizer.step(net.params, grad)
        return loss

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
            history.record(loss, 0)
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
                self.max_epochs,
                max_fun,
                tol,
                on_iteration,
            )
            result.lbfgs_status = int(scipy_result.status)
            result.lbfgs_message = str(scipy_result.message)
            result.loss = float(scipy_result.fun)
            result.n_iter = min(int(scipy_result.nit), self.max_epochs)
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
