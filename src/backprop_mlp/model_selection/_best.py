"""A fitted search acts as its best estimator: predict, score, classes_...

As in scikit-learn's searches, these methods exist when the estimator has
them and ``refit`` is set, and call ``best_estimator_``.
"""

from copy import deepcopy

from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

__all__ = ["BestEstimatorMixin"]


def _check_refit(search, attr):
    if not search.refit:
        raise AttributeError(
            f"This {type(search).__name__} instance was initialized with "
            f"refit=False, so it has no best_estimator_ to call {attr} on. Set "
            "refit=True, or fit an estimator with best_params_ yourself."
        )


def _best_has(attr):
    """``available_if`` check: the best estimator (or, unfitted, the estimator)
    has ``attr``, and refit is set."""

    def check(self):
        _check_refit(self, attr)
        getattr(getattr(self, "best_estimator_", self.estimator), attr)
        return True

    return check


def _delegated(name, returns):
    """A method calling ``best_estimator_.<name>(X)``, when the estimator has it."""

    def method(self, X):
        check_is_fitted(self)
        return getattr(self.best_estimator_, name)(X)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"""Call ``{name}`` of the best estimator.

        Parameters
        ----------
        X : indexable of length n_samples
            As the estimator takes it.

        Returns
        -------
        {returns}
        """
    return available_if(_best_has(name))(method)


class BestEstimatorMixin:
    """Delegate prediction, scoring and transforms to ``best_estimator_``."""

    predict = _delegated(
        "predict", "y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)"
    )
    predict_proba = _delegated(
        "predict_proba",
        "proba : ndarray of shape (n_samples, n_classes), in the order of ``classes_``",
    )
    predict_log_proba = _delegated(
        "predict_log_proba", "log_proba : ndarray of shape (n_samples, n_classes)"
    )
    decision_function = _delegated("decision_function", "scores : ndarray")
    score_samples = _delegated(
        "score_samples", "scores : ndarray of shape (n_samples,)"
    )
    transform = _delegated("transform", "Xt : ndarray or sparse matrix")
    inverse_transform = _delegated(
        "inverse_transform", "X_original : ndarray or sparse matrix"
    )

    def score(self, X, y=None):
        """The score of the best estimator by the search's ranking metric.

        ``scoring`` when given (with several metrics, the one ``refit``
        names), else the estimator's own ``score``.

        Parameters
        ----------
        X : indexable of length n_samples
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), \
                default=None

        Returns
        -------
        score : float
        """
        _check_refit(self, "score")
        check_is_fitted(self)
        scorer = self.scorer_
        if isinstance(scorer, dict):
            return scorer[self.refit](self.best_estimator_, X, y)
        score = scorer(self.best_estimator_, X, y)
        return score[self.refit] if self.multimetric_ else score

    @property
    def classes_(self):
        """ndarray of shape (n_classes,): The class labels (classifiers only)."""
        _best_has("classes_")(self)
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self):
        """int: The number of features seen in ``fit`` (with ``refit``)."""
        try:
            check_is_fitted(self)
        except NotFittedError as error:
            raise AttributeError(
                f"{type(self).__name__} object has no n_features_in_ attribute "
                "before it is fitted."
            ) from error
        return self.best_estimator_.n_features_in_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags
