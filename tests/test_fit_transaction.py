"""A fit is a transaction: it validates before it changes anything, trains on
objects of its own, and commits every fitted attribute at once.

Each test reproduces one way the estimator used to end half-changed (refused
refits, early-stopping state, kept optimizers, first-epoch divergence, class
weights in partial_fit, threads, interrupts), with an oracle: the model as it
was before the call, a model fitted another way that must be equal, or a
closed form.
"""

import copy
import sys
import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning

from backprop_mlp import (
    BackpropMLPClassifier,
    ContinuationWarning,
    check_gradients,
)
from backprop_mlp._training import Trainer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

M = BackpropMLPClassifier


@pytest.fixture(scope="module")
def data():
    return make_blobs(90, 4, centers=3, random_state=0)


def _state(estimator):
    """A deep copy of every fitted attribute, to compare with later."""
    return copy.deepcopy(
        {k: v for k, v in vars(estimator).items() if k.endswith("_") or k[0] == "_"}
    )


def _assert_same_state(estimator, state, X):
    now = _state(estimator)
    assert sorted(now) == sorted(state)
    for W, W_before in zip(estimator.coefs_, state["coefs_"], strict=True):
        assert_array_equal(W, W_before)
    for name in ("n_iter_", "t_", "loss_", "loss_curve_", "classes_"):
        assert_array_equal(now[name], state[name])
    assert_array_equal(estimator.predict_proba(X), _proba(state, estimator, X))


def _proba(state, estimator, X):
    # The probabilities of the model as it was: the state set on a copy.
    before = copy.copy(estimator)
    before.__dict__.update(state)
    return before.predict_proba(X)


def _fitted(data, **params):
    X, y = data
    return M(max_iter=40, random_state=0, **params).fit(X, y)


# ------------------------------------------------- 1, 2: refused refits


@pytest.mark.parametrize(
    "bad_call",
    [
        pytest.param(lambda m, X, y: m.fit(X, y, X_val=X[:, :3], y_val=y), id="X_val"),
        pytest.param(
            lambda m, X, y: m.fit(X, y, sample_weight=np.ones(len(y) + 1)),
            id="sample_weight",
        ),
        pytest.param(
            lambda m, X, y: m.fit(X, y, sample_weight=-np.ones(len(y))),
            id="negative_weight",
        ),
        pytest.param(
            lambda m, X, y: m.set_params(warm_start=True).fit(X[:, :3], y),
            id="features_warm_start",
        ),
        pytest.param(
            lambda m, X, y: m.set_params(warm_start=True).fit(X, np.where(y, y, 7)),
            id="new_class_warm_start",
        ),
        pytest.param(
            lambda m, X, y: m.set_params(warm_start=True).fit(X.astype(np.float32), y),
            id="dtype_warm_start",
        ),
        pytest.param(
            lambda m, X, y: m.set_params(warm_start=True, hidden_layer_sizes=(3,)).fit(
                X, y
            ),
            id="layers_warm_start",
        ),
        pytest.param(
            lambda m, X, y: m.partial_fit(X, np.where(y, y, 7)), id="pf_class"
        ),
        pytest.param(
            lambda m, X, y: m.set_params(
                validation_fraction=0.01, early_stopping=True
            ).fit(X, y),
            id="validation_fraction",
        ),
    ],
)
def test_a_refused_fit_leaves_the_model_as_it_was(data, bad_call):
    X, y = data
    m = _fitted(data, warm_start=False)
    state = _state(m)
    score = m.score(X, y)
    with pytest.raises(ValueError):
        bad_call(m, X, y)
    _assert_same_state(m, state, X)
    assert m.score(X, y) == score


def test_a_callback_that_raises_leaves_the_model_as_it_was(data):
    X, y = data
    m = _fitted(data)
    state = _state(m)

    def boom(estimator, info):
        if info["epoch"] == 3:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        m.set_params(callbacks=[boom]).fit(X, y)
    _assert_same_state(m, state, X)


def test_a_first_fit_that_raises_leaves_no_fitted_attribute(data):
    X, y = data
    m = M(max_iter=5)
    with pytest.raises(ValueError):
        m.fit(X, y, X_val=X[:, :3], y_val=y)
    assert [k for k in vars(m) if k.endswith("_")] == []


def test_callbacks_see_the_model_so_far_but_the_estimator_only_at_the_end(data):
    X, y = data
    m = _fitted(data)
    before = m.predict_proba(X)
    seen = []

    def look(estimator, info):
        seen.append((estimator is m, estimator.n_iter_, m.n_iter_))
        assert_array_equal(m.predict_proba(X), before)  # not committed yet

    m.set_params(callbacks=[look], max_iter=3).fit(X, y)
    assert seen == [(False, 1, 40), (False, 2, 40), (False, 3, 40)]
    assert m.n_iter_ == 3


# ------------------------------------------------- 3: early-stopping state


def test_warm_start_can_turn_early_stopping_off_and_on(data):
    X, y = data
    m = _fitted(data, warm_start=True, early_stopping=True)
    assert m.best_loss_ is None
    m.set_params(early_stopping=False, max_iter=5).fit(X, y)
    # The monitor now watches the training loss, from this fit on.
    assert m.best_loss_ == min(m.loss_curve_[-5:])
    assert m.best_validation_score_ is None
    m.set_params(early_stopping=True).fit(X, y)
    assert m.best_loss_ is None
    assert m.best_validation_score_ == max(m.validation_scores_)


def _adam_step(m, X, y, lr):
    """Closed form: the weights after one full-batch Adam step from m's state."""
    before = m._optimizer
    params = np.concatenate([W.ravel() for W in m.coefs_] + list(m.intercepts_))
    check = check_gradients(m, X, y)
    grad = np.concatenate(
        [layer.backprop_weights.ravel() for layer in check.layers]
        + [layer.backprop_biases for layer in check.layers]
    )
    b1, b2, eps = 0.9, 0.999, 1e-8
    t = before.t + 1
    m1 = b1 * before.m + (1 - b1) * grad
    v1 = b2 * before.v + (1 - b2) * grad**2
    lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
    return params - lr_t * m1 / (np.sqrt(v1) + eps)


def _params(m):
    return np.concatenate([W.ravel() for W in m.coefs_] + list(m.intercepts_))


def test_partial_fit_after_an_early_stopping_fit(data):
    X, y = data
    m = _fitted(data, early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stop"):
        m.partial_fit(X, y)
    # partial_fit continues the weights kept (the best epoch's) and the
    # optimizer: one full-batch Adam step from its moments, in closed form.
    m.set_params(early_stopping=False, batch_size=len(y), shuffle=False)
    expected = _adam_step(m, X, y, lr=m.learning_rate_init)
    n_iter = m.n_iter_
    m.partial_fit(X, y)
    assert m.n_iter_ == n_iter + 1
    assert_allclose(_params(m), expected, rtol=1e-12, atol=1e-15)


# --------------------------------------------------- 4: a kept optimizer


def test_a_continued_run_follows_a_changed_solver(data):
    X, y = data
    kept = _fitted(data, warm_start="continue")
    fresh = _fitted(data, warm_start=True)
    stay = _fitted(data, warm_start="continue")
    # An Adam run cannot continue as SGD: it says so, and starts a new run from
    # the weights, as warm_start=True does.
    with pytest.warns(ContinuationWarning, match="the solver changed"):
        kept.set_params(solver="sgd").fit(X, y)
    fresh.set_params(solver="sgd").fit(X, y)
    stay.fit(X, y)
    assert type(kept._optimizer).__name__ == "SGD"
    for W, W_fresh, W_stay in zip(kept.coefs_, fresh.coefs_, stay.coefs_, strict=True):
        assert_array_equal(W, W_fresh)
        assert not np.array_equal(W, W_stay)


def test_partial_fit_follows_a_changed_solver(data):
    X, y = data
    m = M(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    m.set_params(solver="sgd").partial_fit(X, y)
    assert type(m._optimizer).__name__ == "SGD"
    assert m._optimizer.velocity.any()


def test_a_changed_learning_rate_applies_to_a_kept_adam(data):
    """One full-batch Adam step, in closed form, from the kept moments."""
    X, y = data
    m = M((6,), batch_size=len(y), shuffle=False, random_state=0)
    m.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
    t = m._optimizer.t + 1
    expected = _adam_step(m, X, y, lr=0.05)
    m.set_params(learning_rate_init=0.05).partial_fit(X, y)
    assert m._optimizer.t == t
    assert m._optimizer.learning_rate == 0.05
    assert_allclose(_params(m), expected, rtol=1e-12, atol=1e-15)


# ------------------------------------------------- 5: first-epoch divergence


def test_a_first_epoch_divergence_is_refused_and_changes_nothing(data):
    """No epoch completed: there is no model, and the fit says why."""
    X, y = data
    m = M(solver="sgd", learning_rate_init=1e30, random_state=0)
    with pytest.raises(ValueError, match=r"diverged in its first epoch.*unchanged"):
        m.fit(X, y)
    assert not hasattr(m, "coefs_")
    fitted = _fitted(data, solver="sgd", warm_start=True)
    state = _state(fitted)
    with pytest.raises(ValueError, match="diverged in its first epoch"):
        fitted.set_params(learning_rate_init=1e30).fit(X, y)
    _assert_same_state(fitted, state, X)


# ------------------------------------------- 6: class weights in partial_fit


def test_class_weight_dict_in_partial_fit_on_a_batch_missing_a_class(data):
    X, y = data
    weights = {0: 5.0, 2: 1.0}
    batch = y != 2
    m = M((5,), class_weight=weights, random_state=0)
    oracle = M((5,), random_state=0)
    m.partial_fit(X[batch], y[batch], classes=[0, 1, 2])
    oracle.partial_fit(
        X[batch],
        y[batch],
        classes=[0, 1, 2],
        sample_weight=np.array([weights.get(c, 1.0) for c in y[batch]]),
    )
    for W, W_oracle in zip(m.coefs_, oracle.coefs_, strict=True):
        assert_array_equal(W, W_oracle)


def test_class_weight_with_an_unknown_label_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match=r"class_weight has labels \[5\]"):
        M(class_weight={5: 2.0}).partial_fit(X, y, classes=[0, 1, 2])


# --------------------------------------------------------------- 7: threads


def test_two_threads_fitting_one_instance_leave_one_fit(data):
    X, y = data
    X6 = np.hstack([X, X[:, :2] ** 2])
    m = M((16,), max_iter=20, random_state=0)
    oracles = {4: clone(m).fit(X, y), 6: clone(m).fit(X6, y)}
    for _ in range(5):
        barrier = threading.Barrier(2)

        def fit(features, barrier=barrier):
            barrier.wait()
            m.fit(features, y)

        threads = [threading.Thread(target=fit, args=(A,)) for A in (X, X6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        oracle = oracles[m.n_features_in_]
        assert m.coefs_[0].shape == (m.n_features_in_, 16)
        for W, W_oracle in zip(m.coefs_, oracle.coefs_, strict=True):
            assert_array_equal(W, W_oracle)
        assert m.loss_curve_ == oracle.loss_curve_


# -------------------------------------------------------- KeyboardInterrupt


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_keyboard_interrupt_keeps_what_was_learned_and_says_so(data, solver):
    X, y = data

    def interrupt(estimator, info):
        if info["epoch"] == 3:
            raise KeyboardInterrupt

    m = M((5,), solver=solver, max_iter=50, random_state=0, callbacks=[interrupt])
    with pytest.warns(UserWarning, match="interrupted by user"):
        m.fit(X, y)
    oracle = M((5,), solver=solver, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        oracle.fit(X, y)
    # Interrupted after epoch 3's callback: the model of a 3-epoch fit.
    assert m.loss_curve_ == oracle.loss_curve_
    for W, W_oracle in zip(m.coefs_, oracle.coefs_, strict=True):
        assert_allclose(W, W_oracle, rtol=0, atol=1e-15)


def test_keyboard_interrupt_before_any_epoch_ends_changes_nothing(data, monkeypatch):
    """Nothing was learned: the interruption reaches the caller, and the model
    is the one before the call (not a half-trained first epoch)."""
    X, y = data
    m = _fitted(data, warm_start=True)
    state = _state(m)
    step = Trainer.step
    calls = []

    def interrupted_step(self, *args):
        calls.append(1)
        if len(calls) == 1:  # in the first epoch's first step
            raise KeyboardInterrupt
        return step(self, *args)

    monkeypatch.setattr(Trainer, "step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        m.fit(X, y)
    _assert_same_state(m, state, X)


# ----------------------------------------------- 8: callbacks that misbehave


def test_non_finite_weights_are_never_committed(data):
    """A callback that writes NaN into the weights at the last epoch."""
    X, y = data
    m = _fitted(data, warm_start=True)
    state = _state(m)

    def poison(estimator, info):
        if info["epoch"] == 5:
            estimator.coefs_[0][0, 0] = np.nan

    with pytest.raises(ValueError, match=r"weights are not finite.*unchanged"):
        m.set_params(max_iter=5, callbacks=[poison]).fit(X, y)
    _assert_same_state(m, state, X)


@pytest.mark.parametrize("target", ["received", "original"])
def test_a_callback_that_fits_the_estimator_is_refused(data, target):
    """It mixed two fits in one commit (n_iter_=10, a loss curve of 2)."""
    X, y = data
    m = _fitted(data)
    state = _state(m)

    def refit(estimator, info):
        (estimator if target == "received" else m).fit(X, y)

    m.set_params(callbacks=[refit])
    with pytest.raises(RuntimeError, match="a callback cannot fit the estimator"):
        m.fit(X, y)
    _assert_same_state(m, state, X)
    # A copy, as the message says, is fine.
    fitted_copies = []

    def fit_a_copy(estimator, info):
        fitted_copies.append(clone(estimator).set_params(callbacks=None).fit(X, y))

    m.set_params(callbacks=[fit_a_copy], max_iter=2).fit(X, y)
    assert len(fitted_copies) == 2
    assert m.n_iter_ == 2


def test_predict_during_a_refit_sees_one_model_or_the_other(data):
    """The commit swaps the fitted state in one step: a reader never finds it
    missing ("AttributeError: coefs_") or half replaced."""
    X, y = data
    m = _fitted(data, warm_start=True)
    models = [m.predict_proba(X)]
    stop, errors, seen = threading.Event(), [], []

    def read():
        while not stop.is_set():
            try:
                seen.append(m.predict_proba(X))
            except Exception as error:
                errors.append(error)

    reader = threading.Thread(target=read)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: find any window
    reader.start()
    try:
        m.set_params(max_iter=1)
        for _ in range(200):
            m.fit(X, y)
            models.append(m.predict_proba(X))
    finally:
        stop.set()
        reader.join()
        sys.setswitchinterval(interval)
    assert errors == []
    assert seen, "precondition: the reader ran"
    # Every probability the reader saw is one of a committed model's.
    for proba in seen:
        assert any(np.array_equal(proba, model) for model in models)


def test_a_commit_replaces_the_fitted_state_instead_of_changing_it(data):
    """The mechanism behind the test above, checked deterministically: the
    state a reader took before a commit still holds the whole old model."""
    X, y = data
    m = _fitted(data, warm_start=True)
    before = m.__dict__
    old = _state(m)
    m.set_params(max_iter=2).fit(X, y)
    assert m.__dict__ is not before
    assert before["n_iter_"] == old["n_iter_"] != m.n_iter_
    for W, W_old in zip(before["coefs_"], old["coefs_"], strict=True):
        assert_array_equal(W, W_old)
