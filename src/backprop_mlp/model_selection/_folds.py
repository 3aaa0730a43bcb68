"""The folds of a search: fixed once, and their preprocessed data, kept.

A search trains each candidate further at every rung on the same folds, so
the splits are made once (and refused if the ``cv`` would not give the same
ones again). In a ``Pipeline`` whose final step is the one the budget grows,
the steps before it (the *head*: a scaler, say) are fitted once per fold and
per distinct set of their parameters; every rung then trains the final step
on the head's output, as the ``Pipeline`` would have given it.
"""

from dataclasses import dataclass, replace

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import check_cv
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params

__all__ = ["Fold", "Layout", "fixed_splits", "preprocess", "split_fold"]


def fixed_splits(cv, X, y, groups, classifier):
    """The ``(train, test)`` index pairs of ``cv``, the same at every call.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable
    X, y : indexable
    groups : array-like or None
    classifier : bool
        Whether an int ``cv`` stratifies (as in scikit-learn).

    Returns
    -------
    list of (ndarray, ndarray)
    """
    checked = check_cv(cv, y, classifier=classifier)
    splits = list(checked.split(X, y, groups))
    again = list(checked.split(X, y, groups))
    same = len(splits) == len(again) and all(
        np.array_equal(a, c) and np.array_equal(b, d)
        for (a, b), (c, d) in zip(splits, again, strict=True)
    )
    if not same:
        raise ValueError(
            f"cv={cv!r} gives different splits each time it is called, but a "
            "search trains its candidates further on the same folds at every "
            "rung. Set the splitter's random_state to an int, or shuffle=False."
        )
    if not splits:
        raise ValueError(f"cv={cv!r} gives no split; it needs at least one.")
    return splits


@dataclass
class Fold:
    """What a job needs of one fold: the data its model trains and is scored on.

    ``X_train`` and ``X_test`` are the head's output in a Pipeline.
    """

    X_train: object
    y_train: object
    X_test: object
    y_test: object
    fit_params: dict
    score_params_train: dict
    score_params_test: dict


@dataclass(frozen=True)
class Layout:
    """Which part of the estimator the budget trains, and what comes before it.

    Attributes
    ----------
    step : str or None
        The name of the Pipeline's final step, when the budgeted parameter is
        one of its own; None otherwise (the whole estimator is trained at
        every rung then, as scikit-learn does).
    parameter : str
        The budgeted parameter's name inside the trained part (``max_iter``).
    """

    step: object
    parameter: str

    @classmethod
    def of(cls, estimator, resource):
        """The layout of ``estimator`` with ``resource`` budgeted."""
        if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
            step = estimator.steps[-1][0]
            if resource.startswith(f"{step}__"):
                return cls(step, resource[len(step) + 2 :])
        return cls(None, resource)

    def split(self, estimator):
        """``(head, trained)``: the unfitted preprocessing (or None) and the rest."""
        if self.step is None:
            return None, estimator
        return estimator[:-1], estimator.steps[-1][1]

    def head_key(self, estimator):
        """Equal for two candidates whose heads would fit to the same thing."""
        head, _ = self.split(estimator)
        return None if head is None else joblib.hash(head)

    def route(self, fit_params):
        """``(head_params, trained_params)`` of the arguments to ``fit``."""
        if self.step is None:
            return {}, dict(fit_params)
        head, trained = {}, {}
        for name, value in fit_params.items():
            step, sep, key = name.partition("__")
            if not sep:
                raise ValueError(
                    f"fit parameter {name!r} does not name a step of the "
                    f"Pipeline: pass it as '<step>__{name}', e.g. "
                    f"'{self.step}__{name}'."
                )
            if step == self.step:
                trained[key] = value
            else:
                head[name] = value
        return head, trained


def split_fold(X, y, train, test, params):
    """One fold's rows of the data and of the per-sample arguments.

    Parameters
    ----------
    X, y : indexable
        All the data.
    train, test : ndarray of int
        The fold's rows.
    params : dict
        ``{"head": ..., "fit": ..., "score": ...}``: the arguments of the
        head's ``fit``, of the trained part's and of the scorers.

    Returns
    -------
    fold : Fold
    head_params : dict
        The head's arguments, sliced to the training rows.
    """
    fold = Fold(
        _safe_indexing(X, train),
        None if y is None else _safe_indexing(y, train),
        _safe_indexing(X, test),
        None if y is None else _safe_indexing(y, test),
        _check_method_params(X, params["fit"], train),
        _check_method_params(X, params["score"], train),
        _check_method_params(X, params["score"], test),
    )
    return fold, _check_method_params(X, params["head"], train)


def preprocess(head, fold, head_params):
    """The fold with its ``X`` passed through a fresh copy of ``head``.

    The head is fitted on the fold's training rows only, as the Pipeline
    would fit it.
    """
    head = clone(head)
    X_train = head.fit_transform(fold.X_train, fold.y_train, **head_params)
    return replace(fold, X_train=X_train, X_test=head.transform(fold.X_test))
