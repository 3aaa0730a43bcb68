"""What training records: each epoch, the curves, how a fit ended, and the run.

Plain data, owned by the trainer while it runs (:mod:`backprop_mlp._training`)
and turned into fitted attributes by the estimator. This module knows nothing
of scikit-learn.
"""

import copy
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["EpochRecord", "History", "RunState", "TrainingResult"]


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
        What the plateau monitor saw, when training stopped improving this
        epoch.
    decision : Decision or None
        What the schedule decided at that plateau.
    """

    epoch: int
    loss: float
    validation_score: float | None = None
    validation_loss: float | None = None
    learning_rate: float | None = None
    plateau: str | None = None
    decision: object = None

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

    Every curve has one entry per epoch of the model's training: an epoch
    that did not validate has NaN in the validation curves, which exist as
    soon as one epoch validated.

    Parameters
    ----------
    loss_curve : list of float
        The training loss of each epoch.
    validation_scores, validation_loss_curve : list of float or None
        The validation metrics of each epoch, when any epoch validated.
    t : int
        The number of training samples seen by the stochastic solver.
    """

    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    validation_loss_curve: list | None = None
    t: int = 0

    def continued(self, validating):
        """A copy to extend, with validation curves if any epoch validates."""
        new = History(list(self.loss_curve), None, None, self.t)
        if validating or self.validation_scores is not None:
            padding = [math.nan] * len(self.loss_curve)
            new.validation_scores = list(self.validation_scores or padding)
            new.validation_loss_curve = list(self.validation_loss_curve or padding)
        return new

    def record(self, loss, n_samples, score=None, validation_loss=None):
        """Add one epoch: its loss, its samples, and its validation metrics."""
        self.t += n_samples
        self.loss_curve.append(loss)
        if self.validation_scores is not None:
            self.validation_scores.append(math.nan if score is None else score)
            self.validation_loss_curve.append(
                math.nan if validation_loss is None else validation_loss
            )


@dataclass
class TrainingResult:
    """How a fit's part of a run ended.

    Parameters
    ----------
    n_iter : int
        Epochs (L-BFGS iterations) completed in this fit.
    loss : float or None
        The loss of the last completed epoch; None when none completed.
    diverged : bool
        Whether training stopped because :func:`has_diverged`; the weights
        before the diverging epoch were restored.
    interrupted : bool
        Whether a KeyboardInterrupt stopped training.
    stopped_by_callback : bool
        Whether a listener asked to stop.
    converged : bool
        Whether the plateau rule (and the schedule) stopped training.
    reached_max_iter : bool
        Whether the fit used all its epochs while still improving.
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
    converged: bool = False
    reached_max_iter: bool = False
    unstable: bool = False
    lbfgs_status: int | None = None
    lbfgs_message: str | None = None


@dataclass
class RunState:
    """What a training run carries from epoch to epoch, and across continued fits.

    A fit that continues a run trains from a copy of the state its last fit
    ended with (:meth:`copy`), so that a fit that raises leaves the saved
    state as it was.

    Parameters
    ----------
    shuffle_rng : numpy.random.RandomState
        Shuffles the rows (or the blocks) at each epoch, consumed as
        scikit-learn consumes its random state.
    dropout_rng : numpy.random.Generator or None
        Draws the dropout masks.
    order : ndarray of int or None
        The order the rows were visited in by the last epoch: each epoch
        shuffles it further, as scikit-learn shuffles its sample indices.
    split : tuple (train_rows, validation_rows) or None
        The rows of the internal validation split, kept for the whole run.
    epochs : int, default=0
        The number of epochs the run has completed.
    lowest_loss : float, default=inf
        The lowest training loss of the run, for the divergence rule.
    ended : {'converged', 'diverged'} or None, default=None
        Whether the run's own rules ended it: the plateau rule, or divergence.
    position : ndarray or None, default=None
        The parameters the run stands at, when the model keeps other ones
        (the best epoch's, with early stopping); None when they are the
        model's.
    key : dict, default={}
        What the run depends on (the solver, the number of training rows,
        the validation set): a fit that changes any of it cannot continue
        the run.
    """

    shuffle_rng: np.random.RandomState
    dropout_rng: np.random.Generator | None
    order: np.ndarray | None
    split: tuple | None
    epochs: int = 0
    lowest_loss: float = math.inf
    ended: str | None = None
    position: np.ndarray | None = None
    key: dict = field(default_factory=dict)

    def copy(self):
        """A copy to train on, which :meth:`rewind` can undo.

        The arrays (the order, the split, the position) are replaced as
        training goes on, never written, so the copy shares them; the random
        streams change in place, and the copy shares them too (a new stream
        costs ~0.2 ms, a noticeable part of a one-epoch fit) after saving
        their states: a fit that fails rewinds them.

        Returns
        -------
        run : RunState
        """
        new = copy.copy(self)
        dropout = None if self.dropout_rng is None else self.dropout_rng.bit_generator
        new._saved = (
            self.shuffle_rng.get_state(),
            None if dropout is None else dropout.state,
        )
        return new

    def rewind(self):
        """Put the random streams back where :meth:`copy` found them."""
        shuffle, dropout = self.__dict__.pop("_saved", (None, None))
        if shuffle is not None:
            self.shuffle_rng.set_state(shuffle)
        if dropout is not None:
            self.dropout_rng.bit_generator.state = dropout

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_saved", None)
        return state
