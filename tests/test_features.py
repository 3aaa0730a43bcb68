"""The options beyond scikit-learn, each against an independent oracle.

class_weight, dropout, per-layer activations, validation loss and a given
validation set, learning-rate schedules for every solver, keeping the
optimizer's state across warm starts, and per-epoch callbacks.
"""

import math

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from scipy.special import softmax as scipy_softmax
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss, recall_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Written independently of backprop_mlp._activations, as oracles.
_HIDDEN = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "logistic": expit}


def _manual_proba(clf, X, hidden):
    """predict_proba by hand from coefs_ and intercepts_, without dropout."""
    a = X
    for k, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_, strict=True)):
        z = a @ W + b
        a = _HIDDEN[hidden[k]](z) if k < len(clf.coefs_) - 1 else z
    if a.shape[1] == 1:
        p = expit(a)
        return np.hstack([1 - p, p])
    return scipy_softmax(a, axis=1)


def _max_diff(coefs_a, coefs_b):
    return max(np.abs(a - b).max() for a, b in zip(coefs_a, coefs_b, strict=True))


class _Recorder:
    """A callback keeping, after every epoch, what ``record(estimator)`` returns."""

    def __init__(self, record):
        self.record = record
        self.values = []

    def __call__(self, estimator, info):
        self.values.append(self.record(estimator))
        return False


def _copy_coefs(estimator):
    return [W.copy() for W in estimator.coefs_]


@pytest.fixture(scope="module")
def multiclass_data():
    X, y = make_classification(
        n_samples=240, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def binary_data():
    X, y = make_classification(n_samples=200, n_features=5, random_state=1)
    return X, y


# ----------------------------------------------------------------- class_weight


def test_class_weight_balanced_raises_minority_recall(global_random_seed):
    """'balanced' on 5 % positives finds far more of them than no weights."""
    X, y = make_classification(
        n_samples=2000,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        weights=[0.95],
        flip_y=0,
        class_sep=0.5,
        random_state=0,
    )
    assert 0.04 < y.mean() < 0.06
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    recalls = {}
    for class_weight in [None, "balanced"]:
        clf = BackpropMLPClassifier(
            (8,),
            learning_rate_init=0.01,
            max_iter=100,
            class_weight=class_weight,
            random_state=global_random_seed,
        ).fit(X_train, y_train)
        recalls[class_weight] = recall_score(y_test, clf.predict(X_test))
    assert recalls["balanced"] >= 0.45
    assert recalls["balanced"] >= recalls[None] + 0.1


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_class_weight_dict_equals_sample_weight(multiclass_data, solver):
    """A dict of class weights is the same as the equivalent sample weights."""
    X, y = multiclass_data
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    as_sample_weight = np.array([class_weight[label] for label in y])
    params = dict(hidden_layer_sizes=(7,), solver=solver, max_iter=15, random_state=0)
    a = BackpropMLPClassifier(class_weight=class_weight, **params).fit(X, y)
    b = BackpropMLPClassifier(**params).fit(X, y, sample_weight=as_sample_weight)
    for W_a, W_b in zip(
        a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True
    ):
        assert_array_equal(W_a, W_b)
    # Given both, they multiply.
    sw = np.linspace(0.5, 2.0, len(y))
    c = BackpropMLPClassifier(class_weight=class_weight, **params)
    c.fit(X, y, sample_weight=sw)
    d = BackpropMLPClassifier(**params).fit(X, y, sample_weight=sw * as_sample_weight)
    assert_allclose(c.loss_curve_, d.loss_curve_, rtol=1e-12)
    # ...and they matter.
    assert _max_diff(a.coefs_, BackpropMLPClassifier(**params).fit(X, y).coefs_) > 0


# ---------------------------------------------------------------------- dropout


def test_dropout_is_deterministic_under_random_state(multiclass_data):
    X, y = multiclass_data
    params = dict(hidden_layer_sizes=(16, 8), dropout=0.3, max_iter=10)
    a = BackpropMLPClassifier(random_state=3, **params).fit(X, y)
    b = BackpropMLPClassifier(random_state=3, **params).fit(X, y)
    c = BackpropMLPClassifier(random_state=4, **params).fit(X, y)
    assert_array_equal(a.loss_curve_, b.loss_curve_)
    for W_a, W_b in zip(a.coefs_, b.coefs_, strict=True):
        assert_array_equal(W_a, W_b)
    assert _max_diff(a.coefs_, c.coefs_) > 0


def test_dropout_is_off_at_prediction(multiclass_data):
    """predict_proba is the plain forward pass of the learned weights."""
    X, y = multiclass_data
    clf = BackpropMLPClassifier(
        (16, 8), activation="tanh", dropout=0.5, max_iter=10, random_state=0
    ).fit(X, y)
    expected = _manual_proba(clf, X, ["tanh", "tanh"])
    assert_allclose(clf.predict_proba(X), expected, rtol=1e-10, atol=1e-12)
    assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("dropout", [0.0, [0.0, 0.0]])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_no_dropout_matches_scikit_learn(multiclass_data, dropout, solver):
    X, y = multiclass_data
    params = dict(hidden_layer_sizes=(10, 5), solver=solver, max_iter=12)
    ours = BackpropMLPClassifier(dropout=dropout, random_state=0, **params).fit(X, y)
    theirs = MLPClassifier(random_state=0, **params).fit(X, y)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    for W_ours, W_theirs in zip(ours.coefs_, theirs.coefs_, strict=True):
        assert_allclose(W_ours, W_theirs, rtol=1e-9, atol=1e-12)


def test_dropout_changes_training(multiclass_data):
    """A high rate trains differently, and the objective it sees is higher."""
    X, y = multiclass_data
    params = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0)
    plain = BackpropMLPClassifier(**params).fit(X, y)
    dropped = BackpropMLPClassifier(dropout=0.8, **params).fit(X, y)
    assert len(dropped.loss_curve_) == len(plain.loss_curve_)
    assert np.mean(dropped.loss_curve_) > np.mean(plain.loss_curve_) + 0.01


def test_dropout_list_of_equal_rates_equals_scalar(multiclass_data):
    X, y = multiclass_data
    params = dict(hidden_layer_sizes=(8, 8), max_iter=8, random_state=0)
    a = BackpropMLPClassifier(dropout=0.25, **params).fit(X, y)
    b = BackpropMLPClassifier(dropout=[0.25, 0.25], **params).fit(X, y)
    c = BackpropMLPClassifier(dropout=[0.25, 0.0], **params).fit(X, y)
    assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.array_equal(a.loss_curve_, c.loss_curve_)


# ------------------------------------------------------------------ activations


@pytest.mark.parametrize("name", ["relu", "logistic", "gelu"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_activation_list_of_one_name_equals_string(multiclass_data, name, solver):
    X, y = multiclass_data
    params = dict(hidden_layer_sizes=(6, 5), solver=solver, max_iter=10)
    a = BackpropMLPClassifier(activation=name, random_state=0, **params).fit(X, y)
    b = BackpropMLPClassifier(activation=[name, name], random_state=0, **params)
    b.fit(X, y)
    for W_a, W_b in zip(
        a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True
    ):
        assert_array_equal(W_a, W_b)


def test_per_layer_activations_are_applied_in_order(multiclass_data):
    X, y = multiclass_data
    clf = BackpropMLPClassifier(
        (6, 5), activation=["tanh", "relu"], max_iter=10, random_state=0
    ).fit(X, y)
    assert_allclose(
        clf.predict_proba(X), _manual_proba(clf, X, ["tanh", "relu"]), rtol=1e-10
    )
    # The other order is another function of the same weights.
    assert not np.allclose(
        clf.predict_proba(X), _manual_proba(clf, X, ["relu", "tanh"])
    )


def test_activation_list_of_wrong_length_raises(multiclass_data):
    X, y = multiclass_data
    clf = BackpropMLPClassifier((4, 4), activation=["tanh"])
    with pytest.raises(ValueError, match="one name per hidden layer"):
        clf.fit(X, y)


# ----------------------------------------------------------------- validation


def _split(X, y):
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
def test_validation_loss_curve_is_log_loss_of_each_epoch(data, request):
    X, y = request.getfixturevalue(data)
    X_train, X_val, y_train, y_val = _split(X, y)
    recorder = _Recorder(lambda est: est.predict_proba(X_val))
    clf = BackpropMLPClassifier(
        (8,), max_iter=15, random_state=0, callbacks=[recorder]
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert len(clf.validation_loss_curve_) == clf.n_iter_ == 15
    expected = [
        log_loss(y_val, proba, labels=clf.classes_) for proba in recorder.values
    ]
    assert_allclose(clf.validation_loss_curve_, expected, rtol=1e-9)


@pytest.mark.parametrize("metric", ["loss", "score"])
def test_early_stopping_restores_the_best_epoch(metric):
    """The weights kept are those of the epoch with the best monitored value."""
    # Few noisy samples and a wide layer: the validation loss turns back up.
    X, y = make_classification(
        n_samples=300, n_features=20, n_informative=3, flip_y=0.2, random_state=0
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, train_size=60, random_state=0
    )
    recorder = _Recorder(_copy_coefs)
    clf = BackpropMLPClassifier(
        (64,),
        learning_rate_init=0.01,
        early_stopping=True,
        early_stopping_metric=metric,
        n_iter_no_change=8,
        max_iter=300,
        random_state=0,
        callbacks=[recorder],
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    if metric == "loss":
        best = int(np.argmin(clf.validation_loss_curve_))
    else:
        best = int(np.argmax(clf.validation_scores_))
    # Restoring is not a no-op here: training went on after the best epoch.
    assert best < clf.n_iter_ - 1
    for W, W_best in zip(clf.coefs_, recorder.values[best], strict=True):
        assert_array_equal(W, W_best)
    proba = clf.predict_proba(X_val)
    if metric == "loss":
        assert log_loss(y_val, proba) == pytest.approx(
            min(clf.validation_loss_curve_), rel=1e-9
        )
    else:
        assert clf.score(X_val, y_val) == max(clf.validation_scores_)


def test_given_validation_set_replaces_the_internal_split(binary_data):
    X, y = binary_data
    X_train, X_val, y_train, y_val = _split(X, y)
    recorder = _Recorder(lambda est: accuracy_score(y_val, est.predict(X_val)))
    clf = BackpropMLPClassifier(
        (8,),
        early_stopping=True,
        n_iter_no_change=50,
        max_iter=12,
        random_state=0,
        callbacks=[recorder],
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert clf.validation_scores_ == recorder.values
    # Nothing was held out of the training data.
    assert clf.t_ == clf.n_iter_ * len(X_train)


def test_validation_set_without_early_stopping_is_only_scored(binary_data):
    X, y = binary_data
    X_train, X_val, y_train, y_val = _split(X, y)
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    plain = BackpropMLPClassifier(**params).fit(X_train, y_train)
    scored = BackpropMLPClassifier(**params)
    scored.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    for W_plain, W_scored in zip(plain.coefs_, scored.coefs_, strict=True):
        assert_array_equal(W_plain, W_scored)
    assert len(scored.validation_scores_) == 10
    assert scored.validation_scores_[-1] == scored.score(X_val, y_val)


def test_validation_set_through_pipeline_metadata_routing(binary_data):
    """X_val reaches the MLP through the scaler, as X does."""
    X, y = binary_data
    X = X * 100 + 5  # scaling matters
    X_train, X_val, y_train, y_val = _split(X, y)
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        mlp = BackpropMLPClassifier(**params).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline(
            [("scale", StandardScaler()), ("mlp", mlp)], transform_input=["X_val"]
        )
        pipe.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    fitted = pipe.named_steps["mlp"]
    scaler = StandardScaler().fit(X_train)
    direct = BackpropMLPClassifier(**params).fit(
        scaler.transform(X_train),
        y_train,
        X_val=scaler.transform(X_val),
        y_val=y_val,
    )
    assert fitted.validation_scores_ == direct.validation_scores_
    assert_allclose(fitted.validation_loss_curve_, direct.validation_loss_curve_)
    assert fitted.validation_scores_[-1] == pipe.score(X_val, y_val)


def test_validation_set_needs_both_halves(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="both X_val and y_val"):
        BackpropMLPClassifier(max_iter=2).fit(X, y, X_val=X)


# ------------------------------------------------------------------ schedules


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_cosine_schedule_follows_its_closed_form(binary_data, solver):
    X, y = binary_data
    lr0, max_iter = 0.01, 12
    recorder = _Recorder(lambda est: (est.n_iter_, est._optimizer.learning_rate))
    BackpropMLPClassifier(
        (5,),
        solver=solver,
        learning_rate="cosine",
        learning_rate_init=lr0,
        max_iter=max_iter,
        n_iter_no_change=100,
        random_state=0,
        callbacks=[recorder],
    ).fit(X, y)
    # After epoch e, the rate of epoch e + 1 is set.
    epochs = [epoch for epoch, _ in recorder.values]
    assert epochs == list(range(1, max_iter + 1))
    expected = [lr0 * (1 + math.cos(math.pi * e / max_iter)) / 2 for e in epochs]
    assert_allclose([lr for _, lr in recorder.values], expected, rtol=1e-12)


def test_invscaling_schedule_applies_to_adam(binary_data):
    X, y = binary_data
    lr0, power_t = 0.01, 0.3
    recorder = _Recorder(lambda est: (est.t_, est._optimizer.learning_rate))
    clf = BackpropMLPClassifier(
        (5,),
        solver="adam",
        learning_rate="invscaling",
        learning_rate_init=lr0,
        power_t=power_t,
        max_iter=8,
        random_state=0,
        callbacks=[recorder],
    ).fit(X, y)
    ts = [t for t, _ in recorder.values]
    assert ts == [len(X) * e for e in range(1, clf.n_iter_ + 1)]
    expected = [lr0 / (t + 1) ** power_t for t in ts]
    assert_allclose([lr for _, lr in recorder.values], expected, rtol=1e-12)


@pytest.mark.parametrize(
    "solver, learning_rate",
    [("adam", "constant"), ("sgd", "constant"), ("sgd", "invscaling")],
)
def test_schedules_scikit_learn_has_match_it(multiclass_data, solver, learning_rate):
    X, y = multiclass_data
    params = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        learning_rate=learning_rate,
        learning_rate_init=0.01,
        max_iter=15,
        random_state=0,
    )
    ours = BackpropMLPClassifier(**params).fit(X, y)
    theirs = MLPClassifier(**params).fit(X, y)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    for W_ours, W_theirs in zip(ours.coefs_, theirs.coefs_, strict=True):
        assert_allclose(W_ours, W_theirs, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ callbacks


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_callback_returning_true_stops_after_that_epoch(binary_data, solver):
    X, y = binary_data
    seen = []

    def stop_at_3(estimator, info):
        seen.append(info["epoch"])
        return info["epoch"] == 3

    clf = BackpropMLPClassifier(
        (5,), solver=solver, max_iter=50, random_state=0, callbacks=[stop_at_3]
    ).fit(X, y)
    assert seen == [1, 2, 3]
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == 3


def test_callback_info_matches_the_recorded_curves(binary_data):
    X, y = binary_data
    X_train, X_val, y_train, y_val = _split(X, y)
    infos = []
    recorder = _Recorder(lambda est: est.n_iter_)
    clf = BackpropMLPClassifier(
        (5,),
        max_iter=12,
        random_state=0,
        callbacks=[lambda est, info: infos.append(dict(info)), recorder],
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert [info["epoch"] for info in infos] == recorder.values == list(range(1, 13))
    assert [info["loss"] for info in infos] == clf.loss_curve_
    assert [info["validation_score"] for info in infos] == clf.validation_scores_
    assert [info["validation_loss"] for info in infos] == clf.validation_loss_curve_


def test_every_callback_runs_even_after_one_asks_to_stop(binary_data):
    X, y = binary_data
    calls = []
    callbacks = [
        lambda est, info: True,
        lambda est, info: calls.append(info["epoch"]),
    ]
    BackpropMLPClassifier((4,), max_iter=5, callbacks=callbacks).fit(X, y)
    assert calls == [1]


def test_callbacks_survive_clone_and_convergence_warning_is_kept(binary_data):
    X, y = binary_data
    calls = []
    clf = BackpropMLPClassifier(
        (4,), max_iter=3, callbacks=[lambda est, info: calls.append(1)]
    )
    with pytest.warns(ConvergenceWarning):
        clone(clf).fit(X, y)
    assert calls == [1, 1, 1]
