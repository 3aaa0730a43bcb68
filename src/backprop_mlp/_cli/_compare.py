"""The two models and their cross-validation, fit by fit."""

import time
import warnings
from dataclasses import dataclass, field

from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .._classifier import BackpropMLPClassifier
from .._regressor import BackpropMLPRegressor

# The scikit-learn models, whose fit time is the ratio's denominator.
SKLEARN_MODELS = ("MLPClassifier", "MLPRegressor")


@dataclass
class ModelResult:
    """Cross-validation results of one model on one data set."""

    dataset: str
    model: str
    scores: list = field(default_factory=list)
    fit_times: list = field(default_factory=list)
    n_not_converged: int = 0


def make_models(hidden, solver, max_iter, random_state, task="classification"):
    """Both estimators with identical hyper-parameters, behind a scaler.

    Parameters
    ----------
    hidden : tuple of int
    solver : {'adam', 'sgd', 'lbfgs'}
    max_iter : int
    random_state : int
    task : {'classification', 'regression'}, default='classification'
        Regressors also have their target standardised, as networks trained
        from small initial weights need.

    Returns
    -------
    models : dict of str to estimator
        Ours first, then scikit-learn's.
    """
    params = dict(
        hidden_layer_sizes=hidden,
        solver=solver,
        max_iter=max_iter,
        random_state=random_state,
    )
    if task == "regression":
        return {
            cls.__name__: TransformedTargetRegressor(
                make_pipeline(StandardScaler(), cls(**params)),
                transformer=StandardScaler(),
            )
            for cls in (BackpropMLPRegressor, MLPRegressor)
        }
    return {
        cls.__name__: make_pipeline(StandardScaler(), cls(**params))
        for cls in (BackpropMLPClassifier, MLPClassifier)
    }


def cross_validate(dataset, models, n_folds, random_state, progress=None, n_jobs=1):
    """Fit and score every model on the same folds.

    Stratified folds for classification, scored by accuracy; shuffled K-fold
    splits for regression, scored by R².

    Parameters
    ----------
    dataset : Dataset
    models : dict of str to estimator
    n_folds : int
    random_state : int
        Seeds the shuffling of ``StratifiedKFold``.
    progress : callable or None
        Called with one line of text per fit, in fold order.
    n_jobs : int, default=1
        Fits run at once, by joblib (in the backend of ``joblib.parallel_config``,
        worker processes by default). Each fit is seeded, so the scores do not
        depend on it.

    Returns
    -------
    results : list of ModelResult
        One per model, in the order of ``models``.
    """
    regression = dataset.task == "regression"
    splitter = KFold if regression else StratifiedKFold
    cv = splitter(n_folds, shuffle=True, random_state=random_state)
    metric = "R2" if regression else "accuracy"
    results = {name: ModelResult(dataset.name, name) for name in models}
    fits = [
        (fold, name, train, test)
        for fold, (train, test) in enumerate(cv.split(dataset.X, dataset.y), 1)
        for name in models
    ]
    # A generator in submission order: a serial run reports each fit as it
    # ends, a parallel one as soon as the fits before it have ended too.
    outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_and_score)(models[name], dataset.X, dataset.y, train, test)
        for _, name, train, test in fits
    )
    for (fold, name, _, _), (score, elapsed, converged) in zip(
        fits, outcomes, strict=True
    ):
        result = results[name]
        result.scores.append(score)
        result.fit_times.append(elapsed)
        result.n_not_converged += not converged
        if progress is not None:
            progress(
                f"{dataset.name}: fold {fold}/{n_folds} {name:<21} "
                f"{metric} {score:.4f}  fit {elapsed:.2f} s"
                + ("" if converged else "  (not converged)")
            )
    return list(results.values())


def _fit_and_score(model, X, y, train, test):
    """Fit a clone of ``model`` on ``train``; its test score, fit time, and
    whether it converged."""
    model = clone(model)
    start = time.perf_counter()
    converged = _fit_counting_convergence(model, X[train], y[train])
    elapsed = time.perf_counter() - start
    return model.score(X[test], y[test]), elapsed, converged


def _fit_counting_convergence(model, X, y):
    """Fit ``model``; return whether it did so without a ConvergenceWarning.

    Convergence warnings become one note under the table instead of a wall of
    text; any other warning is passed on.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    converged = True
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            converged = False
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return converged
