"""The continuation contract: a continued fit is the same training run.

``fit(max_iter=a)`` continued by ``fit(max_iter=b)`` with
``warm_start="continue"`` must equal ``fit(max_iter=a + b)`` bit for bit, and
``k`` one-epoch continuations one fit of ``k`` epochs. The oracle is always the
single, longer fit; the comparison is exact (``assert_array_equal``), and
covers the run's own state too (the optimizer's moments and step count, the
random streams, the row order, the plateau monitor), so that a stream or a
counter that restarts fails here even where the weights happen to agree.
Every test runs on numpy's kernels and on the compiled ones.
"""

import copy
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from backprop_mlp import (
    BackpropMLPClassifier,
    BackpropMLPRegressor,
    BlockSource,
    ContinuationWarning,
    fit_blocks,
)

pytestmark = [
    pytest.mark.usefixtures("kernel_path"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(
        160, 6, n_informative=4, n_classes=3, random_state=0, class_sep=0.8
    )
    return X, y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(160, 6, n_informative=4, noise=5.0, random_state=0)
    return X, (y - y.mean()) / y.std()


BASE = dict(hidden_layer_sizes=(7,), batch_size=32, tol=0.0, random_state=0)

CASES = {
    "adam": dict(),
    "sgd-nesterov": dict(solver="sgd", learning_rate_init=0.05),
    "sgd-momentum": dict(
        solver="sgd", learning_rate_init=0.05, nesterovs_momentum=False
    ),
    "sgd-plain": dict(solver="sgd", learning_rate_init=0.05, momentum=0.0),
    "invscaling": dict(solver="sgd", learning_rate="invscaling", power_t=0.25),
    "adaptive": dict(
        solver="sgd", learning_rate="adaptive", tol=1e-3, n_iter_no_change=1
    ),
    "cosine-horizon": dict(learning_rate="cosine", schedule_horizon=12),
    "dropout": dict(dropout=0.3, hidden_layer_sizes=(7, 5)),
    "early-stopping-score": dict(early_stopping=True, n_iter_no_change=50),
    "early-stopping-loss": dict(
        early_stopping=True, early_stopping_metric="loss", n_iter_no_change=50
    ),
    "no-shuffle": dict(shuffle=False),
}


def _run_state(estimator):
    """Everything a run carries, as comparable arrays and numbers."""
    run, optimizer, monitor = estimator._run, estimator._optimizer, estimator._monitor
    state = {
        "shuffle_rng": run.shuffle_rng.get_state()[1:3],
        "order": run.order,
        "epochs": run.epochs,
        "lowest_loss": run.lowest_loss,
        "optimizer": [*optimizer.state(), getattr(optimizer, "t", -1)],
        "learning_rate": optimizer.learning_rate,
        "monitor": (monitor.best, monitor.count),
        "best_params": monitor.best_params,
        "position": run.position,
    }
    if run.dropout_rng is not None:
        state["dropout_rng"] = run.dropout_rng.bit_generator.state["state"]["state"]
    if run.split is not None:
        state["split"] = run.split
    return state


def assert_same_run(expected, actual):
    """Two estimators are the same model at the same point of the same run."""
    for name in ("coefs_", "intercepts_"):
        for u, v in zip(getattr(expected, name), getattr(actual, name), strict=True):
            assert_array_equal(v, u, err_msg=name)
    for name in (
        "loss_curve_",
        "validation_scores_",
        "validation_loss_curve_",
        "n_iter_",
        "t_",
        "loss_",
        "best_loss_",
        "best_validation_score_",
    ):
        assert_array_equal(getattr(actual, name), getattr(expected, name), name)
    mine, theirs = _run_state(actual), _run_state(expected)
    assert sorted(mine) == sorted(theirs)
    for name in mine:
        if isinstance(mine[name], list | tuple):
            for u, v in zip(mine[name], theirs[name], strict=True):
                assert_array_equal(u, v, err_msg=name)
        else:
            assert_array_equal(mine[name], theirs[name], err_msg=name)


def _continued(make, X, y, epochs, fit=None, **fit_params):
    """A first fit of ``epochs[0]`` epochs, continued by one of each next count."""
    fit = fit or (lambda estimator: estimator.fit(X, y, **fit_params))
    estimator = fit(make(max_iter=epochs[0]))
    for n in epochs[1:]:
        estimator.set_params(warm_start="continue", max_iter=n)
        fit(estimator)
    return estimator


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_continued_fit_is_the_longer_fit(classification, case, dtype):
    X, y = classification
    X = X.astype(dtype)

    def make(**params):
        return BackpropMLPClassifier(**{**BASE, **CASES[case], **params})

    once = make(max_iter=12).fit(X, y)
    assert once.n_iter_ == 12, "precondition: nothing stopped the run early"
    assert_same_run(once, _continued(make, X, y, [5, 7]))
    assert_same_run(once, _continued(make, X, y, [1] * 12))


@pytest.mark.parametrize(
    "case", ["adam", "sgd-nesterov", "dropout", "early-stopping-score"]
)
def test_a_continued_regressor_is_the_longer_fit(regression, case):
    X, y = regression

    def make(**params):
        return BackpropMLPRegressor(**{**BASE, **CASES[case], **params})

    once = make(max_iter=12).fit(X, y)
    assert_same_run(once, _continued(make, X, y, [4, 8]))
    assert_same_run(once, _continued(make, X, y, [3, 3, 3, 3]))


def test_weights_and_an_external_validation_set(classification):
    X, y = classification
    X_val, y_val = X[120:], y[120:]
    X, y = X[:120], y[:120]
    weights = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    params = dict(
        class_weight={0: 2.0, 1: 0.5},
        early_stopping=True,
        early_stopping_metric="loss",
        n_iter_no_change=50,
        dropout=0.2,
    )

    def make(**more):
        return BackpropMLPClassifier(**{**BASE, **params, **more})

    fit_params = dict(sample_weight=weights, X_val=X_val, y_val=y_val)
    once = make(max_iter=10).fit(X, y, **fit_params)
    assert_same_run(once, _continued(make, X, y, [6, 4], **fit_params))


def test_fit_blocks_continues_exactly(classification):
    X, y = classification
    source = BlockSource.from_arrays(X, y, block_size=64)
    params = dict(BASE, dropout=0.2)

    def fit(estimator):
        return fit_blocks(estimator, source, classes=[0, 1, 2])

    once = fit(BackpropMLPClassifier(max_iter=9, **params))

    def make(**more):
        return BackpropMLPClassifier(**{**params, **more})

    continued = _continued(make, X, y, [4, 5], fit=fit)
    for u, v in zip(once.coefs_, continued.coefs_, strict=True):
        assert_array_equal(v, u)
    assert_array_equal(continued.loss_curve_, once.loss_curve_)
    assert continued.n_iter_ == once.n_iter_ == 9
    assert continued.t_ == once.t_


def test_a_run_stopped_by_its_rule_stops_at_the_same_epoch(classification):
    """The plateau count goes on across fits, and an ended run trains no more."""
    X, y = classification
    params = dict(BASE, tol=1e-2, n_iter_no_change=2, learning_rate_init=0.01)

    def make(**more):
        return BackpropMLPClassifier(**{**params, **more})

    once = make(max_iter=100).fit(X, y)
    assert 4 < once.n_iter_ < 100, "precondition: the rule stopped the run"
    stop = once.n_iter_
    # Continued before the stop, with budget to spare: stops at the same epoch.
    continued = _continued(make, X, y, [stop - 2, 100])
    assert_same_run(once, continued)
    # Continuing the ended run trains nothing, and says why.
    before = copy.deepcopy(continued.__dict__)
    with pytest.warns(ContinuationWarning, match=f"stopped at epoch {stop}"):
        continued.fit(X, y)
    assert_same_run(once, continued)
    assert continued.__dict__.keys() == before.keys()
    # A patience raised by the user lets the run go on from there.
    continued.set_params(n_iter_no_change=50, max_iter=3).fit(X, y)
    assert continued.n_iter_ == stop + 3


def test_cosine_without_horizon_restarts_its_decay_in_each_fit(classification):
    """horizon None: each fit decays over its own max_iter (a warm restart)."""
    X, y = classification
    rates = []

    def record(estimator, info):
        rates.append(info["learning_rate"])

    clf = BackpropMLPClassifier(
        **BASE, learning_rate="cosine", max_iter=4, callbacks=[record]
    )
    clf.fit(X, y).set_params(warm_start="continue", max_iter=2).fit(X, y)
    lr = clf.learning_rate_init
    # The rate after each epoch: 4 epochs of a 4-epoch decay, then 2 of a 2-epoch.
    expected = [lr * 0.5 * (1 + np.cos(np.pi * e / 4)) for e in range(1, 5)]
    expected += [lr * 0.5 * (1 + np.cos(np.pi * e / 2)) for e in (1, 2)]
    np.testing.assert_allclose(rates, expected, rtol=1e-15, atol=1e-18)
    # The other parts of the run go on: the optimizer's step count, say.
    assert clf._optimizer.t == 6 * -(-len(y) // BASE["batch_size"])


def test_cosine_with_a_horizon_is_one_schedule_over_the_run(classification):
    X, y = classification
    rates = []
    clf = BackpropMLPClassifier(
        **BASE,
        learning_rate="cosine",
        schedule_horizon=6,
        max_iter=4,
        callbacks=[lambda est, info: rates.append(info["learning_rate"])],
    )
    clf.fit(X, y).set_params(warm_start="continue", max_iter=4).fit(X, y)
    lr = clf.learning_rate_init
    expected = [lr * 0.5 * (1 + np.cos(np.pi * min(e / 6, 1))) for e in range(1, 9)]
    np.testing.assert_allclose(rates, expected, rtol=1e-15, atol=1e-18)


def test_a_failed_continuation_leaves_the_run_as_it_was(classification):
    """A callback that raises mid-fit: the next continuation is still exact."""
    X, y = classification

    def make(**params):
        return BackpropMLPClassifier(**{**BASE, "dropout": 0.2, **params})

    once = make(max_iter=10).fit(X, y)
    clf = make(max_iter=4).fit(X, y)

    def boom(estimator, info):
        if info["epoch"] == 2:
            raise RuntimeError("boom")

    clf.set_params(warm_start="continue", callbacks=[boom])
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(X, y)
    clf.set_params(callbacks=None, max_iter=6).fit(X, y)
    assert_same_run(once, clf)


# ------------------------------------------------ what cannot continue


def _fitted(X, y, **params):
    return BackpropMLPClassifier(**{**BASE, "max_iter": 3, **params}).fit(X, y)


@pytest.mark.parametrize(
    "change, reason",
    [
        (dict(solver="sgd"), "the solver changed"),
        (dict(shuffle=False), "the shuffle changed"),
        (dict(early_stopping=True), "the number of training rows and the validation"),
    ],
)
def test_a_changed_run_starts_a_new_one_from_the_weights(
    classification, change, reason
):
    """Oracle: warm_start=True, the documented fallback, from the same model."""
    X, y = classification
    continued = _fitted(X, y, warm_start="continue")
    fallback = _fitted(X, y, warm_start=True)
    with pytest.warns(ContinuationWarning, match=reason):
        continued.set_params(**change).fit(X, y)
    fallback.set_params(**change).fit(X, y)
    assert_same_run(fallback, continued)


def test_other_rows_start_a_new_run(classification):
    X, y = classification
    clf = _fitted(X, y, warm_start="continue")
    with pytest.warns(ContinuationWarning, match="number of training rows changed"):
        clf.fit(X[:100], y[:100])
    assert clf.n_iter_ == 6 and len(clf._run.order) == 100


def test_lbfgs_says_it_cannot_continue(classification):
    X, y = classification
    clf = _fitted(X, y, solver="lbfgs", warm_start="continue")
    fallback = _fitted(X, y, solver="lbfgs", warm_start=True)
    with pytest.warns(ContinuationWarning, match="L-BFGS keeps no state"):
        clf.fit(X, y)
    fallback.fit(X, y)
    for u, v in zip(fallback.coefs_, clf.coefs_, strict=True):
        assert_array_equal(v, u)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(hidden_layer_sizes=(4,)), "hidden_layer_sizes or the number of features"),
        ("float32", "X has dtype float32, but the model was fitted in float64"),
    ],
)
def test_what_cannot_continue_at_all_is_refused(classification, change, message):
    X, y = classification
    clf = _fitted(X, y, warm_start="continue")
    before = {k: copy.deepcopy(v) for k, v in vars(clf).items() if k.endswith("_")}
    if change == "float32":
        X = X.astype(np.float32)
    else:
        clf.set_params(**change)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
    for name, value in before.items():
        if name not in ("coefs_", "intercepts_"):
            assert_array_equal(getattr(clf, name), value)


def test_keep_optimizer_state_is_deprecated_for_continue(classification):
    X, y = classification
    once = _fitted(X, y, max_iter=6)
    old = _fitted(X, y)
    old.set_params(warm_start=True, keep_optimizer_state=True)
    with pytest.warns(FutureWarning, match="warm_start='continue'"):
        old.fit(X, y)
    assert_same_run(once, old)


def test_n_iter_counts_every_epoch_of_the_weights(classification):
    """Also for warm_start=True and partial_fit, unlike scikit-learn's."""
    X, y = classification
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = _fitted(X, y, warm_start=True, early_stopping=True)
        clf.set_params(early_stopping=False).fit(X, y)
        clf.partial_fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 7
    # The epochs that did not validate have NaN in the validation curves.
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == 7
    assert np.isnan(clf.validation_scores_[3:]).all()
    assert not np.isnan(clf.validation_scores_[:3]).any()
