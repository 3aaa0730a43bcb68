"""Learning-rate schedules, applied between epochs to any stochastic optimizer.

A schedule only decides the learning rate: at the end of each epoch
(:meth:`~Constant.epoch_ended`) and when training stops improving
(:meth:`~Constant.on_plateau`, which also says whether to stop). Detecting the
plateau and reporting it are the training loop's jobs.

``constant``, ``invscaling`` and ``adaptive`` are scikit-learn's schedules
with its formulas; ``cosine`` is added. scikit-learn applies them to ``sgd``
only; here they apply to ``adam`` too.
"""

import math

__all__ = ["SCHEDULES", "Adaptive", "Constant", "Cosine", "InvScaling"]


class Constant:
    """Keep the initial learning rate; stop at the first plateau.

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate.
    """

    def __init__(self, learning_rate_init, **kwargs):
        self.learning_rate_init = float(learning_rate_init)

    def epoch_ended(self, optimizer, epoch, t):
        """Set ``optimizer.learning_rate`` for the next epoch.

        Parameters
        ----------
        optimizer : SGD or Adam
        epoch : int
            The number of epochs completed.
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
        stop : bool
            Whether training should stop.
        message : str
            What was decided, for verbose output.
        """
        return True, "Stopping."


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
            return True, "Learning rate too small. Stopping."
        optimizer.learning_rate /= 5.0
        return False, f"Setting learning rate to {optimizer.learning_rate:f}"


class Cosine(Constant):
    """``lr = learning_rate_init * (1 + cos(pi * epoch / max_iter)) / 2``.

    Decays smoothly from the initial rate to zero at ``max_iter`` epochs
    (Loshchilov & Hutter, 2017, without restarts).

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate.
    max_iter : int
        The number of epochs over which the rate decays to zero.
    """

    def __init__(self, learning_rate_init, max_iter=200, **kwargs):
        super().__init__(learning_rate_init)
        self.max_iter = max_iter

    def epoch_ended(self, optimizer, epoch, t):
        progress = min(epoch / self.max_iter, 1.0)
        optimizer.learning_rate = (
            self.learning_rate_init * 0.5 * (1 + math.cos(math.pi * progress))
        )


SCHEDULES = {
    "constant": Constant,
    "invscaling": InvScaling,
    "adaptive": Adaptive,
    "cosine": Cosine,
}
