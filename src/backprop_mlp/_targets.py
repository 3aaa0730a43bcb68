"""Targets: how ``y`` is checked and encoded into what the network fits.

A classifier's labels become an indicator matrix ``Y`` (one column per class,
or one for a binary target) through a :class:`LabelEncoding`; a regressor's
real targets become a float matrix, one column per output. Each function here
*returns* what it encodes and what a fit will record (the classes, say),
and changes no estimator: the fit commits what it returns at the end.

A fit that continues a model encodes with the model's encoding, checking that
the labels are the ones it was fitted on. This is the one place a continued
fit (a step of a search, say) spends time on ``y``, so it avoids scikit-learn's
``type_of_target`` (which each of ``LabelBinarizer``'s methods calls again)
where plain integer or string labels make it unnecessary.
"""

from dataclasses import dataclass
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_array

from ._losses import (
    IDENTITY_OUTPUT,
    LOGISTIC_OUTPUT,
    POISSON_OUTPUT,
    SOFTMAX_OUTPUT,
)

__all__ = [
    "LabelEncoding",
    "RealEncoding",
    "check_outputs",
    "encode_labels",
    "encode_real_targets",
    "output_for_loss",
    "real_targets",
    "refuse_categorical",
]

# Label dtypes whose values are plainly labels: no need to ask type_of_target.
_PLAIN_LABEL_KINDS = "biuUS"


def _label_kind(label):
    if label is None:
        return "None"
    if isinstance(label, str):
        return "str"
    if isinstance(label, Real):
        return "number"
    return type(label).__name__


def _check_label_types(y):
    """Refuse labels of mixed types with a message that names them.

    scikit-learn's own message for them ("Unknown label type: unknown")
    does not say what is wrong.
    """
    if y.dtype != object:
        return
    kinds = sorted({_label_kind(label) for label in y.ravel()})
    if len(kinds) > 1:
        hint = (
            " None is not a label: drop or fill those rows." if "None" in kinds else ""
        )
        raise ValueError(
            f"y mixes label types ({', '.join(kinds)}): the labels of a classifier "
            f"must be all strings or all numbers.{hint}"
        )


def _check_classes(classes):
    """The ``classes`` of a first partial_fit call: a 1-D array of labels."""
    array = np.asarray(classes)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            "classes must be a non-empty 1-D array-like holding every label "
            f"that calls to partial_fit may see, got {classes!r}."
        )
    return array


def _labels(values):
    """Labels as a plain list, for messages: ``[0, 1]``, not ``[np.int64(0), ...]``."""
    return np.asarray(values).tolist()


class LabelEncoding:
    """Class labels to indicator targets, and network outputs back to labels.

    Parameters
    ----------
    binarizer : sklearn.preprocessing.LabelBinarizer
        Fitted; kept as the estimator's ``_label_binarizer``, as in
        scikit-learn's ``MLPClassifier``.
    """

    def __init__(self, binarizer):
        self.binarizer = binarizer
        self.classes = binarizer.classes_
        self.multilabel = binarizer.y_type_.startswith("multilabel")
        self.output = (
            SOFTMAX_OUTPUT if binarizer.y_type_ == "multiclass" else LOGISTIC_OUTPUT
        )

    def attributes(self):
        """dict: The fitted attributes this encoding gives an estimator."""
        return {"classes_": self.classes, "_label_binarizer": self.binarizer}

    def encode(self, y):
        """The indicator targets of ``y``, whose labels must all be classes.

        Equal to ``binarizer.transform(y).astype(bool)``; ``y`` is 1-D, or
        the indicator matrix of a multilabel target.

        Parameters
        ----------
        y : ndarray

        Returns
        -------
        Y : ndarray of bool of shape (n_samples, n_outputs)
        """
        if self.multilabel or y.dtype.kind not in _PLAIN_LABEL_KINDS:
            return self.binarizer.transform(y).astype(bool)
        index = np.searchsorted(self.classes, y)
        if len(self.classes) == 2:
            return (index == 1)[:, np.newaxis]
        Y = np.zeros((len(y), len(self.classes)), dtype=bool)
        if len(self.classes) > 2:  # one class: every row is its negative
            Y[np.arange(len(y)), index] = True
        return Y

    def check_kind(self, multilabel):
        """Refuse a target of the other kind (single-label or multilabel)."""
        if multilabel != self.multilabel:
            kinds = {True: "multilabel", False: "single-label"}
            raise ValueError(
                f"y is {kinds[multilabel]}, but the model was fitted on "
                f"{kinds[self.multilabel]} targets: warm_start and partial_fit "
                "continue with the same kind of target. Set warm_start=False (or "
                "use fit) to start afresh."
            )


def _seen_labels(y):
    """The labels of ``y`` and whether it is multilabel, as cheaply as is safe."""
    if y.ndim == 1 and y.dtype.kind in _PLAIN_LABEL_KINDS and y.dtype.kind != "b":
        return np.unique(y), False
    check_classification_targets(y)
    return unique_labels(y), type_of_target(y).startswith("multilabel")


def encode_labels(y, fitted=None, incremental=False, classes=None):
    """Check class labels and encode them.

    Parameters
    ----------
    y : ndarray
        The validated targets: labels, or a multilabel indicator matrix.
    fitted : LabelEncoding or None, default=None
        The encoding of the model a fit continues; None for a new model.
    incremental : bool, default=False
        Whether the call is ``partial_fit``, whose first call declares every
        class in ``classes``.
    classes : array-like or None, default=None
        ``partial_fit``'s ``classes``.

    Returns
    -------
    encoding : LabelEncoding
    Y : ndarray of bool of shape (n_samples, n_outputs)
    y : ndarray
        ``y``, a single column made 1-D.
    """
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    _check_label_types(y)
    seen, multilabel = _seen_labels(y)
    if fitted is None:
        if incremental and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: all "
                "the labels that later calls may see."
            )
        binarizer = LabelBinarizer()
        if incremental and not multilabel:
            binarizer.fit(_check_classes(classes))
        else:
            binarizer.fit(y)
        encoding = LabelEncoding(binarizer)
    else:
        encoding = fitted
        encoding.check_kind(multilabel)
        if incremental:
            if classes is not None and not np.array_equal(
                unique_labels(_check_classes(classes)), encoding.classes
            ):
                raise ValueError(
                    f"`classes={_labels(classes)!r}` is not the same as on the "
                    f"first call to partial_fit, was: {_labels(encoding.classes)!r}."
                )
        elif not np.array_equal(seen, encoding.classes) and set(seen) != set(
            encoding.classes
        ):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as "
                f"in the previous call to fit. Previously got "
                f"{encoding.classes}, `y` has {seen}."
            )
    if incremental:
        # The first call too: a label outside `classes` would be encoded as no
        # class at all, and trained on as the negative one.
        unseen = np.setdiff1d(seen, encoding.classes)
        if len(unseen):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{encoding.classes}. `y` has {seen}."
            )
    return encoding, encoding.encode(y), y


# ------------------------------------------------------------- regression


@dataclass(frozen=True)
class RealEncoding:
    """A regressor's targets: the output layer and the number of outputs.

    Parameters
    ----------
    output : OutputLayer
        The identity (squared error) or the exponential (Poisson).
    n_outputs : int or None
        The number of target columns; None before the targets are read.
    """

    output: object
    n_outputs: int | None

    def attributes(self):
        """dict: No fitted attribute beyond those of the network."""
        return {}


def refuse_categorical(y, name):
    """Refuse a pandas categorical target: a sign of classification.

    Checked before validation, which turns a categorical column into plain
    codes or strings and loses the sign.
    """
    dtypes = getattr(y, "dtypes", [getattr(y, "dtype", None)])
    if any(str(dtype) == "category" for dtype in np.atleast_1d(dtypes)):
        raise ValueError(
            f"{name} is categorical: this looks like classification, not "
            "regression. Use BackpropMLPClassifier for class labels, or pass "
            "numeric targets."
        )


def real_targets(y, name, loss, estimator=None):
    """Real-valued targets as float64, one column raveled.

    Numbers written as strings (a CSV column read as text, in a str or an
    object array alike) are read as numbers; other strings are refused.

    Parameters
    ----------
    y : array-like
    name : str
        The argument's name, for messages ('y', 'y_val').
    loss : {'squared_error', 'poisson'}
    estimator : estimator or None, default=None
        For scikit-learn's messages.

    Returns
    -------
    y : ndarray of float64 of shape (n_samples,) or (n_samples, n_outputs)
    """
    if sp.issparse(y):
        y = y.toarray()
    y = np.asarray(y)
    if y.dtype.kind in "OUS":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            y = y.astype(str)
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} holds non-numeric values (dtype {y.dtype}, e.g. "
            f"{y.flat[0]!r}): this looks like classification, not regression. "
            "Use BackpropMLPClassifier for class labels, or pass numeric targets."
        )
    y = check_array(
        y, ensure_2d=False, dtype=np.float64, input_name=name, estimator=estimator
    )
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if y.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {y.shape}.")
    if loss == "poisson" and y.size and y.min() < 0:
        raise ValueError(
            f"loss='poisson' needs non-negative targets, but {name} has "
            f"{int((y < 0).sum())} negative value(s) (the smallest is "
            f"{y.min():g}). Use loss='squared_error', or shift the targets."
        )
    return y


def output_for_loss(loss):
    """The regressor's output layer for its ``loss``."""
    return POISSON_OUTPUT if loss == "poisson" else IDENTITY_OUTPUT


def encode_real_targets(y, loss, n_outputs=None, incremental=False, estimator=None):
    """Check real targets and encode them as a matrix, one column per output.

    Parameters
    ----------
    y : array-like
    loss : {'squared_error', 'poisson'}
    n_outputs : int or None, default=None
        The number of outputs of the model a fit continues.
    incremental : bool, default=False
        Whether the call is ``partial_fit``, for the message.
    estimator : estimator or None, default=None

    Returns
    -------
    Y : ndarray of float64 of shape (n_samples, n_outputs)
    y : ndarray
    """
    y = real_targets(y, "y", loss, estimator)
    Y = y.reshape(len(y), -1)
    if n_outputs is not None:
        check_outputs(Y.shape[1], n_outputs, "y", incremental)
    return Y, y


def check_outputs(n_outputs, fitted_outputs, name, incremental=False):
    """Refuse targets with another number of outputs than the model's."""
    if n_outputs != fitted_outputs:
        earlier = "the first call to partial_fit" if incremental else "fit"
        raise ValueError(
            f"{name} has {n_outputs} output(s), but the model was fitted on "
            f"{fitted_outputs} by {earlier}; every call must have the same number "
            "of target columns."
        )
