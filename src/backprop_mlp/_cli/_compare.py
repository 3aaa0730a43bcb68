"""The two models and their cross-validation, fit by fit."""

import signal
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import resource_tracker

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
# Both estimators catch Ctrl-C in their epoch loop, warn with a message that
# starts so, and return what they learned as if training had ended.
_INTERRUPTED = "Training interrupted by user"


class FitInterrupted(Exception):
    """A fit was cut short by Ctrl-C; it must not be scored as a trained model.

    An exception, not a KeyboardInterrupt, so that it travels from a worker
    process to the parent as any error does.
    """


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
    # Creating it starts the workers, if any.
    with _ctrl_c_held(n_jobs > 1) as pressed:
        outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_fit_and_score)(models[name], dataset.X, dataset.y, train, test)
            for _, name, train, test in fits
        )
    with _closed_quietly(outcomes):
        if pressed:
            raise KeyboardInterrupt
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


@contextmanager
def _ctrl_c_held(starting_workers):
    """Keep Ctrl-C from the worker processes this thread starts.

    The terminal sends Ctrl-C to every process of the group, and a worker
    still starting up prints a KeyboardInterrupt traceback of its own. A
    process inherits the signal mask of the thread that starts it, so the
    workers started while SIGINT is blocked here never see it: the parent
    alone is interrupted, and joblib then ends its workers. A Ctrl-C pressed
    meanwhile is only noted (another thread, not blocking it, may take it)
    in the list this yields, to be raised once the workers have started.
    """
    pressed = []
    if not (
        starting_workers
        and hasattr(signal, "pthread_sigmask")
        and threading.current_thread() is threading.main_thread()
    ):
        yield pressed
        return
    # The stdlib's resource tracker unblocks SIGINT after it starts: started
    # now, it does so before the block, not in the middle of it.
    resource_tracker.ensure_running()
    handler = signal.signal(signal.SIGINT, lambda *_: pressed.append(True))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield pressed
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, handler)


@contextmanager
def _closed_quietly(outcomes):
    """Close joblib's generator of results on the way out, however it ends.

    Closed early (after Ctrl-C), it cancels the fits still running and warns
    that it did, which is what was asked for.
    """
    try:
        yield
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            outcomes.close()


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

    Raises
    ------
    FitInterrupted
        If Ctrl-C stopped training: the estimators keep the interrupted fit.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.filterwarnings("error", _INTERRUPTED, UserWarning)
        try:
            model.fit(X, y)
        except UserWarning as exc:
            if not str(exc).startswith(_INTERRUPTED):
                raise
            raise FitInterrupted(str(exc)) from None
    converged = True
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            converged = False
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return converged
