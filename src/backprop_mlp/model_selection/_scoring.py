"""The scorers of a search: one metric or several, and which one ranks.

scikit-learn's own ``check_scoring`` and ``_check_multimetric_scoring`` make
the scorers; this module decides, as ``BaseSearchCV`` does, which metric
promotes candidates between rungs and picks the best one, and calls them on a
fold.
"""

import numbers
from inspect import signature

from sklearn.metrics import check_scoring
from sklearn.metrics._scorer import _check_multimetric_scoring

__all__ = ["Scoring"]


class Scoring:
    """The scorers of a search, and the metric that ranks its candidates.

    Parameters
    ----------
    estimator : estimator instance
        The search's estimator (for its default ``score``).
    scoring : str, callable, list, tuple, dict or None
        As in scikit-learn's searches.
    refit : bool, str or callable
        With several metrics, the name of the one that ranks candidates.

    Attributes
    ----------
    scorers : dict or callable
        ``{name: scorer}`` for several metrics; one scorer otherwise.
    ranking : str
        The metric that promotes candidates and picks the best one: 'score'
        for a single metric.
    """

    def __init__(self, estimator, scoring, refit):
        if scoring is None or isinstance(scoring, str) or callable(scoring):
            self.scorers = check_scoring(estimator, scoring)
            self.ranking = "score"
            return
        self.scorers = _check_multimetric_scoring(estimator, scoring)
        self.ranking = self.check_ranking(self.scorers, refit)

    @staticmethod
    def check_ranking(names, refit):
        """The metric named by ``refit`` among ``names``; refuse anything else."""
        if isinstance(refit, str) and refit in names:
            return refit
        raise ValueError(
            f"With several metrics ({', '.join(sorted(names))}), refit must name "
            "the one that promotes candidates from rung to rung and picks the "
            f"best, e.g. refit={sorted(names)[0]!r}; got refit={refit!r}."
        )

    def accept_sample_weight(self):
        """Whether every scorer takes ``sample_weight`` (then the folds pass it)."""
        scorers = self.scorers
        scorers = scorers.values() if isinstance(scorers, dict) else [scorers]
        return all(_accepts_sample_weight(scorer) for scorer in scorers)

    def __call__(self, model, X, y, score_params):
        """``{name: score}`` of a fitted ``model`` on ``X``, ``y``.

        A single metric is named 'score'; a callable that returns a dict gives
        its own names.
        """
        if isinstance(self.scorers, dict):
            return {
                name: _number(scorer(model, X, y, **score_params), name)
                for name, scorer in self.scorers.items()
            }
        score = self.scorers(model, X, y, **score_params)
        if isinstance(score, dict):
            return {name: _number(value, name) for name, value in score.items()}
        return {"score": _number(score, "score")}


def _number(score, name):
    if hasattr(score, "item"):
        score = score.item()
    if not isinstance(score, numbers.Number):
        raise ValueError(
            f"scoring must return a number, got {score!r} ({type(score).__name__}) "
            f"for {name!r} instead."
        )
    return score


def _accepts_sample_weight(scorer):
    # scikit-learn >= 1.7 asks its scorers. Before, the scorer of an
    # estimator's own score passes everything on to that method, whose
    # signature says; a plain callable's own signature says.
    accept = getattr(scorer, "_accept_sample_weight", None)
    if accept is not None:
        return accept()
    estimator = getattr(scorer, "_estimator", None)
    if estimator is not None:
        return "sample_weight" in signature(estimator.score).parameters
    return "sample_weight" in signature(scorer).parameters
