"""Whether a model can continue its training run, and the one call that does.

The searches train a surviving candidate further at each rung. For our
estimators this is *the continuation contract*: after ``fit`` with
``max_iter=a``, ``set_params(warm_start="continue", max_iter=b).fit(X, y)``
gives, bit for bit, the model of one ``fit`` with ``max_iter=a + b`` (the
weights, the curves, ``n_iter_``, the optimizer's moments, the random
streams). Any other estimator is cloned and fitted afresh with the larger
budget, as scikit-learn's halving searches do. The decision and the call live
here and nowhere else, so that the rest of the search does not know which
estimators can continue.
"""

from .._base import BaseBackpropMLP

__all__ = ["can_continue", "continue_training", "stopped_before"]

# L-BFGS cannot resume exactly: its line searches and memory start again.
_STOCHASTIC_SOLVERS = ("sgd", "adam")


def can_continue(estimator, resource):
    """Whether ``estimator`` continues exactly when ``resource`` grows.

    Parameters
    ----------
    estimator : estimator instance
        The estimator that the search trains (a Pipeline's final step).
    resource : str
        The name, in ``estimator``, of the parameter the search budgets.

    Returns
    -------
    bool
        True for our estimators budgeted in epochs (``max_iter``) with a
        stochastic solver and a schedule that does not depend on the budget
        (cosine needs a fixed ``schedule_horizon``).
    """
    if not isinstance(estimator, BaseBackpropMLP) or resource != "max_iter":
        return False
    if estimator.solver not in _STOCHASTIC_SOLVERS:
        return False
    # Cosine's rate at an epoch depends on the budget, unless its horizon is
    # fixed; every other schedule's does not.
    budget_free = estimator.learning_rate != "cosine"
    return budget_free or estimator.schedule_horizon is not None


def continue_training(model, epochs, X, y, fit_params):
    """Train a fitted ``model`` for ``epochs`` more epochs of the same run.

    Parameters
    ----------
    model : BackpropMLPClassifier or BackpropMLPRegressor
        Fitted, on the same ``X`` and ``y``, and :func:`can_continue`.
    epochs : int
        The epochs to add.
    X, y : array-like
        The data of the run.
    fit_params : dict
        The other arguments of the run's ``fit`` (``sample_weight``, say).

    Returns
    -------
    model
        The same object, trained further.
    """
    model.set_params(warm_start="continue", max_iter=epochs)
    return model.fit(X, y, **fit_params)


def stopped_before(model, budget):
    """Whether a continuable ``model`` ended its run before ``budget`` epochs.

    Its ``tol`` rule stopped it (or it diverged). Continuing it would train no
    epoch: its longer from-scratch fit stops at the same epoch.
    """
    return model.n_iter_ < budget
