"""Bad inputs: each gets a clear error before any training happens.

Also: divergence under a huge learning rate, and training on a single class.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from backprop_mlp import (
    BackpropMLPClassifier,
    BackpropMLPRegressor,
    TrainingDivergedWarning,
)

# A few epochs are enough to see an error; not converging is expected.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*(Maximum iterations|failed to converge):"
    "sklearn.exceptions.ConvergenceWarning"
)


class EpochRecorder:
    """A callback that records the epochs it sees; none means no training."""

    def __init__(self):
        self.epochs = []

    def __call__(self, estimator, info):
        self.epochs.append(info["epoch"])


@pytest.fixture
def data():
    X, y = make_classification(
        n_samples=40, n_features=4, n_informative=3, n_redundant=0, random_state=0
    )
    return X, y


def _clf(**params):
    params = {"hidden_layer_sizes": (3,), "max_iter": 5, "random_state": 0, **params}
    return BackpropMLPClassifier(**params)


def _fails_before_training(clf, error, match, *args, method="fit", **kwargs):
    """``clf.<method>(*args)`` raises ``error`` and no epoch was run."""
    recorder = EpochRecorder()
    clf.set_params(callbacks=[recorder])
    with pytest.raises(error, match=match):
        getattr(clf, method)(*args, **kwargs)
    assert recorder.epochs == []


# ----------------------------------------------------------------- X


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X(data, bad):
    """NaN or infinite features are rejected."""
    X, y = data
    X = X.copy()
    X[3, 1] = bad
    match = "Input X contains (NaN|infinity)"
    _fails_before_training(_clf(), ValueError, match, X, y)


def test_non_finite_X_at_predict(data):
    """NaN features are rejected by predict and predict_proba too."""
    X, y = data
    clf = _clf(solver="lbfgs").fit(X, y)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    for method in (clf.predict, clf.predict_proba):
        with pytest.raises(ValueError, match="Input X contains NaN"):
            method(X_nan)


def test_1d_X(data):
    """A 1-D X asks for a 2-D array."""
    X, y = data
    _fails_before_training(_clf(), ValueError, "Expected 2D array", X[:, 0], y)


def test_3d_X(data):
    """A 3-D X is rejected."""
    X, y = data
    _fails_before_training(_clf(), ValueError, "dim 3", X[:, :, None], y)


def test_feature_count_mismatch_at_predict(data):
    """predict with another number of features than fit names both."""
    X, y = data
    clf = _clf(solver="lbfgs").fit(X, y)
    match = "X has 3 features, but BackpropMLPClassifier is expecting 4 features"
    for method in (clf.predict, clf.predict_proba, clf.predict_log_proba, clf.score):
        with pytest.raises(ValueError, match=match):
            if method == clf.score:
                method(X[:, :3], y)
            else:
                method(X[:, :3])


def test_string_features(data):
    """Non-numeric features are rejected."""
    _, y = data
    X = np.array([["a", "b"]] * len(y), dtype=object)
    _fails_before_training(_clf(), ValueError, "could not convert string", X, y)


def test_empty_X():
    """No samples at all is rejected."""
    X, y = np.empty((0, 3)), np.empty(0)
    _fails_before_training(_clf(), ValueError, "0 sample", X, y)


# ----------------------------------------------------------------- y


def test_continuous_target(data):
    """A regression target is not a classification target."""
    X, _ = data
    y = np.linspace(0, 1, len(X))
    _fails_before_training(_clf(), ValueError, "Unknown label type: continuous", X, y)


def test_target_length_mismatch(data):
    """X and y of different lengths are rejected."""
    X, y = data
    match = "inconsistent numbers of samples"
    _fails_before_training(_clf(), ValueError, match, X, y[:-1])


# ------------------------------------------------------- hyper-parameters


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"solver": "newton"}, InvalidParameterError, "'solver' parameter"),
        ({"learning_rate_init": 0.0}, InvalidParameterError, "'learning_rate_init'"),
        ({"alpha": -1.0}, InvalidParameterError, "'alpha' parameter"),
        ({"momentum": 1.5}, InvalidParameterError, "'momentum' parameter"),
        ({"max_iter": 0}, InvalidParameterError, "'max_iter' parameter"),
        ({"activation": "sigmoid"}, InvalidParameterError, "'activation'"),
        ({"hidden_layer_sizes": 0}, InvalidParameterError, "'hidden_layer_sizes'"),
        (
            {"hidden_layer_sizes": (3, 0)},
            ValueError,
            r"hidden_layer_sizes must hold positive integers, got \[3, 0\]",
        ),
        (
            {"hidden_layer_sizes": (3, -2)},
            ValueError,
            "hidden_layer_sizes must hold positive integers",
        ),
        (
            {"hidden_layer_sizes": (3, 2), "activation": ["relu"]},
            ValueError,
            r"activation lists 1 name\(s\), but the network has 2 hidden layers",
        ),
        (
            {"hidden_layer_sizes": (3, 2), "activation": ["relu", "relu", "tanh"]},
            ValueError,
            r"activation lists 3 name\(s\), but the network has 2 hidden layers",
        ),
        (
            {"hidden_layer_sizes": (3, 2), "activation": ["relu", "sigmoid"]},
            ValueError,
            r"Unknown activation\(s\) \['sigmoid'\]",
        ),
        ({"dropout": 1.0}, InvalidParameterError, "'dropout' parameter"),
        ({"dropout": -0.1}, InvalidParameterError, "'dropout' parameter"),
        (
            {"hidden_layer_sizes": (3, 2), "dropout": [0.1, 1.5]},
            ValueError,
            r"dropout rates must be in \[0, 1\)",
        ),
        (
            {"hidden_layer_sizes": (3, 2), "dropout": [0.1, 0.2, 0.3]},
            ValueError,
            r"dropout must be one rate or one per hidden layer \(2\)",
        ),
        (
            {"class_weight": {5: 1.0}},
            ValueError,
            # Plain labels, not [np.int64(0), ...].
            r"class_weight has labels \[5\] that are not classes; the classes "
            r"are \[0, 1\]",
        ),
    ],
)
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_invalid_hyper_parameters(data, solver, params, error, match):
    """Invalid hyper-parameters set with set_params are rejected by fit."""
    X, y = data
    clf = _clf(solver=solver).set_params(**params)
    _fails_before_training(clf, error, match, X, y)


def test_set_params_with_an_unknown_name_sets_nothing():
    """set_params refuses an unknown name before setting the others (found by
    test_properties: scikit-learn's sets the names before the unknown one)."""
    clf = _clf()
    before = clf.get_params()
    with pytest.raises(ValueError, match=r"Invalid parameter\(s\) \['nope'\]"):
        clf.set_params(alpha=1.0, nope=2, max_iter=7)
    assert clf.get_params() == before


def test_dropout_with_lbfgs(data):
    """L-BFGS has no batches to drop units from: dropout is refused, not ignored."""
    X, y = data
    clf = _clf(solver="lbfgs", dropout=0.2)
    _fails_before_training(clf, ValueError, "dropout needs a stochastic solver", X, y)


def test_non_callable_callback(data):
    """A callback that cannot be called is rejected before the first epoch."""
    X, y = data
    recorder = EpochRecorder()
    clf = _clf(callbacks=[recorder, "not a callback"])
    with pytest.raises((TypeError, ValueError), match=r"callable|callback"):
        clf.fit(X, y)
    assert recorder.epochs == []


# ---------------------------------------------------------- sample_weight


@pytest.mark.parametrize(
    "weights, match",
    [
        ("negative", "Negative values in data passed to `sample_weight`"),
        ("nan", "sample_weight contains NaN"),
        ("zeros", "(at least one non-zero|sum to zero)"),
        ("short", r"sample_weight.shape == \(39,\), expected \(40,\)"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_sample_weight(data, weights, match, method):
    """Negative, NaN, all-zero or wrongly sized sample weights are rejected."""
    X, y = data
    sample_weight = np.ones(len(y))
    if weights == "negative":
        sample_weight[2] = -1.0
    elif weights == "nan":
        sample_weight[2] = np.nan
    elif weights == "zeros":
        sample_weight[:] = 0.0
    else:
        sample_weight = sample_weight[:-1]
    kwargs = {"sample_weight": sample_weight}
    if method == "partial_fit":
        kwargs["classes"] = np.unique(y)
    clf = _clf(solver="sgd")
    _fails_before_training(clf, ValueError, match, X, y, method=method, **kwargs)


def test_zero_class_weight_times_sample_weight(data):
    """Class weights that zero every weighted sample leave nothing to learn."""
    X, y = data
    sample_weight = (y == 0).astype(float)
    clf = _clf(class_weight={0: 0.0, 1: 1.0})
    _fails_before_training(
        clf, ValueError, "sum to zero", X, y, sample_weight=sample_weight
    )


# ------------------------------------------------------------- partial_fit


def test_partial_fit_needs_classes_first(data):
    """The first partial_fit call must be given ``classes``."""
    X, y = data
    clf = _clf(solver="sgd")
    match = "classes must be passed on the first call to partial_fit"
    _fails_before_training(clf, ValueError, match, X, y, method="partial_fit")
    assert not hasattr(clf, "coefs_")


def test_partial_fit_with_early_stopping(data):
    """partial_fit refuses early_stopping=True instead of ignoring it."""
    X, y = data
    clf = _clf(solver="adam", early_stopping=True)
    match = "partial_fit does not support early_stopping=True"
    _fails_before_training(
        clf, ValueError, match, X, y, method="partial_fit", classes=np.unique(y)
    )


def test_partial_fit_with_balanced_class_weight(data):
    """partial_fit refuses class_weight='balanced', which needs all labels."""
    X, y = data
    clf = _clf(solver="sgd", class_weight="balanced")
    match = "class_weight='balanced' .* not supported by partial_fit"
    _fails_before_training(
        clf, ValueError, match, X, y, method="partial_fit", classes=np.unique(y)
    )


def test_partial_fit_unseen_label(data):
    """A later partial_fit call with a label outside ``classes`` is rejected."""
    X, y = data
    clf = _clf(solver="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y, classes=[0, 1])
    coefs = [W.copy() for W in clf.coefs_]
    match = "`y` has classes not in `self.classes_`"
    _fails_before_training(clf, ValueError, match, X, y + 1, method="partial_fit")
    for W, W_before in zip(clf.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(W, W_before)


def test_partial_fit_first_call_label_not_in_classes(data):
    """The first call refuses labels outside ``classes`` too (found by
    test_properties: they were encoded as no class and trained on as class 0).
    """
    X, y = data
    y = np.where(np.arange(len(y)) == 0, 2, y)
    clf = _clf(solver="sgd")
    match = r"`y` has classes not in `self.classes_`. `self.classes_` has \[0 1\]"
    _fails_before_training(
        clf, ValueError, match, X, y, method="partial_fit", classes=[0, 1]
    )
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("classes", [5, "ab", [[0, 1], [1, 0]], []])
@pytest.mark.parametrize("call", ["first", "later"])
def test_partial_fit_classes_not_a_list_of_labels(data, classes, call):
    """``classes`` must be a 1-D list of labels (found by test_properties: a 2-D
    one made a model whose predict raised IndexError)."""
    X, y = data
    clf = _clf(solver="sgd")
    if call == "later":
        clf.partial_fit(X, y, classes=[0, 1])
    match = "classes must be a non-empty 1-D array-like"
    _fails_before_training(
        clf,
        ValueError,
        match,
        X,
        y,
        method="partial_fit",
        classes=classes,
    )


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("first", ["single-label", "multilabel"])
def test_continuing_with_another_kind_of_target(data, method, first):
    """A warm start or partial_fit cannot switch between single-label and
    multilabel targets with the same labels (found by test_properties: the
    label binarizer's unnamed error, "The object was not fitted with multilabel
    input")."""
    X, y = data
    Y = np.column_stack([y, 1 - y])
    targets = {"single-label": y, "multilabel": Y}
    clf = _clf(solver="sgd", warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, targets[first])
    other = "multilabel" if first == "single-label" else "single-label"
    match = f"y is {other}, but the model was fitted on {first} targets"
    _fails_before_training(clf, ValueError, match, X, targets[other], method=method)


def test_partial_fit_feature_count_change(data):
    """A later partial_fit call with another number of features is rejected."""
    X, y = data
    clf = _clf(solver="sgd").partial_fit(X, y, classes=[0, 1])
    match = "X has 3 features, but BackpropMLPClassifier is expecting 4"
    _fails_before_training(clf, ValueError, match, X[:, :3], y, method="partial_fit")


@pytest.mark.parametrize("solver", ["lbfgs"])
def test_partial_fit_unavailable_for_lbfgs(data, solver):
    """lbfgs has no partial_fit: hasattr is False and access raises."""
    X, y = data
    clf = _clf(solver=solver)
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        clf.partial_fit(X, y, classes=[0, 1])
    assert hasattr(clf.set_params(solver="sgd"), "partial_fit")
    assert hasattr(clf.set_params(solver="adam"), "partial_fit")


# ------------------------------------------------------------- warm_start


def test_warm_start_changed_hidden_layer_sizes(data):
    """warm_start cannot continue into a network of another shape."""
    X, y = data
    clf = _clf(solver="lbfgs", warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    coefs = [W.copy() for W in clf.coefs_]
    clf.set_params(hidden_layer_sizes=(4,))
    match = "hidden_layer_sizes or the number of features changed"
    _fails_before_training(clf, ValueError, match, X, y)
    for W, W_before in zip(clf.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(W, W_before)


def test_warm_start_changed_classes(data):
    """warm_start cannot continue with other classes."""
    X, y = data
    clf = _clf(solver="lbfgs", warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    match = "warm_start can only be used where `y` has the same classes"
    _fails_before_training(clf, ValueError, match, X, y + 1)


# ---------------------------------------------------------- validation set


@pytest.mark.parametrize("given", ["X_val", "y_val"])
def test_validation_set_needs_both(data, given):
    """X_val without y_val (or the reverse) is rejected."""
    X, y = data
    kwargs = {"X_val": X} if given == "X_val" else {"y_val": y}
    match = "Pass both X_val and y_val, or neither"
    _fails_before_training(_clf(), ValueError, match, X, y, **kwargs)


def test_validation_labels_unseen(data):
    """y_val with labels that y does not have is rejected."""
    X, y = data
    y_val = y.copy()
    y_val[:2] = 7
    match = r"y_val has labels \[7\] not seen in y"
    _fails_before_training(_clf(), ValueError, match, X, y, X_val=X, y_val=y_val)


def test_validation_features_mismatch(data):
    """X_val with another number of features than X is rejected."""
    X, y = data
    match = "X has 3 features, but BackpropMLPClassifier is expecting 4"
    _fails_before_training(_clf(), ValueError, match, X, y, X_val=X[:, :3], y_val=y)


def test_validation_length_mismatch(data):
    """X_val and y_val of different lengths are rejected."""
    X, y = data
    match = "X_val has 40 samples but y_val has 39"
    _fails_before_training(_clf(), ValueError, match, X, y, X_val=X, y_val=y[:-1])


# ------------------------------------------------------------ not fitted


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_not_fitted(data, method):
    """Predicting before fit raises NotFittedError."""
    X, _ = data
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(_clf(), method)(X)


# ------------------------------------------------------------- divergence


def _assert_diverged_model_is_usable(clf, X):
    assert all(np.isfinite(W).all() for W in clf.coefs_)
    assert all(np.isfinite(b).all() for b in clf.intercepts_)
    assert np.isfinite(clf.loss_)
    assert np.isfinite(clf.loss_curve_).all()
    with warnings.catch_warnings():
        # Huge but finite weights may overflow z; probabilities stay finite.
        warnings.simplefilter("ignore", RuntimeWarning)
        proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


DIVERGED_MESSAGE = (
    r"(?s)Training diverged.*learning rate \(learning_rate_init=1000000\.0\) is "
    r"probably too high.*not scaled"
)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_huge_learning_rate_warns_diverged(activation):
    """A learning rate of 1e6 on unscaled data warns TrainingDivergedWarning.

    With the default ``n_iter_no_change`` too: an exploding loss is
    divergence even when it stays finite until training stops.
    """
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    X = X * 1e6
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(5,),
        activation=activation,
        solver="sgd",
        learning_rate_init=1e6,
        max_iter=50,
        random_state=0,
    )
    with pytest.warns(TrainingDivergedWarning, match=DIVERGED_MESSAGE):
        clf.fit(X, y)
    _assert_diverged_model_is_usable(clf, X)


def test_overflow_keeps_last_finite_weights():
    """When the weights overflow, the last finite ones are kept and reported.

    ``n_iter_no_change`` is large so that training runs until the overflow;
    the kept weights are those after the last epoch in ``loss_curve_``.
    """
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    X = X * 1e6
    params = dict(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate_init=1e6,
        max_iter=100,
        n_iter_no_change=100,
        random_state=0,
    )
    clf = BackpropMLPClassifier(**params)
    with pytest.warns(TrainingDivergedWarning, match=DIVERGED_MESSAGE):
        clf.fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) < 100
    _assert_diverged_model_is_usable(clf, X)
    # Oracle: the same training stopped by max_iter right before the overflow.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", TrainingDivergedWarning)
        reference = BackpropMLPClassifier(**{**params, "max_iter": clf.n_iter_})
        reference.fit(X, y)
    for W, W_ref in zip(clf.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(W, W_ref)
    assert clf.loss_ == reference.loss_


def test_overflow_at_the_kept_weights_after_a_first_epoch_divergence():
    """A warm start whose first epoch diverges on data that overflows the
    forward pass is refused, changes nothing, and numpy's overflow warning
    does not leak (found by test_properties)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), rng.integers(0, 2, 20)
    clf = _clf(solver="sgd", learning_rate_init=10.0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    coefs = [W.copy() for W in clf.coefs_]
    X_huge = X * 1e30
    X_huge[4, 0] = 1e308  # finite, but x * w overflows, and inf - inf is NaN
    n_iter, loss = clf.n_iter_, clf.loss_
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"diverged in its first epoch.*1e\+308"):
            clf.fit(X_huge, y)
    assert (clf.n_iter_, clf.loss_) == (n_iter, loss)
    for W, W_before in zip(clf.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(W, W_before)


# ------------------------------------------------------------ single class


@pytest.mark.parametrize("label", ["cat", 3])
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_single_class(data, solver, label):
    """One class in y: predict returns it, predict_proba is one column of ones."""
    X, _ = data
    y = np.full(len(X), label)
    clf = _clf(solver=solver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [label])
    np.testing.assert_array_equal(clf.predict(X), y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(clf.classes_)) == (len(X), 1)
    np.testing.assert_array_equal(proba, 1.0)
    np.testing.assert_array_equal(clf.predict_log_proba(X), 0.0)
    assert clf.score(X, y) == 1.0


@pytest.mark.parametrize("Estimator", [BackpropMLPClassifier, BackpropMLPRegressor])
def test_a_network_too_large_for_memory_is_refused_before_allocating(Estimator):
    """hidden_layer_sizes=(10**12,) used to fail in numpy's allocation, with a
    traceback that did not name the network."""
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    est = Estimator(hidden_layer_sizes=(10**12,))
    # The oracle: 2 inputs, 10**12 hidden units, 1 output, with biases.
    n_params = 2 * 10**12 + 10**12 + 10**12 + 1
    with pytest.raises(ValueError, match=rf"{n_params:,} parameters.*GiB.*memory"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")
