"""When training stops improving: the plateau monitor.

After every epoch the trainer hands the monitor one number, where higher is
better: the validation score, minus the validation loss, or minus the training
loss. The monitor counts the epochs in a row that failed to beat the best so
far by ``tol`` and, for early stopping, keeps a copy of the best parameters.
It decides nothing else: what a plateau does (lower the learning rate, or
stop) is the schedule's business, and printing is a callback's.

The rules are scikit-learn's ``_update_no_improvement_count``, so that the
same run stops at the same epoch. This module knows nothing of scikit-learn.
"""

import copy

import numpy as np

__all__ = ["PlateauMonitor"]


class PlateauMonitor:
    """Track the best value of a monitored quantity and the epochs since.

    Parameters
    ----------
    quantity : {'training loss', 'validation score', 'validation loss'}
        What is monitored. A loss is handed to :meth:`update` as is, and
        negated inside, so that higher is always better.
    tol : float
        An epoch improves only if it beats the best by more than ``tol``.
    patience : int or inf
        A plateau is more than ``patience`` epochs without improvement.
    keep_best : bool
        Whether to copy the parameters at each new best, to restore them at
        the end (early stopping).

    Attributes
    ----------
    best : float
        The best value seen, in the quantity's own sign (a loss stays a loss).
    count : int
        Epochs in a row without improvement.
    best_params : ndarray or None
        A copy of the parameters at the best value, when ``keep_best``.
    """

    def __init__(self, quantity, tol, patience, keep_best):
        if quantity not in ("training loss", "validation score", "validation loss"):
            raise ValueError(f"unknown monitored quantity {quantity!r}")
        self.quantity = quantity
        self.tol = tol
        self.patience = patience
        self.keep_best = keep_best
        self._sign = -1.0 if quantity.endswith("loss") else 1.0
        self._best = -np.inf  # signed: higher is better
        self.count = 0
        self.best_params = None

    @property
    def best(self):
        """float: The best value seen, in the quantity's own sign."""
        return self._sign * self._best

    def update(self, value, params):
        """Record one epoch's value.

        Parameters
        ----------
        value : float
            The monitored quantity after the epoch.
        params : ndarray
            The parameters after the epoch; copied when they are the best.

        Returns
        -------
        plateau : bool
            Whether more than ``patience`` epochs in a row have not improved.
        """
        signed = self._sign * value
        if signed < self._best + self.tol:
            self.count += 1
        else:
            self.count = 0
        if signed > self._best:
            self._best = signed
            if self.keep_best:
                self.best_params = params.copy()
        return self.count > self.patience

    def restart(self):
        """Count the epochs without improvement from zero again.

        After a plateau that did not stop training (the learning rate was
        lowered instead), as scikit-learn does; the best value is kept.
        """
        self.count = 0

    def message(self):
        """str: What the plateau was, for verbose output."""
        return (
            f"{self.quantity.capitalize()} did not improve more than "
            f"tol={self.tol:f} for {self.patience} consecutive epochs."
        )

    def continued(self, quantity, tol, patience, keep_best):
        """A copy that goes on counting, or a fresh monitor if the rules changed.

        A warm start or ``partial_fit`` continues the count and the best value
        of the last fit, as scikit-learn does, as long as the same quantity is
        watched; tol, patience and keep_best always take their new values.

        Returns
        -------
        monitor : PlateauMonitor
        """
        if quantity != self.quantity:
            return PlateauMonitor(quantity, tol, patience, keep_best)
        # A shallow copy: update replaces best_params, never writes into it.
        monitor = copy.copy(self)
        monitor.tol, monitor.patience, monitor.keep_best = tol, patience, keep_best
        if not keep_best:
            monitor.best_params = None
        return monitor
