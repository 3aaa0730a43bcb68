"""How a fit ended, in words: the errors that refuse it, the warnings that qualify it.

The trainer returns a :class:`~backprop_mlp._records.TrainingResult` and says
nothing; these two functions turn it into what the user reads. A fit that
learned nothing, or whose weights are not finite, is refused before the
commit; one that diverged later, was interrupted, or did not converge is
committed with a warning that names the likely cause.
"""

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._warnings import TrainingDivergedWarning, warn

__all__ = ["check_result", "warn_about"]


def check_result(plan, result, learning_rate_init):
    """Refuse to commit a fit that learned nothing, or non-finite weights.

    Parameters
    ----------
    plan : TrainingPlan
    result : TrainingResult
    learning_rate_init : float
        For the message.

    Raises
    ------
    KeyboardInterrupt
        When Ctrl-C came before the first epoch ended.
    ValueError
        When the first epoch diverged, or the weights are not finite.
    """
    if result.n_iter == 0 and result.interrupted:
        # Nothing was learned: the interruption is the user's to handle.
        raise KeyboardInterrupt
    if result.n_iter == 0 and result.diverged:
        largest = _largest_magnitude(plan.X)
        raise ValueError(
            "Training diverged in its first "
            f"{'iteration' if plan.optimizer is None else 'epoch'}: the "
            "loss or the weights became non-finite or exploded, and no epoch "
            "completed, so there is no model to keep; the estimator is "
            "unchanged. The features are probably not scaled"
            + (f" (the largest |X| is {largest:.3g})" if largest else "")
            + ": try StandardScaler in a Pipeline; or the learning rate "
            f"(learning_rate_init={learning_rate_init}) is too high."
        )
    if not np.isfinite(plan.net.params).all():
        raise ValueError(
            "The weights are not finite at the end of training, although "
            "every epoch ended finite: something changed them between epochs "
            "(a callback?). Nothing was committed; the estimator is unchanged."
        )


def warn_about(result, learning_rate_init, max_iter):
    """Warn about how a committed fit ended: interrupted, diverged, unstable,
    or short of convergence.

    Parameters
    ----------
    result : TrainingResult
    learning_rate_init, max_iter
        The estimator's, for the messages.
    """
    if result.interrupted:
        warn(
            "Training interrupted by user: the model keeps what it learned "
            f"in {result.n_iter} epoch(s).",
            UserWarning,
        )
    if result.diverged:
        warn(
            f"Training diverged at epoch {result.n_iter + 1}: the loss or the "
            "weights became non-finite or exploded. Training stopped and the "
            "weights before that epoch were kept. The learning rate "
            f"(learning_rate_init={learning_rate_init}) is probably too "
            "high, or the features are not scaled (try StandardScaler in a "
            "Pipeline).",
            TrainingDivergedWarning,
        )
    elif result.unstable:
        warn(
            f"Training ended with a loss of {result.loss:.4g}, more than 10 "
            f"times the lowest it reached: it is unstable. The learning rate "
            f"(learning_rate_init={learning_rate_init}) is probably too "
            "high, or the features are not scaled (try StandardScaler in a "
            "Pipeline).",
            TrainingDivergedWarning,
        )
    if result.reached_max_iter and not result.diverged:
        warn(
            f"Stochastic Optimizer: Maximum iterations ({max_iter}) "
            "reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
        )
    elif result.lbfgs_status and not (result.stopped_by_callback or result.diverged):
        warn(
            f"lbfgs failed to converge after {result.n_iter} iteration(s) "
            f"(status={result.lbfgs_status}):\n{result.lbfgs_message}\n\n"
            "Increase the number of iterations (max_iter) or scale the data "
            "as shown in https://scikit-learn.org/stable/modules/"
            "preprocessing.html",
            ConvergenceWarning,
        )


def _largest_magnitude(X):
    """The largest finite |x| of a dense ``X``, for messages; None otherwise."""
    if not isinstance(X, np.ndarray) or X.size == 0:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        return float(max(X.max(), -X.min()))
