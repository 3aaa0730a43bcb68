"""Saving and loading: round trips, version and format stamps, tamper checks.

Every round trip is checked against the model that was saved: the loaded one
must give exactly the same probabilities and, for a kept optimizer state,
continue training to exactly the same weights. A model saved by an older
development snapshot is checked against that snapshot itself: its code, run
from the repository's history, continues training, and the model loaded here
must continue to the same weights.
"""

import copy
import inspect
import io
import os
import pickle
import re
import shutil
import subprocess
import sys
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import backprop_mlp
from backprop_mlp import (
    BackpropMLPClassifier,
    InconsistentVersionWarning,
    ProgressBar,
    _persistence,
)


def _pickle_round_trip(model):
    return pickle.loads(pickle.dumps(model))


def _skops_round_trip(model):
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(model)
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


ROUND_TRIPS = {"pickle": _pickle_round_trip, "skops": _skops_round_trip}

# Every solver and every feature whose state a saved model must carry.
CONFIGS = {
    "lbfgs": dict(solver="lbfgs"),
    "sgd": dict(solver="sgd", learning_rate="adaptive"),
    "adam-features": dict(
        hidden_layer_sizes=(5, 4),
        activation=["gelu", "swish"],
        dropout=[0.2, 0.1],
        class_weight="balanced",
        early_stopping=True,
        early_stopping_metric="loss",
    ),
    "kept-optimizer": dict(warm_start=True, keep_optimizer_state=True),
    "progress-bar": dict(callbacks=[ProgressBar(min_interval=1e9)]),
}


def _data(n_classes=3, n_samples=80):
    X, y = make_classification(
        n_samples,
        6,
        n_informative=4,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=0,
    )
    return X, y


def _fit(n_classes=3, **params):
    X, y = _data(n_classes)
    params = {"hidden_layer_sizes": (5,), "max_iter": 8, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: few epochs
        return BackpropMLPClassifier(**params).fit(X, y), X, y


def _assert_continue_alike(step, model, oracle):
    """Train ``model`` and ``oracle`` by ``step``: their weights must agree."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: few epochs
        step(oracle)
        step(model)
    for ours, theirs in zip(
        model.coefs_ + model.intercepts_,
        oracle.coefs_ + oracle.intercepts_,
        strict=True,
    ):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "pipeline"])
def test_round_trip_predicts_identically(how, config, in_pipeline):
    clf, X, _ = _fit(**CONFIGS[config])
    model = make_pipeline(StandardScaler().fit(X), clf) if in_pipeline else clf
    loaded = ROUND_TRIPS[how](model)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params().keys() == model.get_params().keys()


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_loaded_optimizer_state_continues_training_identically(how, solver):
    # The oracle is the original model trained on: velocities, moments, step
    # count and rate all have to survive the trip for the weights to agree.
    clf, X, y = _fit(solver=solver, warm_start=True, keep_optimizer_state=True)
    loaded = ROUND_TRIPS[how](clf)
    _assert_continue_alike(lambda model: model.fit(X, y), loaded, clf)
    assert loaded._optimizer.dtype == np.float64


@pytest.mark.parametrize("config", CONFIGS)
def test_skops_untrusted_types_are_only_ours(config):
    sio = pytest.importorskip("skops.io")
    clf, X, _ = _fit(**CONFIGS[config])
    pipe = make_pipeline(StandardScaler().fit(X), clf)
    untrusted = sio.get_untrusted_types(data=sio.dumps(pipe))
    assert untrusted, "our estimator itself is not a type skops trusts"
    assert all(name.startswith("backprop_mlp.") for name in untrusted), untrusted


def test_float32_model_round_trips_through_skops():
    sio = pytest.importorskip("skops.io")
    X, y = _data()
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(4,), max_iter=3, random_state=0, solver="sgd"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X.astype(np.float32), y)
    data = sio.dumps(clf)
    assert all(
        n.startswith("backprop_mlp.") for n in sio.get_untrusted_types(data=data)
    )
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert loaded._optimizer.dtype == np.float32
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


# ------------------------------------------------------------ version stamp


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("fitted", [True, False], ids=["fitted", "unfitted"])
def test_other_version_warns_with_both_versions(how, fitted, monkeypatch):
    model = _fit()[0] if fitted else BackpropMLPClassifier()
    monkeypatch.setattr(_persistence, "__version__", "0.0.7")
    if how == "pickle":
        data = pickle.dumps(model)
        monkeypatch.undo()
        load = pickle.loads
    else:
        sio = pytest.importorskip("skops.io")
        data = sio.dumps(model)
        monkeypatch.undo()

        def load(data):
            return sio.loads(data, trusted=sio.get_untrusted_types(data=data))

    with pytest.warns(InconsistentVersionWarning) as record:
        loaded = load(data)
    (warning,) = [w.message for w in record]
    assert warning.original_version == "0.0.7"
    assert warning.current_version == backprop_mlp.__version__
    assert "0.0.7" in str(warning) and backprop_mlp.__version__ in str(warning)
    assert "_backprop_mlp_version" not in vars(loaded)


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_same_version_loads_silently_and_state_is_stamped(how):
    clf = _fit()[0]
    assert clf.__getstate__()["_backprop_mlp_version"] == backprop_mlp.__version__
    assert "_backprop_mlp_version" not in vars(clf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ROUND_TRIPS[how](clf)


def test_unstamped_state_warns_as_unknown_version():
    clf = _fit()[0]
    state = clf.__getstate__()
    del state["_backprop_mlp_version"]
    with pytest.warns(InconsistentVersionWarning, match="version unknown"):
        BackpropMLPClassifier.__new__(BackpropMLPClassifier).__setstate__(state)


# ------------------------------------------------------------- tampering


def _wrong_shape_weights(clf):
    clf.coefs_[1] = clf.coefs_[1][:-1]


def _wrong_shape_biases(clf):
    clf.intercepts_[0] = np.append(clf.intercepts_[0], 0.0)


def _transposed_weights(clf):
    clf.coefs_[1] = np.ascontiguousarray(clf.coefs_[1].T)


def _missing_layer(clf):
    del clf.coefs_[-1], clf.intercepts_[-1]


def _nan_weight(clf):
    clf.coefs_[0][0, 0] = np.nan


def _inf_bias(clf):
    clf.intercepts_[1][0] = np.inf


def _integer_weights(clf):
    clf.coefs_[0] = clf.coefs_[0].astype(np.int64)


def _unknown_activation(clf):
    clf.activation = "sine"


def _unknown_activation_in_list(clf):
    clf.activation = ["relu", "sine"]


def _too_few_activations(clf):
    clf.activation = ["relu"]


def _unknown_output_activation(clf):
    clf.out_activation_ = "relu"


def _too_few_classes(clf):
    clf.classes_ = clf.classes_[:2]


def _too_many_classes(clf):
    clf.classes_ = np.arange(5)


def _wrong_n_outputs(clf):
    clf.n_outputs_ = 4


def _wrong_n_features(clf):
    clf.n_features_in_ = 7


TAMPERINGS = {
    f.__name__.lstrip("_"): f
    for f in [
        _wrong_shape_weights,
        _wrong_shape_biases,
        _transposed_weights,
        _missing_layer,
        _nan_weight,
        _inf_bias,
        _integer_weights,
        _unknown_activation,
        _unknown_activation_in_list,
        _unknown_output_activation,
        _too_few_classes,
        _too_many_classes,
        _wrong_n_outputs,
        _wrong_n_features,
    ]
}


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_tampered_model_is_refused_at_load(how, tamper):
    clf, X, _ = _fit(hidden_layer_sizes=(5, 4), activation="relu")
    # The tampered attribute breaks predict today: the check must come first.
    broken = copy.copy(clf)
    TAMPERINGS[tamper](broken)
    with pytest.raises(ValueError, match="Refusing to load this BackpropMLPClassifier"):
        ROUND_TRIPS[how](broken)
    with pytest.raises(ValueError, match="Refusing to load"):
        ROUND_TRIPS[how](make_pipeline(StandardScaler().fit(X), broken))


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
def test_activation_changed_after_fitting_saves_and_predicts_as_fitted(how):
    """A parameter changed by set_params after fitting is a valid state to
    save; the model predicts with the activations it was fitted with."""
    clf, X, _ = _fit(hidden_layer_sizes=(5, 4), activation="relu")
    proba = clf.predict_proba(X)
    _too_few_activations(clf)
    loaded = ROUND_TRIPS[how](clf)
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)


def test_changed_hidden_layer_sizes_still_load_and_predict():
    clf, X, _ = _fit(hidden_layer_sizes=(5, 4), activation="relu")
    proba = clf.predict_proba(X)
    clf.set_params(hidden_layer_sizes=(7,))
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), proba
    )


@pytest.mark.parametrize(
    "n_classes, multilabel",
    [(1, False), (2, False), (3, False), (3, True)],
    ids=["one-class", "binary", "multiclass", "multilabel"],
)
def test_consistent_targets_of_every_type_load(n_classes, multilabel):
    X, y = _data(max(n_classes, 2))
    if multilabel:
        y = np.column_stack([y == 0, y == 1, y != 1]).astype(int)
    elif n_classes == 1:
        y = np.zeros_like(y)
    clf = BackpropMLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    loaded = _pickle_round_trip(clf)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_binary_classes_must_fit_one_output_unit():
    clf = _fit(n_classes=2)[0]
    clf.n_outputs_ = 2
    clf.coefs_[-1] = np.column_stack([clf.coefs_[-1]] * 2)
    clf.intercepts_[-1] = np.tile(clf.intercepts_[-1], 2)
    clf.out_activation_ = "softmax"
    with pytest.raises(ValueError, match="2 classes_ do not fit 2 output"):
        _pickle_round_trip(clf)


def test_core_imports_no_optional_dependency():
    # skops, skl2onnx, onnx and onnxruntime are extras: the core must load
    # without them, so it must not import them.
    code = (
        "import sys, backprop_mlp; "
        "print(sorted(m for m in ('skops', 'skl2onnx', 'onnx', 'onnxruntime') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# ------------------------------------------------------ the training state
# The optimizer and the plateau monitor must fit the weights they continue:
# a state that does not would load, then fail at partial_fit with a numpy
# broadcasting error (or train on NaN).


def _set(attribute, value):
    """Set ``_optimizer.m`` (say) to ``value(current value, clf)``."""
    owner_name, name = attribute.split(".")

    def tamper(clf):
        owner = getattr(clf, owner_name)
        setattr(owner, name, value(getattr(owner, name), clf))

    return tamper


def _delete(attribute):
    owner_name, name = attribute.split(".")
    return lambda clf: delattr(getattr(clf, owner_name), name)


def _with_nan(v, clf):
    v = v.copy()
    v[0] = np.nan
    return v


def _with_negative(v, clf):
    v = v.copy()
    v[0] = -1.0
    return v


ADAM, SGD = {"solver": "adam"}, {"solver": "sgd"}
EARLY = {"solver": "adam", "early_stopping": True}
TRAINING_TAMPERINGS = {
    "short-adam-m": (ADAM, _set("_optimizer.m", lambda v, c: v[:-1]), r"_optimizer\.m"),
    "short-adam-v": (ADAM, _set("_optimizer.v", lambda v, c: v[:-1]), r"_optimizer\.v"),
    "short-sgd-velocity": (
        SGD,
        _set("_optimizer.velocity", lambda v, c: v[:-1]),
        r"_optimizer\.velocity has shape \(\d+,\)",
    ),
    "float32-moments": (
        ADAM,
        _set("_optimizer.m", lambda v, c: v.astype(np.float32)),
        r"_optimizer\.m has shape \(\d+,\) and dtype float32",
    ),
    "nan-moment": (ADAM, _set("_optimizer.m", _with_nan), r"_optimizer\.m holds NaN"),
    "negative-second-moment": (
        ADAM,
        _set("_optimizer.v", _with_negative),
        r"_optimizer\.v holds negative",
    ),
    "negative-step": (ADAM, _set("_optimizer.t", lambda t, c: -1), "step count"),
    "fractional-step": (ADAM, _set("_optimizer.t", lambda t, c: 2.5), "step count"),
    "more-steps-than-samples": (
        ADAM,
        _set("_optimizer.t", lambda t, c: c.t_ + 1),
        r"_optimizer\.t, Adam's step count, is 641, more than the t_=640",
    ),
    "optimizer-of-another-size": (
        ADAM,
        _set("_optimizer.n_params", lambda n, c: n + 1),
        "_optimizer was made for",
    ),
    "optimizer-without-initial-rate": (
        ADAM,
        _delete("_optimizer.learning_rate_init"),
        "_optimizer lacks 'learning_rate_init'",
    ),
    "negative-rate": (
        SGD,
        _set("_optimizer.learning_rate", lambda r, c: -r),
        r"_optimizer\.learning_rate should be",
    ),
    "short-best-params": (
        EARLY,
        _set("_monitor.best_params", lambda p, c: p[:-1]),
        r"_monitor\.best_params has shape",
    ),
    "negative-plateau-count": (
        ADAM,
        _set("_monitor.count", lambda n, c: -1),
        r"_monitor\.count",
    ),
    "unknown-monitored-quantity": (
        ADAM,
        _set("_monitor.quantity", lambda q, c: "accuracy"),
        r"_monitor\.quantity",
    ),
    "run-order-with-a-row-twice": (
        ADAM,
        _set("_run.order", lambda o, c: np.append(o[:-1], o[0])),
        r"_run\.order should number each of its 80 rows once \(0 to 79\)",
    ),
    "run-order-of-other-rows": (
        ADAM,
        _set("_run.order", lambda o, c: o + 1),
        r"_run\.order should number each",
    ),
    "run-split-overlapping": (
        EARLY,
        _set("_run.split", lambda s, c: (s[0], s[0][:8])),
        r"_run\.split should number each",
    ),
    "run-position-short": (
        ADAM,
        _set("_run.position", lambda p, c: np.zeros(3)),
        r"_run\.position has shape \(3,\)",
    ),
    "run-epochs-negative": (ADAM, _set("_run.epochs", lambda e, c: -1), "epochs"),
    "run-ended-unknown": (
        ADAM,
        _set("_run.ended", lambda e, c: "paused"),
        r"_run\.ended should be",
    ),
    "not-an-optimizer": (
        ADAM,
        lambda clf: setattr(clf, "_optimizer", {"m": clf._optimizer.m}),
        "_optimizer should be a SGD or Adam, or None, got dict",
    ),
    "run-without-random-state": (
        ADAM,
        _set("_run.shuffle_rng", lambda r, c: 0),
        r"_run\.shuffle_rng should be a RandomState",
    ),
}
# The activations the model was fitted with, which predict uses.
TRAINING_TAMPERINGS["unknown-fitted-activation"] = (
    ADAM,
    lambda clf: setattr(clf, "_activation_names", ("sine",)),
    r"_activation_names should name one known activation per hidden layer \(1\)",
)
TRAINING_TAMPERINGS["too-few-fitted-activations"] = (
    {"hidden_layer_sizes": (5, 4)},
    lambda clf: setattr(clf, "_activation_names", ("relu",)),
    r"_activation_names should name .* \(2\), got \('relu',\)",
)


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("tamper", TRAINING_TAMPERINGS)
def test_training_state_that_does_not_fit_is_refused_at_load(how, tamper):
    params, change, message = TRAINING_TAMPERINGS[tamper]
    clf = _fit(**params)[0]
    change(clf)
    with pytest.raises(
        ValueError, match="Refusing to load this BackpropMLPClassifier: "
    ):
        ROUND_TRIPS[how](clf)
    with pytest.raises(ValueError, match=message):
        ROUND_TRIPS[how](clf)


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", learning_rate="cosine"),  # a final rate of 0
        dict(solver="lbfgs"),  # no optimizer state
        dict(learning_rate_init=1e6, max_iter=3),  # diverged: optimizer dropped
    ],
    ids=["cosine", "lbfgs", "diverged"],
)
def test_every_valid_training_state_loads_and_continues(how, params):
    # The oracle is the model that was saved, continued in memory.
    clf, X, y = _fit(**params)
    loaded = ROUND_TRIPS[how](clf)
    _assert_continue_alike(
        lambda model: model.set_params(warm_start=True, max_iter=3).fit(X, y),
        loaded,
        clf,
    )


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize(
    "params",
    [dict(solver="sgd"), dict(early_stopping=True, dropout=0.2, n_iter_no_change=50)],
    ids=["sgd", "early-stopping-dropout"],
)
def test_a_saved_run_continues_as_the_model_in_memory(how, params):
    # warm_start='continue' goes on with the run: its random streams, row
    # order, validation split and counters must all survive the trip.
    clf, X, y = _fit(warm_start="continue", max_iter=5, **params)
    loaded = ROUND_TRIPS[how](clf)
    _assert_continue_alike(lambda model: model.fit(X, y), loaded, clf)
    assert loaded.loss_curve_ == clf.loss_curve_
    assert loaded._run.epochs == clf._run.epochs == 10


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_regressor_training_state_round_trips(how):
    X, y = _data()
    reg = backprop_mlp.BackpropMLPRegressor(
        hidden_layer_sizes=(4,), max_iter=4, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y.astype(float))
    loaded = ROUND_TRIPS[how](reg)
    _assert_continue_alike(
        lambda model: model.partial_fit(X, y.astype(float)), loaded, reg
    )
    reg._optimizer.v = reg._optimizer.v[:-1]
    with pytest.raises(ValueError, match=r"BackpropMLPRegressor: _optimizer\.v"):
        ROUND_TRIPS[how](reg)


def test_a_registered_private_attribute_is_checked_at_load(monkeypatch):
    """Registering an attribute in _PRIVATE is all a new one needs."""

    def refuse(value, params):
        raise _persistence._Inconsistent(f"_extra={value} for {params.n_params}")

    monkeypatch.setitem(_persistence._PRIVATE, "_extra", (1, refuse))
    clf = _fit()[0]
    n_params = sum(a.size for a in clf.coefs_ + clf.intercepts_)
    clf._extra = 7
    with pytest.raises(ValueError, match=f"_extra=7 for {n_params}"):
        _pickle_round_trip(clf)


# ---------------------------------------------------------- format number

DUMPS = {
    "pickle": (pickle.dumps, pickle.loads),
    "skops": (
        lambda model: pytest.importorskip("skops.io").dumps(model),
        lambda data: _skops_load(data),
    ),
}


def _skops_load(data):
    sio = pytest.importorskip("skops.io")
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


@pytest.mark.parametrize("how", DUMPS)
@pytest.mark.parametrize("fitted", [True, False], ids=["fitted", "unfitted"])
def test_state_carries_its_format_and_a_newer_one_is_refused(how, fitted, monkeypatch):
    dumps, loads = DUMPS[how]
    model = _fit()[0] if fitted else BackpropMLPClassifier()
    assert model.__getstate__()["_backprop_mlp_format"] == _persistence.FORMAT
    assert "_backprop_mlp_format" not in vars(loads(dumps(model)))
    newer = _persistence.FORMAT + 1
    monkeypatch.setattr(_persistence, "FORMAT", newer)
    data = dumps(model)
    monkeypatch.undo()
    with pytest.raises(
        ValueError,
        match=f"in layout {newer}, and this version .* reads layouts up to "
        f"{_persistence.FORMAT}",
    ):
        loads(data)


def test_a_format_that_is_not_a_number_is_refused():
    state = _fit()[0].__getstate__()
    state["_backprop_mlp_format"] = "1"
    with pytest.raises(ValueError, match=r"layout number .* should be an integer"):
        BackpropMLPClassifier.__new__(BackpropMLPClassifier).__setstate__(state)


def _legacy_state(clf):
    """``clf``'s state in the layout saved before formats were numbered and
    before the trainer: no learning_rate_init in the optimizer, the plateau
    count in attributes of the estimator, a random state kept, no run nor
    fitted activations, and the parameters of then (no schedule_horizon,
    keep_optimizer_state False).

    ``clf`` loses its run too: the oracle is the same model without one.
    """
    del clf._run
    state = copy.deepcopy(clf.__getstate__())
    del state["_activation_names"]
    del state["_backprop_mlp_format"], state["_backprop_mlp_version"]
    del state["schedule_horizon"]
    state["keep_optimizer_state"] = False
    del state["_optimizer"].learning_rate_init
    monitor = state.pop("_monitor")
    state["_no_improvement_count"] = monitor.count
    state["_best_validation_loss"] = np.inf
    state["_best_params"] = None
    state["_random_state"] = np.random.RandomState(0)
    return state


def _load_state(state):
    model = BackpropMLPClassifier.__new__(BackpropMLPClassifier)
    model.__setstate__(state)
    return model


def test_legacy_layout_is_converted_and_continues_identically():
    # The oracle is the model whose state was put in the old layout. Its
    # adaptive rate falls at each plateau: the count must carry over, and the
    # optimizer's rate and velocity.
    clf, X, y = _fit(
        solver="sgd", learning_rate="adaptive", n_iter_no_change=1, tol=0.1
    )
    with pytest.warns(InconsistentVersionWarning, match="version unknown"):
        legacy = _load_state(_legacy_state(clf))
    assert not {"_no_improvement_count", "_random_state"} & set(vars(legacy))
    # The parameters of today, with what the old ones meant: no warning about
    # a keep_optimizer_state the user never set.
    assert legacy.get_params() == clf.get_params()

    def three_epochs(model):
        for _ in range(3):
            model.partial_fit(X, y)

    _assert_continue_alike(three_epochs, legacy, clf)
    assert legacy._optimizer.learning_rate == clf._optimizer.learning_rate < 1e-3


def test_older_state_keeps_the_activations_it_predicted_with():
    # The oracle is the model before the activation was changed: an older
    # state predicted with its activation parameter, which the loaded model
    # keeps as the activations it was fitted with.
    clf, X, _ = _fit(hidden_layer_sizes=(5, 4), activation=["tanh", "relu"])
    proba = clf.predict_proba(X)
    with pytest.warns(InconsistentVersionWarning):
        legacy = _load_state(_legacy_state(clf))
    assert legacy._activation_names == ("tanh", "relu")
    legacy.set_params(activation="logistic")
    np.testing.assert_array_equal(legacy.predict_proba(X), proba)


def test_unreadable_legacy_layout_predicts_and_drops_its_training_state():
    clf, X, y = _fit()
    state = _legacy_state(clf)
    del state["_optimizer"].m  # a layout this version knows nothing of
    with pytest.warns(UserWarning) as record:
        legacy = _load_state(state)
    (dropped,) = [w for w in record if "cannot be read" in str(w.message)]
    assert "its training state was dropped" in str(dropped.message)
    assert not {"_optimizer", "_monitor"} & set(vars(legacy))
    assert dropped.filename == __file__  # points at the line that loaded it
    np.testing.assert_array_equal(legacy.predict_proba(X), clf.predict_proba(X))
    # A partial_fit begins a new optimizer and plateau count: the oracle is
    # the model with its training state removed by hand.
    del clf._optimizer, clf._monitor
    _assert_continue_alike(lambda model: model.partial_fit(X, y), legacy, clf)


# ------------------------------------- models saved by old snapshots (git)
# Development snapshots saved models in earlier layouts under the same
# version number. Their own code, taken from the repository's history, fits
# and saves a model, then continues training it: the model this version loads
# must predict the same, and continue to the same weights.

OLD_SNAPSHOTS = {
    # The first layout: full-size scratch buffers in the optimizers.
    "first": "843bfbc052de8b50de2f963b48e7814d3ebb33f1",
    # The last before the trainer: no learning_rate_init in the optimizers,
    # the plateau count in attributes of the estimator.
    "pre-trainer": "7ff9d75af6d72878a264ce3ca3a3f5417d47abae",
}
# Each is fitted for 6 epochs, then continued by _continue_training: by
# partial_fit, which keeps the optimizer and plateau count, or by a warm start
# (warm_start=True), which keeps the plateau count and the best parameters.
# (Not keep_optimizer_state: a model saved without a run to continue now
# starts a new one, by design. Not L-BFGS: its warm start now extends
# loss_curve_, where it replaced it.)
OLD_SCENARIOS = {
    "adam-partial-fit": {},
    "sgd-adaptive-partial-fit": dict(
        solver="sgd", learning_rate="adaptive", n_iter_no_change=1, tol=0.1
    ),
    "sgd-adaptive": dict(
        solver="sgd",
        learning_rate="adaptive",
        warm_start=True,
        n_iter_no_change=2,
        tol=0.1,
    ),
    "early-stopping-score": dict(early_stopping=True, warm_start=True),
    "early-stopping-loss": dict(
        early_stopping=True,
        early_stopping_metric="loss",
        warm_start=True,
        n_iter_no_change=3,
    ),
}


def _continue_training(clf, X, y):
    if clf.warm_start:  # up to 30 more epochs, or the plateau carried over
        clf.set_params(max_iter=30).fit(X, y)
    else:
        clf.partial_fit(X, y)
        clf.partial_fit(X, y)


_OLD_SCRIPT = """
import pickle, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
import skops.io as sio
import backprop_mlp
from sklearn.datasets import make_classification

assert backprop_mlp.__file__.startswith(sys.argv[2]), backprop_mlp.__file__
{continue_training}
X, y = make_classification(80, 6, n_classes=3, n_informative=4, random_state=0)
results = {{}}
for name, params in {scenarios!r}.items():
    clf = backprop_mlp.BackpropMLPClassifier(
        hidden_layer_sizes=(5,), max_iter=6, random_state=0, **params
    ).fit(X, y)
    saved = {{"pickle": pickle.dumps(clf), "skops": sio.dumps(clf)}}
    saved["proba"] = clf.predict_proba(X)
    _continue_training(clf, X, y)
    saved["continued"] = clf.coefs_ + clf.intercepts_
    saved["counters"] = (clf.t_, list(clf.loss_curve_))
    results[name] = saved
with open(sys.argv[1], "wb") as file:
    pickle.dump(results, file)
"""


@pytest.fixture(scope="module", params=OLD_SNAPSHOTS)
def old_snapshot(request, tmp_path_factory):
    """What an old snapshot saved and how it continued, per scenario."""
    pytest.importorskip("skops.io")
    repo = Path(__file__).resolve().parents[1]
    commit = OLD_SNAPSHOTS[request.param]
    if shutil.which("git") is None:
        pytest.skip("git is needed to run an old snapshot")
    found = subprocess.run(
        ["git", "-C", repo, "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True,
    )
    if found.returncode:
        pytest.skip(f"{commit} is not in this checkout's history (shallow clone?)")
    folder = tmp_path_factory.mktemp(request.param)
    archive = subprocess.run(
        ["git", "-C", repo, "archive", commit, "src"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    script = _OLD_SCRIPT.format(
        continue_training=inspect.getsource(_continue_training),
        scenarios=OLD_SCENARIOS,
    )
    out = folder / "saved.pkl"
    env = {**os.environ, "PYTHONPATH": str(folder / "src")}
    subprocess.run(
        [sys.executable, "-c", script, str(out), str(folder / "src")],
        env=env,
        check=True,
        capture_output=True,
    )
    with open(out, "rb") as file:
        return pickle.load(file)


@pytest.mark.slow  # two subprocesses of a few seconds each
@pytest.mark.parametrize("how", DUMPS)
@pytest.mark.parametrize("scenario", OLD_SCENARIOS)
def test_old_snapshot_model_continues_as_its_own_code_does(old_snapshot, scenario, how):
    saved = old_snapshot[scenario]
    X, y = make_classification(80, 6, n_classes=3, n_informative=4, random_state=0)
    with pytest.warns(InconsistentVersionWarning, match="version unknown"):
        clf = DUMPS[how][1](saved[how])
    np.testing.assert_array_equal(clf.predict_proba(X), saved["proba"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _continue_training(clf, X, y)
    # (Not n_iter_: it now counts every epoch of the weights, by design.)
    assert (clf.t_, clf.loss_curve_) == saved["counters"]
    for ours, theirs in zip(
        clf.coefs_ + clf.intercepts_, saved["continued"], strict=True
    ):
        np.testing.assert_array_equal(ours, theirs)


# ------------------------------------------------------ progress bar files
# The rule of ProgressBar's docstring: copies share the stream; a saved bar
# keeps a path, and stdout or stderr as the loading process's own; any other
# stream stays behind, and the loaded bar writes to standard error.

BAR_FILES = {
    "open-file": lambda folder: open(folder / "open.log", "w"),
    "stringio": lambda folder: io.StringIO(),
    "stdout": lambda folder: sys.stdout,
    "stderr": lambda folder: sys.stderr,
    "path": lambda folder: folder / "train.log",
    "str-path": lambda folder: str(folder / "train.log"),
}
COPIES = {
    "pickle": _pickle_round_trip,
    "skops": _skops_round_trip,
    "deepcopy": copy.deepcopy,
    "clone": clone,
}


def _expected_destination(how, kind):
    if kind in ("stdout", "stderr"):
        return kind
    if how in ("deepcopy", "clone") or kind in ("path", "str-path"):
        return "file"
    return "stderr"


def _own_text(file):
    if isinstance(file, io.StringIO):
        return file.getvalue()
    if isinstance(file, str | os.PathLike):
        return Path(file).read_text() if os.path.exists(file) else ""
    if hasattr(file, "name") and file not in (sys.stdout, sys.stderr):
        file.flush()
        return Path(file.name).read_text()
    return ""


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("kind", BAR_FILES)
def test_progress_bar_writes_where_the_rule_says(how, kind, tmp_path, capsys):
    file = BAR_FILES[kind](tmp_path)
    try:
        bar = ProgressBar(file=file, min_interval=0)
        clf, X, y = _fit(max_iter=3, callbacks=[bar])
        capsys.readouterr()
        before = _own_text(file)
        copied = COPIES[how](clf)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copied.fit(X, y)
        out, err = capsys.readouterr()
        written = {"file": _own_text(file)[len(before) :], "stdout": out}
        written["stderr"] = err
    finally:
        if kind == "open-file":
            file.close()
    expected = _expected_destination(how, kind)
    for destination, text in written.items():
        epochs = re.findall(r"epoch (\d)/3", text)
        assert epochs == (["1", "2", "3"] if destination == expected else []), (
            destination,
            text,
        )


def test_old_pickled_progress_bar_loads_without_its_stream():
    # Before the rule, a bar pickled its whole __dict__, stream included.
    bar = ProgressBar(file=io.StringIO("old output"), width=12)
    old_state = dict(vars(bar), _start=3.0)
    loaded = ProgressBar.__new__(ProgressBar)
    loaded.__setstate__(old_state)
    assert (loaded.file, loaded.width, loaded._start) == (None, 12, None)
