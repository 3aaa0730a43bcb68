"""The training core on its own, without an estimator: the optimizers, the
plateau monitor, the divergence rule and the trainer, each with an oracle
(scikit-learn's own optimizers, hand-made sequences, closed forms, a second
run of the same loop)."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from backprop_mlp._activations import ACTIVATIONS
from backprop_mlp._batches import BatchLoader
from backprop_mlp._losses import SOFTMAX_OUTPUT
from backprop_mlp._network import Network
from backprop_mlp._optimizers import SGD, Adam
from backprop_mlp._records import EpochRecord, History, RunState
from backprop_mlp._schedules import SCHEDULES
from backprop_mlp._stopping import PlateauMonitor
from backprop_mlp._training import Listener, Trainer, has_diverged

# ------------------------------------------------------------ optimizers


def _sklearn_steps(optimizer, params, grads):
    for grad in grads:
        optimizer.update_params(params, [grad])
    return params[0]


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_equals_scikit_learns(momentum, nesterov):
    rng = np.random.default_rng(0)
    start, grads = rng.normal(size=50), rng.normal(size=(6, 50))
    theirs = _sklearn_steps(
        SGDOptimizer([start.copy()], 0.1, momentum=momentum, nesterov=nesterov),
        [start.copy()],
        grads,
    )
    ours = start.copy()
    sgd = SGD(50, np.float64, 0.1, momentum, nesterov)
    for grad in grads:
        sgd.step(ours, grad)
    assert_array_equal(ours, theirs)


def test_adam_equals_scikit_learns():
    rng = np.random.default_rng(1)
    start, grads = rng.normal(size=70_000), rng.normal(size=(5, 70_000))
    params = [start.copy()]
    theirs = _sklearn_steps(AdamOptimizer(params, 0.01), params, grads)
    ours = start.copy()
    adam = Adam(70_000, np.float64, 0.01)  # more than one slice of _SLICE
    for grad in grads:
        adam.step(ours, grad)
    assert_array_equal(ours, theirs)


def test_continue_from_takes_the_progress_and_keeps_a_changed_rate():
    rng = np.random.default_rng(2)
    params, grad = rng.normal(size=20), rng.normal(size=20)
    old = Adam(20, np.float64, 0.01)
    old.step(params, grad)
    old.learning_rate = 0.002  # as a schedule would leave it
    same = Adam(20, np.float64, 0.01, beta_1=0.5)
    same.continue_from(old)
    changed = Adam(20, np.float64, 0.1)
    changed.continue_from(old)
    assert same.t == changed.t == 1
    assert_array_equal(same.m, old.m)
    assert same.learning_rate == 0.002 and same.beta_1 == 0.5
    assert changed.learning_rate == 0.1


# -------------------------------------------------------- plateau monitor


def test_monitor_counts_epochs_without_an_improvement_beyond_tol():
    monitor = PlateauMonitor("training loss", tol=0.1, patience=2, keep_best=False)
    losses = [1.0, 0.95, 0.5, 0.45, 0.44, 0.6, 0.41]
    # Improves by more than tol only at 1.0 (from inf) and at 0.5.
    plateaus = [monitor.update(loss, np.zeros(1)) for loss in losses]
    assert plateaus == [False, False, False, False, False, True, True]
    assert monitor.count == 4
    assert monitor.best == 0.41


def test_monitor_keeps_the_parameters_of_the_best_score():
    monitor = PlateauMonitor("validation score", tol=0.0, patience=9, keep_best=True)
    for score, value in [(0.5, 1.0), (0.8, 2.0), (0.7, 3.0), (0.8, 4.0)]:
        monitor.update(score, np.full(3, value))
    assert monitor.best == 0.8
    assert_array_equal(monitor.best_params, np.full(3, 2.0))  # the first 0.8
    # As in scikit-learn, equalling the best with tol=0 is no plateau step.
    assert monitor.count == 0


def test_monitor_continues_only_the_same_quantity():
    monitor = PlateauMonitor("validation loss", tol=0.0, patience=3, keep_best=True)
    monitor.update(0.3, np.ones(2))
    same = monitor.continued("validation loss", 0.1, 5, True)
    other = monitor.continued("training loss", 0.1, 5, False)
    assert same.best == 0.3 and same.tol == 0.1 and same.patience == 5
    assert other.best == np.inf and other.count == 0
    # The continued monitor's progress never reaches the one it came from.
    same.update(0.1, np.zeros(2))
    assert same.best == 0.1 and monitor.best == 0.3
    assert_array_equal(monitor.best_params, np.ones(2))


# ---------------------------------------------------------- divergence


def test_divergence_rule():
    params = np.ones(4)
    assert not has_diverged(1.0, 0.5, params)
    assert has_diverged(np.nan, 0.5, params)
    assert has_diverged(2e4, 1.0, params)  # 1e4 times the lowest
    assert has_diverged(1.0, 0.5, np.array([1.0, 2e12]))
    assert has_diverged(1.0, 0.5, np.array([1.0, np.nan]))
    # An overflow inside the optimizer (Adam's g**2) while params stay finite.
    assert has_diverged(1.0, 0.5, params, [np.zeros(4), np.array([0, np.inf])])


# ------------------------------------------------------------- trainer


def _problem(seed=0, n=60):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    labels = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    Y = np.eye(3, dtype=bool)[labels]
    net = Network([3, 5, 3], [ACTIVATIONS["tanh"]], SOFTMAX_OUTPUT)
    net.params[...] = rng.uniform(-0.5, 0.5, net.params.size)
    return X, Y, net


class _Recorder(Listener):
    def __init__(self, net, stop_at=None):
        self.net, self.stop_at = net, stop_at
        self.records, self.params = [], []

    def epoch_ended(self, record):
        self.records.append(record)
        self.params.append(self.net.params.copy())
        return record.epoch == self.stop_at


def _run(net, X, Y, lr=0.1, max_iter=20, monitor=None, listeners=(), **kw):
    trainer = Trainer(
        max_epochs=max_iter, alpha=1e-4, shuffle=True, listeners=listeners
    )
    monitor = monitor or PlateauMonitor("training loss", 1e-4, 10, False)
    history = History().continued(validating=kw.get("validation") is not None)
    run = RunState(np.random.RandomState(0), None, np.arange(len(X)), None)
    result = trainer.run(
        net,
        SGD(net.params.size, net.dtype, lr, 0.9, True),
        SCHEDULES["constant"](lr),
        BatchLoader(X, Y, None, None, 16),
        monitor,
        history,
        run,
        **kw,
    )
    return result, history


def test_trainer_records_one_epoch_per_loss_and_stops_on_request():
    X, Y, net = _problem()
    recorder = _Recorder(net, stop_at=4)
    result, history = _run(net, X, Y, listeners=[recorder])
    assert result.n_iter == 4 and result.stopped_by_callback
    assert [r.epoch for r in recorder.records] == [1, 2, 3, 4]
    assert [r.loss for r in recorder.records] == history.loss_curve
    assert history.t == 4 * len(X)
    assert_array_equal(net.params, recorder.params[-1])


def test_trainer_keeps_the_weights_before_a_diverging_epoch():
    X, Y, net = _problem()
    start = net.params.copy()
    recorder = _Recorder(net)
    result, history = _run(net, X * 1e6, Y, lr=1e6, listeners=[recorder])
    assert result.diverged
    # The oracle: the same run stopped after its last good epoch.
    kept = recorder.params[-1] if recorder.params else start
    assert_array_equal(net.params, kept)
    assert len(history.loss_curve) == result.n_iter


def test_trainer_restores_the_best_validation_epoch():
    X, Y, net = _problem()
    X_val, Y_val, _ = _problem(seed=1, n=30)
    scores = iter([0.5, 0.9, 0.7, 0.6, 0.85, 0.8] + [0.1] * 20)

    def validation(net):
        return next(scores), float(net.predict(X_val)[Y_val].sum())

    recorder = _Recorder(net)
    monitor = PlateauMonitor("validation score", 0.0, 3, keep_best=True)
    result, history = _run(
        net, X, Y, monitor=monitor, listeners=[recorder], validation=validation
    )
    # Four epochs in a row without beating 0.9: more than patience=3.
    assert history.validation_scores == [0.5, 0.9, 0.7, 0.6, 0.85, 0.8]
    assert result.n_iter == 6 and not result.reached_max_iter
    assert recorder.records[-1].plateau.startswith("Validation score did not")
    assert_array_equal(net.params, recorder.params[1])  # epoch 2, the best


def test_epoch_record_as_info():
    record = EpochRecord(3, 0.5, 0.75, 0.6, 0.01)
    assert record.as_info() == {
        "epoch": 3,
        "loss": 0.5,
        "validation_score": 0.75,
        "validation_loss": 0.6,
        "learning_rate": 0.01,
    }
