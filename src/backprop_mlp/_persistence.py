"""What a saved estimator carries, and what a loaded one must satisfy.

:class:`PersistenceMixin` sits first among an estimator's bases. Pickle,
joblib and skops all save an estimator through ``__getstate__`` and load it
through ``__setstate__``, so these two methods are the one place where

- the state is stamped with the backprop-mlp version that saved it
  (scikit-learn stamps ``_sklearn_version`` only on its own classes), and a
  model saved by another version warns with both versions when loaded
  (:class:`InconsistentVersionWarning`);
- the state is stamped with the number of its layout, :data:`FORMAT`. A
  version number says nothing about the layout while the version stays the
  same across development snapshots; the format number changes exactly when
  the layout does. A state of an older format is converted at load
  (:data:`_UPGRADES`), or keeps what it can and says what it lost; a state of
  a newer format than this version reads is refused;
- a fitted state is checked before it becomes an estimator: weights whose
  shapes do not chain from ``n_features_in_`` through the hidden layers to
  ``n_outputs_``, non-finite weights, unknown activation names, ``classes_``
  that do not fit the output layer, or a training state (the optimizer's
  vectors, the plateau monitor, the run) that does not fit the weights are
  refused with a ``ValueError`` naming what is wrong, instead of surfacing
  later as NaN probabilities, an ``IndexError`` or a numpy broadcasting
  message.

Only parameters, public fitted attributes and the private attributes
registered in :data:`_PRIVATE` are read, so the checks hold for every
estimator built on the mixin.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier

from ._activations import ACTIVATIONS
from ._optimizers import SGD, Adam
from ._records import RunState
from ._stopping import PlateauMonitor
from ._version import __version__
from ._warnings import warn

__all__ = [
    "FORMAT",
    "InconsistentVersionWarning",
    "PersistenceMixin",
    "check_fitted_state",
]

_VERSION_KEY = "_backprop_mlp_version"
_FORMAT_KEY = "_backprop_mlp_format"
# out_activation_ names each kind of estimator may hold.
_CLASSIFIER_OUTPUTS = ("logistic", "softmax")
_REGRESSOR_OUTPUTS = ("identity", "exp")
_QUANTITIES = ("training loss", "validation score", "validation loss")


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
    """Version and format stamps, upgrade and consistency check at load.

    Place it before ``BaseEstimator`` among the bases: it cooperates with
    scikit-learn's ``__getstate__`` and ``__setstate__`` through ``super()``.
    """

    def __getstate__(self):
        # On Python >= 3.11 the parent may hand back __dict__ itself: copy.
        stamps = {_VERSION_KEY: __version__, _FORMAT_KEY: FORMAT}
        return dict(super().__getstate__(), **stamps)

    def __setstate__(self, state):
        name = type(self).__name__
        state = dict(state)
        saved_by = state.pop(_VERSION_KEY, "unknown")
        if saved_by != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=name,
                    current_version=__version__,
                    original_version=saved_by,
                ),
                stacklevel=2,
            )
        state = _upgrade_state(state, type(self), saved_by)
        if "coefs_" in state:
            check_fitted_state(state, name, is_classifier(self))
        super().__setstate__(state)


class _Inconsistent(Exception):
    """What is wrong with a state; :func:`check_fitted_state` names the model."""


class _Unreadable(Exception):
    """A part of an old layout that cannot be converted."""


# ------------------------------------------------------------ the weights


def _check_int(state, key, minimum=1):
    value = state.get(key)
    if not _is_int(value) or value < minimum:
        raise _Inconsistent(f"{key} should be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _is_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_weights(state):
    """The weight and bias arrays: lists of finite float arrays of one dtype."""
    coefs, intercepts = state.get("coefs_"), state.get("intercepts_")
    for key, arrays in (("coefs_", coefs), ("intercepts_", intercepts)):
        if not isinstance(arrays, list | tuple) or not all(
            isinstance(a, np.ndarray) for a in arrays
        ):
            raise _Inconsistent(f"{key} should be a list of numpy arrays.")
    if not coefs or len(coefs) != len(intercepts):
        raise _Inconsistent(
            f"it has {len(coefs)} weight matrices (coefs_) and {len(intercepts)} "
            "bias vectors (intercepts_); both should be one per layer."
        )
    dtypes = {a.dtype for a in (*coefs, *intercepts)}
    if len(dtypes) != 1 or dtypes.pop() not in (np.float32, np.float64):
        raise _Inconsistent(
            "the weights should all be float32 or all float64, got "
            f"{sorted({str(a.dtype) for a in (*coefs, *intercepts)})}."
        )
    for key, arrays in (("coefs_", coefs), ("intercepts_", intercepts)):
        for k, a in enumerate(arrays):
            if not np.isfinite(a).all():
                raise _Inconsistent(f"{key}[{k}] holds NaN or infinite values.")
    return coefs, intercepts


def _check_shapes(state, coefs, intercepts):
    """The weights chain from ``n_features_in_`` to ``n_outputs_``.

    The layer sizes come from the weights themselves, not from
    ``hidden_layer_sizes``: a fitted model whose parameters were changed with
    ``set_params`` (and not refitted yet) is a valid state.
    """
    n_features = _check_int(state, "n_features_in_")
    n_outputs = _check_int(state, "n_outputs_")
    n_layers = _check_int(state, "n_layers_", minimum=2)
    if len(coefs) != n_layers - 1:
        raise _Inconsistent(
            f"n_layers_={n_layers} needs {n_layers - 1} weight matrices, it has "
            f"{len(coefs)}."
        )
    sizes = [n_features, *(W.shape[-1] for W in coefs)]
    for k, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        expected = (sizes[k], sizes[k + 1])
        if W.shape != expected or b.shape != expected[1:]:
            raise _Inconsistent(
                f"layer {k + 1} has weights coefs_[{k}] of shape {W.shape} and "
                f"biases intercepts_[{k}] of shape {b.shape}; after "
                f"n_features_in_={n_features} and the layers before, it needs "
                f"{expected} and {expected[1:]}."
            )
    if sizes[-1] != n_outputs:
        raise _Inconsistent(
            f"the last layer has {sizes[-1]} units but n_outputs_={n_outputs}."
        )
    return n_outputs


def _check_activations(state, n_hidden, outputs):
    activation = state.get("activation")
    names = [activation] * n_hidden if isinstance(activation, str) else activation
    if not isinstance(names, list | tuple):
        raise _Inconsistent(
            f"activation={activation!r} should be one name, or one per hidden "
            f"layer ({n_hidden})."
        )
    unknown = [n for n in names if not isinstance(n, str) or n not in ACTIVATIONS]
    if unknown:
        raise _Inconsistent(
            f"unknown activation(s) {unknown}; known: {sorted(ACTIVATIONS)}."
        )
    out = state.get("out_activation_")
    if out not in outputs:
        raise _Inconsistent(
            f"unknown out_activation_={out!r}; expected one of {list(outputs)}."
        )
    return out


def _check_classes(state, n_outputs, out_activation):
    classes = state.get("classes_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or not len(classes):
        raise _Inconsistent(
            f"classes_ should be a non-empty 1-d array, got {classes!r}."
        )
    n_classes = len(classes)
    if out_activation == "softmax":
        fits = n_classes >= 3 and n_outputs == n_classes
    else:  # logistic: one class, binary (one unit), or multilabel
        fits = (n_outputs == 1 and n_classes <= 2) or n_outputs == n_classes >= 2
    if not fits:
        raise _Inconsistent(
            f"{n_classes} classes_ do not fit {n_outputs} output unit(s) with "
            f"out_activation_={out_activation!r}."
        )
    binarizer = state.get("_label_binarizer")
    binarizer_classes = getattr(binarizer, "classes_", classes)
    if not np.array_equal(binarizer_classes, classes):
        raise _Inconsistent("classes_ differ from the classes predict decodes.")


# ------------------------------------------------------- the training state


class _Parameters:
    """What the training state of a fitted model must fit: its parameters.

    Handed to each check of :data:`_PRIVATE`.

    Attributes
    ----------
    n_hidden : int
        The number of hidden layers.
    n_params : int
        The length of the flat parameter vector (every weight and bias).
    dtype : numpy.dtype
        The weights' dtype.
    samples_seen : int or None
        ``t_``, the number of training samples seen, when it is an integer.
    """

    def __init__(self, state, coefs, intercepts):
        self.n_hidden = len(coefs) - 1
        self.n_params = sum(a.size for a in (*coefs, *intercepts))
        self.dtype = coefs[0].dtype
        t = state.get("t_")
        self.samples_seen = int(t) if _is_int(t) else None

    def check_vector(self, vector, where, non_negative=False):
        """Refuse ``vector`` unless it is a finite (n_params,) array of dtype.

        Parameters
        ----------
        vector : object
            The loaded value.
        where : str
            Its name in the state, for the message (``_optimizer.m``).
        non_negative : bool, default=False
            Whether negative entries are refused too.
        """
        if not isinstance(vector, np.ndarray):
            raise _Inconsistent(
                f"{where} should be a numpy array, got {type(vector).__name__}."
            )
        if vector.shape != (self.n_params,) or vector.dtype != self.dtype:
            raise _Inconsistent(
                f"{where} has shape {vector.shape} and dtype {vector.dtype}, but "
                f"the network has {self.n_params} parameters of dtype "
                f"{self.dtype}: it should have shape ({self.n_params},) and that "
                "dtype."
            )
        if not np.isfinite(vector).all():
            raise _Inconsistent(f"{where} holds NaN or infinite values.")
        if non_negative and (vector < 0).any():
            raise _Inconsistent(f"{where} holds negative values.")


def _check_number(value, where, minimum, strict=False):
    fits = isinstance(value, Real) and np.isfinite(value)
    if not fits or (value <= minimum if strict else value < minimum):
        sign = ">" if strict else ">="
        raise _Inconsistent(
            f"{where} should be a finite number {sign} {minimum}, got {value!r}."
        )


# The checks of the private training state: check(value, params, where)
# refuses a value (None is valid: L-BFGS keeps none, a divergence drops the
# optimizer, an older state has no run) that does not fit the network's
# ``params``; ``where`` is its name in the state, for the messages.


def _check_count(value, where):
    if not _is_int(value) or value < 0:
        raise _Inconsistent(f"{where} should be an integer >= 0, got {value!r}.")


def _present(value, types, where):
    """Whether there is a value to check: None is valid, another type is not."""
    if value is None:
        return False
    if type(value) not in types:
        raise _Inconsistent(
            f"{where} should be a {' or '.join(t.__name__ for t in types)}, or "
            f"None, got {type(value).__name__}."
        )
    return True


def _check_optimizer(optimizer, params, where="_optimizer"):
    """An SGD or Adam whose vectors, step count and rates can go on."""
    if not _present(optimizer, (SGD, Adam), where):
        return
    if optimizer.n_params != params.n_params or optimizer.dtype != params.dtype:
        raise _Inconsistent(
            f"{where} was made for {optimizer.n_params!r} parameters of dtype "
            f"{optimizer.dtype}, but the network has {params.n_params} of dtype "
            f"{params.dtype}."
        )
    names = ("velocity",) if type(optimizer) is SGD else ("m", "v")
    for attr, vector in zip(names, optimizer.state(), strict=True):
        params.check_vector(vector, f"{where}.{attr}", non_negative=attr == "v")
    _check_number(optimizer.learning_rate_init, f"{where}.learning_rate_init", 0, True)
    # 'cosine' decays the rate to 0 by the last epoch.
    _check_number(optimizer.learning_rate, f"{where}.learning_rate", 0)
    if type(optimizer) is Adam:
        _check_count(optimizer.t, f"{where}.t, Adam's step count,")
        if params.samples_seen is not None and optimizer.t > params.samples_seen:
            # Each step takes a batch of at least one sample.
            raise _Inconsistent(
                f"{where}.t, Adam's step count, is {optimizer.t}, more than the "
                f"t_={params.samples_seen} samples seen (one step per batch)."
            )


def _check_monitor(monitor, params, where="_monitor"):
    """A PlateauMonitor that can go on counting, its best parameters fitting."""
    if not _present(monitor, (PlateauMonitor,), where):
        return
    if monitor.quantity not in _QUANTITIES:
        raise _Inconsistent(
            f"{where}.quantity should be one of {list(_QUANTITIES)}, got "
            f"{monitor.quantity!r}."
        )
    _check_count(monitor.count, f"{where}.count")
    if not isinstance(monitor.best, Real) or np.isnan(monitor.best):
        raise _Inconsistent(f"{where}.best should be a number, got {monitor.best!r}.")
    if monitor.best_params is not None:
        params.check_vector(monitor.best_params, f"{where}.best_params")


def _check_rows(rows, where):
    """Refuse ``rows`` unless it numbers ``len(rows)`` rows once each."""
    if (
        not isinstance(rows, np.ndarray)
        or rows.ndim != 1
        or rows.dtype.kind not in "iu"
    ):
        raise _Inconsistent(f"{where} should be a 1-d array of row numbers.")
    n_rows = len(rows)
    if not np.array_equal(np.sort(rows), np.arange(n_rows)):
        raise _Inconsistent(
            f"{where} should number each of its {n_rows} rows once (0 to "
            f"{n_rows - 1}), but some repeat or fall outside."
        )


def _check_run(run, params, where="_run"):
    """A RunState that ``warm_start='continue'`` can go on with."""
    if not _present(run, (RunState,), where):
        return
    if not isinstance(run.shuffle_rng, np.random.RandomState):
        raise _Inconsistent(f"{where}.shuffle_rng should be a RandomState.")
    if not (
        run.dropout_rng is None or isinstance(run.dropout_rng, np.random.Generator)
    ):
        raise _Inconsistent(f"{where}.dropout_rng should be a Generator or None.")
    if run.order is not None:
        _check_rows(run.order, f"{where}.order")
    if run.split is not None:
        if not isinstance(run.split, tuple) or len(run.split) != 2:
            raise _Inconsistent(f"{where}.split should be (train_rows, val_rows).")
        # Together the two parts number every row of the data once.
        parts = [np.asarray(part) for part in run.split]
        _check_rows(np.concatenate(parts), f"{where}.split")
    _check_count(run.epochs, f"{where}.epochs")
    if not isinstance(run.lowest_loss, Real) or np.isnan(run.lowest_loss):
        raise _Inconsistent(f"{where}.lowest_loss should be a number.")
    if run.ended not in (None, "converged", "diverged"):
        raise _Inconsistent(
            f"{where}.ended should be None, 'converged' or 'diverged', got "
            f"{run.ended!r}."
        )
    if run.position is not None:
        params.check_vector(run.position, f"{where}.position")
    if not isinstance(run.key, dict):
        raise _Inconsistent(f"{where}.key should be a dict.")


def _check_activation_names(names, params, where="_activation_names"):
    """One known activation per hidden layer: those predict uses."""
    if (
        not isinstance(names, list | tuple)
        or len(names) != params.n_hidden
        or not all(isinstance(n, str) and n in ACTIVATIONS for n in names)
    ):
        raise _Inconsistent(
            f"{where} should name one known activation per hidden layer "
            f"({params.n_hidden}), got {names!r}."
        )


# --------------------------------------------------------- formats, upgrades

# The private fitted attributes a saved state holds, each with the format that
# introduced it (or last changed its layout) and the check its loaded value
# must pass, ``check(value, params)``. FORMAT, the layout number stamped on
# every state saved, is the highest of them: registering a new attribute with
# the next number is the format bump. A state of an older format simply lacks
# the attributes introduced since, unless an upgrade below converts it.
_PRIVATE = {
    "_optimizer": (1, _check_optimizer),
    "_monitor": (1, _check_monitor),
    "_run": (2, _check_run),
    "_activation_names": (2, _check_activation_names),
}
FORMAT = max(introduced for introduced, _ in _PRIVATE.values())


def _optimizer_from_unnumbered(optimizer, state):
    """The optimizer of a format-0 state, in today's layout.

    Before ``learning_rate_init`` was an optimizer attribute, an optimizer was
    made with the estimator's ``learning_rate_init`` and kept its adapted
    rate through a warm start: setting it to that parameter continues as the
    version that saved it would have. The full-size scratch buffers of the
    first layout are dropped; the optimizer's ``__setstate__`` has rebuilt
    the small ones.
    """
    if type(optimizer) not in (SGD, Adam):
        return optimizer  # the check names what it is instead
    for scratch in ("_buf", "_update", "_lr_grad", "kernels"):
        vars(optimizer).pop(scratch, None)
    if not hasattr(optimizer, "learning_rate_init"):
        optimizer.learning_rate_init = float(state["learning_rate_init"])
    made_today = type(optimizer)(1, np.float64, 0.1)
    missing = sorted(set(vars(made_today)) - set(vars(optimizer)))
    if missing:
        raise _Unreadable(f"its {type(optimizer).__name__} optimizer lacks {missing}")
    return optimizer


# The attributes in which the estimator kept the plateau count before the
# PlateauMonitor held it, and a seed no longer kept between fits.
_LEGACY_MONITOR = ("_no_improvement_count", "_best_validation_loss", "_best_params")
_LEGACY_UNUSED = ("_random_state",)


def _monitor_from_unnumbered(state):
    """The plateau monitor made from the attributes that held it before.

    The rules were those the monitor has (scikit-learn's): the same count,
    and the best value of the quantity watched, signed as the monitor signs it.
    """
    if state.get("solver") == "lbfgs":
        return None  # L-BFGS keeps no monitor
    metric = state.get("early_stopping_metric", "score")
    early = bool(state.get("early_stopping"))
    quantity = f"validation {metric}" if early else "training loss"
    best_key = {
        "training loss": "best_loss_",
        "validation score": "best_validation_score_",
        "validation loss": "_best_validation_loss",
    }.get(quantity)
    count, best = state.get("_no_improvement_count"), state.get(best_key)
    if best_key is None or not _is_int(count) or not isinstance(best, Real):
        raise _Unreadable("its plateau count")
    monitor = PlateauMonitor(quantity, state["tol"], state["n_iter_no_change"], early)
    monitor._best = float(best) if quantity == "validation score" else -float(best)
    monitor.count = int(count)
    monitor.best_params = state.get("_best_params") if early else None
    return monitor


def _from_unnumbered(state, name):
    """Format 0 to 1: states saved before formats were numbered.

    Three layouts were saved unnumbered. The later ones, with a ``_monitor``
    (and, the last, a ``_run``), need nothing. The earliest (before the
    trainer took the epoch loop out of the estimator) kept an optimizer
    without ``learning_rate_init``, and the plateau count in attributes of
    the estimator: both are converted. What cannot be converted is dropped,
    with a warning.
    """
    legacy = {
        k: state.pop(k) for k in (*_LEGACY_MONITOR, *_LEGACY_UNUSED) if k in state
    }
    try:
        if "_optimizer" in state:
            state["_optimizer"] = _optimizer_from_unnumbered(state["_optimizer"], state)
        if "_no_improvement_count" in legacy and "_monitor" not in state:
            state["_monitor"] = _monitor_from_unnumbered({**state, **legacy})
    except _Unreadable as what:
        _drop_training_state(state, name, f"{what}, in an older layout")
    except KeyError as missing:  # a parameter the conversion reads
        _drop_training_state(state, name, f"it lacks the parameter {missing}")
    return state


def _from_format_1(state, name):
    """Format 1 to 2: the fitted activations, and the parameters of the run.

    The model now keeps the activations it was fitted with, which predict
    uses whatever ``activation`` says later: those of an older state are its
    ``activation``, which is what it predicted with. keep_optimizer_state
    was deprecated for ``warm_start='continue'``, and its default became
    'deprecated': False, the old default, means the same (a warm start
    begins a new optimizer) and becomes it, rather than warn at every fit
    about a parameter the user never set. A format-1 state has no ``_run``:
    ``warm_start='continue'`` starts a new run from its weights, as after an
    L-BFGS fit, saying so.
    """
    if state.get("keep_optimizer_state") is False:
        state["keep_optimizer_state"] = "deprecated"
    coefs, activation = state.get("coefs_"), state.get("activation")
    if isinstance(coefs, list | tuple) and "_activation_names" not in state:
        n_hidden = len(coefs) - 1
        names = [activation] * n_hidden if isinstance(activation, str) else activation
        # One that does not fit the layers (changed after fitting) is left
        # for the check of the activation to refuse, or predict to name.
        if isinstance(names, list | tuple) and len(names) == n_hidden:
            state["_activation_names"] = tuple(names)
    return state


# _UPGRADES[n] converts a state of format n to format n + 1; a format bump
# whose new attribute may simply be absent from older states needs none.
_UPGRADES = {0: _from_unnumbered, 1: _from_format_1}


def _drop_training_state(state, name, why):
    """Keep the model for predict; drop what a warm start would continue."""
    for key in _PRIVATE:
        state.pop(key, None)
    warn(
        f"This {name} was saved by another development version of backprop-mlp, "
        f"and its training state cannot be read ({why}). It predicts as saved, "
        "but its training state was dropped: a warm start or partial_fit begins "
        "a new optimizer and plateau count.",
        UserWarning,
    )


def _upgrade_state(state, estimator_class, saved_by="unknown"):
    """Bring a loaded state to :data:`FORMAT`, or refuse a newer one.

    A parameter the state lacks, added since it was saved, takes its default:
    what the versions before it did.

    Parameters
    ----------
    state : dict
        The estimator's state as loaded, without the version stamp.
    estimator_class : type
        The estimator's class, for its parameters and the messages.
    saved_by : str, default='unknown'
        The backprop-mlp version that saved it, for the messages.

    Returns
    -------
    state : dict
        In the layout of :data:`FORMAT`, without the format stamp.

    Raises
    ------
    ValueError
        For a state of a format newer than this version reads.
    """
    name = estimator_class.__name__
    saved_format = state.pop(_FORMAT_KEY, 0)
    if not _is_int(saved_format) or saved_format < 0:
        raise ValueError(
            f"Refusing to load this {name}: its layout number {_FORMAT_KEY} "
            f"should be an integer >= 0, got {saved_format!r}."
        )
    if saved_format > FORMAT:
        raise ValueError(
            f"Refusing to load this {name}: it was saved by backprop-mlp "
            f"{saved_by} in layout {saved_format}, and this version "
            f"({__version__}) reads layouts up to {FORMAT}. Load it with a "
            "backprop-mlp at least as recent as the one that saved it."
        )
    for number in range(saved_format, FORMAT):
        upgrade = _UPGRADES.get(number)
        if upgrade is not None:
            state = upgrade(state, name)
    defaults = estimator_class().get_params(deep=False)
    for parameter, default in defaults.items():
        state.setdefault(parameter, default)
    return state


def check_fitted_state(state, name="estimator", classifier=True):
    """Refuse a fitted estimator state that cannot predict what it claims.

    Or that cannot continue training: the private training state registered
    in :data:`_PRIVATE` (the optimizer, the plateau monitor, the training
    run) must fit the weights.

    Parameters
    ----------
    state : dict
        The estimator's ``__dict__`` as loaded (parameters and fitted
        attributes), in the layout of :data:`FORMAT`.
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
    try:
        coefs, intercepts = _check_weights(state)
        n_outputs = _check_shapes(state, coefs, intercepts)
        outputs = _CLASSIFIER_OUTPUTS if classifier else _REGRESSOR_OUTPUTS
        out_activation = _check_activations(state, len(coefs) - 1, outputs)
        if classifier:
            _check_classes(state, n_outputs, out_activation)
        params = _Parameters(state, coefs, intercepts)
        for key, (_, check) in _PRIVATE.items():
            if key in state:
                try:
                    check(state[key], params)
                except AttributeError as missing:
                    raise _Inconsistent(f"{key} lacks {missing.name!r}.") from None
    except _Inconsistent as problem:
        raise ValueError(f"Refusing to load this {name}: {problem}") from None
