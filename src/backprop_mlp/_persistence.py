"""What a saved estimator carries, and what a loaded one must satisfy.

:class:`PersistenceMixin` sits first among an estimator's bases. Pickle,
joblib and skops all save an estimator through ``__getstate__`` and load it
through ``__setstate__``, so these two methods are the one place where

- the state is stamped with the backprop-mlp version that saved it
  (scikit-learn stamps ``_sklearn_version`` only on its own classes), and a
  model saved by another version warns with both versions when loaded
  (:class:`InconsistentVersionWarning`);
- a fitted state is checked before it becomes an estimator: weights whose
  shapes do not chain from ``n_features_in_`` through the hidden layers to
  ``n_outputs_``, non-finite weights, unknown activation names, or
  ``classes_`` that do not fit the output layer are refused with a
  ``ValueError`` naming what is wrong, instead of surfacing later as NaN
  probabilities, an ``IndexError`` or a numpy broadcasting message.

Only public fitted attributes and parameters are read, so the checks hold for
every estimator built on the mixin.
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import is_classifier

from ._activations import ACTIVATIONS
from ._version import __version__

__all__ = ["InconsistentVersionWarning", "PersistenceMixin", "check_fitted_state"]

_VERSION_KEY = "_backprop_mlp_version"
# out_activation_ names each kind of estimator may hold.
_CLASSIFIER_OUTPUTS = ("logistic", "softmax")
_REGRESSOR_OUTPUTS = ("identity", "exp")


class InconsistentVersionWarning(UserWarning):
    """A model saved by another version of backprop-mlp was loaded.

    The model may still work, but nothing guarantees it: its state may lack
    attributes this version needs, or mean something else by them. Refit it
    with this version, or load it with the version that saved it.

    Parameters
    ----------
    estimator_name : str
        The class name of the loaded estimator.
    current_version : str
        The installed backprop-mlp version.
    original_version : str
        The version that saved the model, or 'unknown' for a model saved
        before models were stamped.

    Attributes
    ----------
    estimator_name, current_version, original_version : str
        As given.
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self):
        return (
            f"Trying to load {self.estimator_name} from backprop-mlp version "
            f"{self.original_version} with version {self.current_version}. This "
            "might lead to breaking code or invalid results. Use at your own "
            "risk, or refit the model with the installed version."
        )


class PersistenceMixin:
    """Version stamp and consistency check for pickle, joblib and skops.

    Place it before ``BaseEstimator`` among the bases: it cooperates with
    scikit-learn's ``__getstate__`` and ``__setstate__`` through ``super()``.
    """

    def __getstate__(self):
        # On Python >= 3.11 the parent may hand back __dict__ itself: copy.
        return dict(super().__getstate__(), **{_VERSION_KEY: __version__})

    def __setstate__(self, state):
        state = dict(state)
        saved_by = state.pop(_VERSION_KEY, "unknown")
        if saved_by != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_version=__version__,
                    original_version=saved_by,
                ),
                stacklevel=2,
            )
        if "coefs_" in state:
            check_fitted_state(state, type(self).__name__, is_classifier(self))
        super().__setstate__(state)


def _refuse(name, message):
    raise ValueError(f"Refusing to load this {name}: {message}")


def _check_int(state, key, name, minimum=1):
    value = state.get(key)
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        _refuse(name, f"{key} should be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_weights(state, name):
    """The weight and bias arrays: lists of finite float arrays of one dtype."""
    coefs, intercepts = state.get("coefs_"), state.get("intercepts_")
    for key, arrays in (("coefs_", coefs), ("intercepts_", intercepts)):
        if not isinstance(arrays, list | tuple) or not all(
            isinstance(a, np.ndarray) for a in arrays
        ):
            _refuse(name, f"{key} should be a list of numpy arrays.")
    if not coefs or len(coefs) != len(intercepts):
        _refuse(
            name,
            f"it has {len(coefs)} weight matrices (coefs_) and {len(intercepts)} "
            "bias vectors (intercepts_); both should be one per layer.",
        )
    dtypes = {a.dtype for a in (*coefs, *intercepts)}
    if len(dtypes) != 1 or dtypes.pop() not in (np.float32, np.float64):
        _refuse(
            name,
            "the weights should all be float32 or all float64, got "
            f"{sorted({str(a.dtype) for a in (*coefs, *intercepts)})}.",
        )
    for key, arrays in (("coefs_", coefs), ("intercepts_", intercepts)):
        for k, a in enumerate(arrays):
            if not np.isfinite(a).all():
                _refuse(name, f"{key}[{k}] holds NaN or infinite values.")
    return coefs, intercepts


def _check_shapes(state, name, coefs, intercepts):
    """The weights chain from ``n_features_in_`` to ``n_outputs_``.

    The layer sizes come from the weights themselves, not from
    ``hidden_layer_sizes``: a fitted model whose parameters were changed with
    ``set_params`` (and not refitted yet) is a valid state.
    """
    n_features = _check_int(state, "n_features_in_", name)
    n_outputs = _check_int(state, "n_outputs_", name)
    n_layers = _check_int(state, "n_layers_", name, minimum=2)
    if len(coefs) != n_layers - 1:
        _refuse(
            name,
            f"n_layers_={n_layers} needs {n_layers - 1} weight matrices, it has "
            f"{len(coefs)}.",
        )
    sizes = [n_features, *(W.shape[-1] for W in coefs)]
    for k, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        expected = (sizes[k], sizes[k + 1])
        if W.shape != expected or b.shape != expected[1:]:
            _refuse(
                name,
                f"layer {k + 1} has weights coefs_[{k}] of shape {W.shape} and "
                f"biases intercepts_[{k}] of shape {b.shape}; after "
                f"n_features_in_={n_features} and the layers before, it needs "
                f"{expected} and {expected[1:]}.",
            )
    if sizes[-1] != n_outputs:
        _refuse(
            name,
            f"the last layer has {sizes[-1]} units but n_outputs_={n_outputs}.",
        )
    return n_outputs


def _check_activations(state, name, n_hidden, outputs):
    activation = state.get("activation")
    names = [activation] * n_hidden if isinstance(activation, str) else activation
    if not isinstance(names, list | tuple):
        _refuse(
            name,
            f"activation={activation!r} should be one name, or one per hidden "
            f"layer ({n_hidden}).",
        )
    unknown = [n for n in names if not isinstance(n, str) or n not in ACTIVATIONS]
    if unknown:
        _refuse(
            name,
            f"unknown activation(s) {unknown}; known: {sorted(ACTIVATIONS)}.",
        )
    out = state.get("out_activation_")
    if out not in outputs:
        _refuse(
            name, f"unknown out_activation_={out!r}; expected one of {list(outputs)}."
        )
    return out


def _check_classes(state, name, n_outputs, out_activation):
    classes = state.get("classes_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or not len(classes):
        _refuse(name, f"classes_ should be a non-empty 1-d array, got {classes!r}.")
    n_classes = len(classes)
    if out_activation == "softmax":
        fits = n_classes >= 3 and n_outputs == n_classes
    else:  # logistic: one class, binary (one unit), or multilabel
        fits = (n_outputs == 1 and n_classes <= 2) or n_outputs == n_classes >= 2
    if not fits:
        _refuse(
            name,
            f"{n_classes} classes_ do not fit {n_outputs} output unit(s) with "
            f"out_activation_={out_activation!r}.",
        )
    binarizer = state.get("_label_binarizer")
    binarizer_classes = getattr(binarizer, "classes_", classes)
    if not np.array_equal(binarizer_classes, classes):
        _refuse(name, "classes_ differ from the classes predict decodes.")


def check_fitted_state(state, name="estimator", classifier=True):
    """Refuse a fitted estimator state that cannot predict what it claims.

    Parameters
    ----------
    state : dict
        The estimator's ``__dict__`` as loaded (parameters and fitted
        attributes).
    name : str, default='estimator'
        The estimator's class name, for the messages.
    classifier : bool, default=True
        Whether the state is a classifier's (it has ``classes_`` and a
        logistic or softmax output) or a regressor's (identity or exp output).

    Raises
    ------
    ValueError
        Naming the first inconsistency found.
    """
    coefs, intercepts = _check_weights(state, name)
    n_outputs = _check_shapes(state, name, coefs, intercepts)
    outputs = _CLASSIFIER_OUTPUTS if classifier else _REGRESSOR_OUTPUTS
    out_activation = _check_activations(state, name, len(coefs) - 1, outputs)
    if classifier:
        _check_classes(state, name, n_outputs, out_activation)
