"""Learning-rate schedules, applied between epochs to any stochastic optimizer.

A schedule only decides the learning rate: when a fit starts
(:meth:`~Constant.start`), at the end of each epoch
(:meth:`~Constant.epoch_ended`), and when training stops improving
(:meth:`~Constant.on_plateau`, which returns a :class:`Decision`: lower the
rate, or stop). Detecting the plateau is the monitor's job, and saying what
was decided is the printer's.

``constant``, ``invscaling`` and ``adaptive`` are scikit-learn's schedules
with its formulas; ``cosine`` is added. scikit-learn applies them to ``sgd``
only; here they apply to ``adam`` too.

Every schedule but ``cosine`` reads only what the optimizer and the run carry
(the current rate, the samples seen), so that a continued run follows the
schedule of one longer run. ``cosine`` decays over a horizon of epochs: a
fixed horizon makes it one schedule over the whole run, continuations
included; without one, each fit decays over its own ``max_iter`` epochs, a
warm restart.
"""

import math
from dataclasses import dataclass

__all__ = ["SCHEDULES", "Adaptive", "Constant", "Cosine", "Decision", "InvScaling"]


@dataclass(frozen=True)
class Decision:
    """What a schedule decided at a plateau.

    Parameters
    ----------
    stop : bool
        Whether training should stop.
    learning_rate : float or None, default=None
        The new learning rate, when it was lowered instead.
    rate_too_small : bool, default=False
        Whether it stops because the rate cannot be lowered further.
    """

    stop: bool
    learning_rate: float | None = None
    rate_too_small: bool = False


class Constant:
    """Keep the initial learning rate; stop at the first plateau.

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate.
    """

    def __init__(self, learning_rate_init, **kwargs):
        self.learning_rate_init = float(learning_rate_init)

    def start(self, optimizer, epoch):
        """Set ``optimizer.learning_rate`` for the first epoch of a fit.

        A new optimizer starts at ``learning_rate_init``, a continued one at
        the rate it reached: only a schedule with a horizon has more to do.

        Parameters
        ----------
        optimizer : SGD or Adam
        epoch : int
            The number of epochs the run has completed.
        """

    def epoch_ended(self, optimizer, epoch, t):
        """Set ``optimizer.learning_rate`` for the next epoch.

        Parameters
        ----------
        optimizer : SGD or Adam
        epoch : int
            The number of epochs the run has completed.
        t : int
            The number of samples seen so far (scikit-learn's ``t_``).
        """

    def on_plateau(self, optimizer):
        """React to a plateau of the monitored quantity.

        Parameters
        ----------
        optimizer : SGD or Adam

        Returns
        -------
        decision : Decision
        """
        return Decision(stop=True)


class InvScaling(Constant):
    """``lr = learning_rate_init / (t + 1) ** power_t``, t the samples seen.

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate.
    power_t : float
        The exponent of the inverse scaling.
    """

    def __init__(self, learning_rate_init, power_t=0.5, **kwargs):
        super().__init__(learning_rate_init)
        self.power_t = power_t

    def epoch_ended(self, optimizer, epoch, t):
        optimizer.learning_rate = self.learning_rate_init / (t + 1) ** self.power_t


class Adaptive(Constant):
    """Divide the learning rate by 5 at each plateau; stop once it is <= 1e-6."""

    def on_plateau(self, optimizer):
        if optimizer.learning_rate <= 1e-6:
            return Decision(stop=True, rate_too_small=True)
        optimizer.learning_rate /= 5.0
        return Decision(stop=False, learning_rate=optimizer.learning_rate)


class Cosine(Constant):
    """``lr = learning_rate_init * (1 + cos(pi * e / horizon)) / 2``.

    Decays smoothly from the initial rate to zero over ``horizon`` epochs,
    and stays at zero after (Loshchilov & Hutter, 2017, without restarts).
    ``e`` counts the epochs from ``origin``.

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate.
    horizon : int
        The number of epochs over which the rate decays to zero.
    origin : int, default=0
        The epoch of the run the decay starts from: 0 for a horizon over the
        whole run, the run's epoch count at the start of a fit for a decay
        over that fit only.
    """

    def __init__(self, learning_rate_init, horizon=200, origin=0, **kwargs):
        super().__init__(learning_rate_init)
        self.horizon, self.origin = horizon, origin

    def _rate(self, epoch):
        progress = min((epoch - self.origin) / self.horizon, 1.0)
        return self.learning_rate_init * 0.5 * (1 + math.cos(math.pi * progress))

    def start(self, optimizer, epoch):
        optimizer.learning_rate = self._rate(epoch)

    def epoch_ended(self, optimizer, epoch, t):
        optimizer.learning_rate = self._rate(epoch)


SCHEDULES = {
    "constant": Constant,
    "invscaling": InvScaling,
    "adaptive": Adaptive,
    "cosine": Cosine,
}
