"""The jobs of a rung: train candidates on one fold, and score them.

A job receives only what it needs: one fold's data, and for each of its
candidates the model (fitted, to continue it; or a fresh clone) and the
epochs. It runs in a joblib worker, so it returns everything it produced,
the models included, and the warnings it caught: the caller shows them in
its own process, where the user's filters apply. The ConvergenceWarnings of
a rung are expected (a rung stops training on purpose) and are dropped.
"""

import time
import traceback
import warnings
from dataclasses import dataclass, field

from sklearn.exceptions import ConvergenceWarning

from ._continuation import continue_training

__all__ = ["Outcome", "caught_warnings", "run_job", "run_jobs"]

# What our estimators and scikit-learn's MLPs warn when they catch a Ctrl-C:
# they stop and keep the model, which a search must not pass off as trained.
_INTERRUPTED = "Training interrupted by user"


@dataclass
class Outcome:
    """What one job produced.

    Attributes
    ----------
    model : estimator or None
        The trained model; None if its fit failed.
    test_scores, train_scores : dict or None
        ``{metric: score}``; None if the fit or the scoring failed (the
        search puts ``error_score`` there).
    fit_time, score_time : float
        Seconds to fit, and to score on the test rows.
    error : str or None
        The traceback of the failure.
    warnings : list of (type, str)
        The warnings to show, as category and message.
    """

    model: object = None
    test_scores: dict = None
    train_scores: dict = None
    fit_time: float = 0.0
    score_time: float = 0.0
    error: str = None
    warnings: list = field(default_factory=list)


class caught_warnings(warnings.catch_warnings):
    """Record every warning; raise KeyboardInterrupt if training was interrupted.

    ``recorded()`` gives the ``(category, message)`` pairs to show, without
    the ConvergenceWarnings when ``drop_convergence``.
    """

    def __init__(self, drop_convergence):
        super().__init__(record=True)
        self.drop_convergence = drop_convergence

    def __enter__(self):
        self.log = super().__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc_info):
        super().__exit__(*exc_info)
        if any(str(w.message).startswith(_INTERRUPTED) for w in self.log):
            raise KeyboardInterrupt(_INTERRUPTED)

    def recorded(self):
        return [
            (w.category, str(w.message))
            for w in self.log
            if not (
                self.drop_convergence and issubclass(w.category, ConvergenceWarning)
            )
        ]


def run_job(model, fold, epochs, continued, scoring, return_train_score, error_score):
    """Train ``model`` on ``fold`` and score it.

    Parameters
    ----------
    model : estimator
        Fitted, to continue for ``epochs`` more epochs when ``continued``;
        otherwise unfitted, its budget already set.
    fold : Fold
    epochs : int
        The epochs to add when ``continued``.
    continued : bool
    scoring : Scoring
    return_train_score : bool
    error_score : 'raise' or float
        'raise' lets a failure of the fit or the scoring propagate; otherwise
        the outcome records it.

    Returns
    -------
    Outcome
    """
    outcome = Outcome()
    caught = caught_warnings(drop_convergence=True)
    with caught:
        start = time.perf_counter()
        try:
            if continued:
                continue_training(
                    model, epochs, fold.X_train, fold.y_train, fold.fit_params
                )
            else:
                model.fit(fold.X_train, fold.y_train, **fold.fit_params)
            outcome.fit_time = time.perf_counter() - start
            start = time.perf_counter()
            outcome.test_scores = scoring(
                model, fold.X_test, fold.y_test, fold.score_params_test
            )
            # The test scoring's time only, as in scikit-learn's searches.
            outcome.score_time = time.perf_counter() - start
            if return_train_score:
                outcome.train_scores = scoring(
                    model, fold.X_train, fold.y_train, fold.score_params_train
                )
            outcome.model = model
        except Exception:
            if error_score == "raise":
                raise
            outcome.error = traceback.format_exc()
            outcome.test_scores = outcome.train_scores = None
    outcome.warnings = caught.recorded()
    return outcome


def run_jobs(fold, trainings, scoring, return_train_score, error_score):
    """:func:`run_job` for several models on one fold, which ships once.

    Parameters
    ----------
    fold : Fold
    trainings : list of (model, epochs, continued)
    scoring, return_train_score, error_score
        As for :func:`run_job`.

    Returns
    -------
    list of Outcome
        In the order of ``trainings``.
    """
    return [
        run_job(
            model, fold, epochs, continued, scoring, return_train_score, error_score
        )
        for model, epochs, continued in trainings
    ]
