"""Nothing silently wrong: saturated probabilities, exploding runs, the scale
of sample weights, messages that name the cause, warnings at the user's
line, the validation-set trap of Pipelines, and the process's BLAS threads.

Several of these are cases where scikit-learn's MLPClassifier itself is wrong
(exact 0/1 probabilities, -inf log-probabilities, silent divergence): the
oracles are closed forms and sklearn's own estimator checks.
"""

import threading
import time
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.datasets import load_digits, load_wine, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_classifiers_multilabel_output_format_predict_proba,
)
from threadpoolctl import ThreadpoolController, threadpool_limits

from backprop_mlp import BackpropMLPClassifier, TrainingDivergedWarning

M = BackpropMLPClassifier
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    return make_blobs(90, 4, centers=3, random_state=0)


# ---------------------------------------------- 1. saturated probabilities


@pytest.fixture(scope="module")
def saturated(data):
    X, y = data
    X50 = X * 50
    return M(solver="lbfgs", max_iter=500, random_state=0).fit(X50, y > 0), X50


def test_logistic_probabilities_stay_strictly_inside_0_1(saturated):
    clf, X = saturated
    proba = clf.predict_proba(X)
    eps = np.finfo(proba.dtype).eps
    assert proba.min() == eps and proba.max() == 1 - eps  # it does saturate
    z = clf._forward(X, pre_activation=True).ravel()
    assert_allclose(proba[:, 1], np.clip(expit(z), eps, 1 - eps), rtol=1e-15)


def test_log_proba_is_finite_and_computed_in_log_space(saturated):
    clf, X = saturated
    log_proba = clf.predict_log_proba(X)
    assert np.isfinite(log_proba).all()
    z = clf._forward(X, pre_activation=True).ravel()
    eps = np.finfo(np.float64).eps
    # Closed form: log sigmoid(z) = -log(1 + exp(-z)), clipped like proba.
    expected = np.clip(-np.logaddexp(0, -z), np.log(eps), np.log1p(-eps))
    assert_allclose(log_proba[:, 1], expected, rtol=1e-15)


def test_log_softmax_is_finite_where_softmax_underflows(data):
    X, y = data
    X = X * 2000
    clf = M(solver="lbfgs", max_iter=500, random_state=0).fit(X, y)
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    # Softmax underflows to 0 here; it is clipped to eps, as logistic is.
    eps = np.finfo(proba.dtype).eps
    assert (proba == eps).any()
    assert np.isfinite(log_proba).all()
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=proba.shape[1] * eps)
    assert_allclose(log_proba, np.log(proba), rtol=1e-12, atol=4 * eps)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_multilabel_probabilities_pass_sklearns_check(solver):
    # The check fails on an exact 0 or 1; a long lbfgs fit saturates.
    clf = M((5,), solver=solver, max_iter=2000, learning_rate_init=0.1, random_state=0)
    check_classifiers_multilabel_output_format_predict_proba(type(clf).__name__, clf)


# ------------------------------------------------------ 2. exploding runs


@pytest.mark.parametrize("seed", range(4))
def test_exploding_runs_say_why(data, seed):
    X, y = data
    params = {"learning_rate_init": 1e4, "hidden_layer_sizes": (8,)}
    with pytest.warns(TrainingDivergedWarning, match="learning") as record:
        clf = M(max_iter=40, random_state=seed, **params).fit(X, y)
    assert record[0].filename == __file__
    assert np.isfinite(clf.loss_)
    assert all(np.isfinite(W).all() for W in clf.coefs_)
    assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize("seed", range(4))
def test_a_run_that_explodes_at_once_is_refused_and_says_why(data, seed):
    """Features of 1e300 overflow the first epoch: there is no model to keep."""
    X, y = data
    clf = M(max_iter=40, random_state=seed)
    with pytest.raises(
        ValueError, match=r"not scaled \(the largest \|X\| is [\d.]+e\+30\d\)"
    ):
        clf.fit(X * 1e300, y)
    assert not hasattr(clf, "coefs_")


# ------------------------------------------------ 3. sample-weight scale


@pytest.mark.parametrize("c", [1e-300, 1e-20, 1e20, 1e300])
def test_scaled_sample_weights_give_the_same_model(data, c):
    """Without a penalty, J = sum(s l) / sum(s) does not depend on the scale."""
    X, y = data
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.5, 2, len(y))
    params = dict(alpha=0.0, max_iter=20, random_state=0)
    reference = M(**params).fit(X, y, sample_weight=weights)
    scaled = M(**params).fit(X, y, sample_weight=weights * c)
    assert_allclose(scaled.loss_curve_, reference.loss_curve_, rtol=1e-10)
    for W, W_ref in zip(scaled.coefs_, reference.coefs_, strict=True):
        assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)


def test_huge_uniform_weights_with_alpha_keep_sklearns_objective(data):
    """With alpha, scikit-learn divides the penalty by sum(s): weights 2**1020
    each are alpha / 2**1020 on unit weights, exactly (a power of two)."""
    X, y = data
    huge = M(max_iter=20, random_state=0).fit(
        X, y, sample_weight=np.full(90, 2.0**1020)
    )
    unit = M(alpha=1e-4 / 2.0**1020, max_iter=20, random_state=0)
    unit.fit(X, y, sample_weight=np.ones(90))
    assert huge.n_iter_ == 20 and huge.score(X, y) > 0.9
    assert_array_equal(huge.loss_curve_, unit.loss_curve_)


# ------------------------------------------------------------- messages


def test_too_small_validation_split_names_validation_fraction(data):
    X, y = data
    with pytest.raises(ValueError, match=r"validation_fraction=0.01 of 20 samples"):
        M(early_stopping=True, validation_fraction=0.01).fit(X[:20], y[:20] > 0)


@pytest.mark.parametrize(
    "labels, kinds",
    [
        ([None, 1, 2], r"\(None, number\).*None is not a label"),
        ([1, "a"], r"\(number, str\)"),
    ],
)
def test_labels_of_mixed_types_are_named(data, labels, kinds):
    X, _ = data
    y = np.array(labels * 45, dtype=object)[:90]
    with pytest.raises(ValueError, match=f"y mixes label types {kinds}"):
        M(max_iter=2).fit(X, y)


def test_convergence_warning_points_at_the_callers_line(data):
    X, y = data
    with pytest.warns(ConvergenceWarning) as record:
        M(max_iter=2).fit(X, y)
    assert record[0].filename == __file__


def test_warning_from_a_pipeline_points_at_the_callers_line(data):
    X, y = data
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", M(max_iter=2))])
    with pytest.warns(ConvergenceWarning) as record:
        pipe.fit(X, y)
    assert record[0].filename == __file__


# ------------------------------------------------ 7. the Pipeline trap


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


@pytest.mark.parametrize("routed", [False, True])
def test_unscaled_validation_set_in_a_pipeline_warns(routing, routed):
    X, y = load_wine(return_X_y=True)
    X, X_val, y, y_val = train_test_split(X, y, random_state=0)
    mlp = M(early_stopping=True, max_iter=5, random_state=0)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("mlp", mlp.set_fit_request(X_val=True, y_val=True)),
        ],
        transform_input=["X_val"] if routed else None,
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
    messages = [str(w.message) for w in record if issubclass(w.category, UserWarning)]
    trap = [m for m in messages if "X_val looks like it is on another scale" in m]
    if routed:
        assert trap == []
    else:
        assert len(trap) == 1 and 'transform_input=["X_val"]' in trap[0]


# --------------------------------------------------------- 8. BLAS threads


def test_lbfgs_leaves_numpys_blas_threads_to_other_threads():
    """Only SciPy's own OpenBLAS is limited during L-BFGS: numpy's keeps the
    user's thread count, as another thread of the process sees it."""
    controller = ThreadpoolController()
    numpy_blas = [
        lib
        for lib in controller.select(user_api="blas").lib_controllers
        if "numpy" in lib.filepath
    ]
    if not numpy_blas:
        pytest.skip("numpy and SciPy share one BLAS here")
    X, y = make_blobs(3000, 20, centers=3, random_state=0)
    seen, done = [], threading.Event()

    def watch():
        while not done.is_set():
            seen.append(numpy_blas[0].num_threads)
            time.sleep(0.0005)

    with threadpool_limits(limits=2, user_api="blas"):
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            M((30,), solver="lbfgs", max_iter=60, random_state=0).fit(X, y)
        finally:
            done.set()
            watcher.join()
        assert len(seen) > 10
        assert set(seen) == {2}
        scipy_blas = [
            lib.num_threads
            for lib in ThreadpoolController().select(user_api="blas").lib_controllers
        ]
        assert scipy_blas == [2] * len(scipy_blas)  # restored after the fit


def test_features_that_overflow_the_forward_pass_are_refused(data):
    """1e308 in a feature overflows a layer (inf - inf is NaN): a clear error
    at predict, never a NaN probability or numpy's overflow warnings."""
    X, y = data
    clf = M((3,), solver="sgd", learning_rate_init=0.5, max_iter=20, random_state=0)
    clf.fit(X, y)
    X_big = X.copy()
    X_big[0] = [1e308, -1e308, 1e308, -1e308]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        for method in (clf.predict, clf.predict_proba, clf.predict_log_proba):
            with pytest.raises(ValueError, match="X holds values so large"):
                method(X_big)
    assert np.isfinite(clf.predict_proba(X)).all()


def test_the_scale_warning_counts_the_features_it_compared():
    """On digits it said "50 of 60 features" without saying why 60 of 64:
    the pixels that never vary in X are not compared (oracle: X.std)."""
    X, y = load_digits(return_X_y=True)
    X_val, y_val = X[-300:] * 100, y[-300:]  # plainly on another scale
    X, y = X[:-300], y[:-300]
    constant = int((X.std(axis=0) == 0).sum())
    assert constant > 0, "precondition: digits has blank pixels"
    with pytest.warns(UserWarning, match="another scale") as record:
        M(max_iter=1, random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    message = next(str(w.message) for w in record if "another scale" in str(w.message))
    assert f"of the {64 - constant} features that vary in X" in message
    assert f"({constant} of the 64 features are constant in X" in message
