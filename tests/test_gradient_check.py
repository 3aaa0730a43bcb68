"""check_gradients: back-propagation agrees with finite differences, and the
check catches a wrong derivative wherever it is."""

import dataclasses
import re

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.neural_network import MLPClassifier

import backprop_mlp._targets
from backprop_mlp import BackpropMLPClassifier, GradientCheckResult, check_gradients
from backprop_mlp._activations import ACTIVATIONS
from backprop_mlp._losses import SOFTMAX_OUTPUT

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(target):
    if target == "multilabel":
        X, Y = make_multilabel_classification(
            n_samples=30, n_features=4, n_classes=3, random_state=0
        )
        return X / X.std(axis=0), Y
    n_classes = 2 if target == "binary" else 3
    X, y = make_classification(
        n_samples=30,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        random_state=0,
    )
    return X, y


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_back_propagation_matches_finite_differences(activation, target):
    """Every hidden activation, with each output layer and the L2 penalty."""
    X, y = _data(target)
    result = check_gradients(
        {
            "hidden_layer_sizes": (5, 4),
            "activation": activation,
            "alpha": 0.01,
            "random_state": 0,
        },
        X,
        y,
    )
    expected_output = {"multiclass": "softmax"}.get(target, "logistic")
    assert [layer.activation for layer in result.layers] == [
        activation,
        activation,
        expected_output,
    ]
    assert result.max_error < 1e-6, result
    assert result.ok
    n_out = 1 if target == "binary" else 3
    assert result.n_checked == result.n_params == 4 * 5 + 5 * 4 + 4 * n_out + 9 + n_out


def _doubled(name):
    """The activation ``name`` with its derivative twice too large."""
    act = ACTIVATIONS[name]

    def derivative(z, a):
        return 2 * act.derivative(z, a)

    return dataclasses.replace(act, derivative=derivative)


@pytest.mark.parametrize("name", ["logistic", "tanh", "relu", "softplus"])
def test_a_doubled_derivative_is_caught(monkeypatch, name):
    """The tutorial's sigmoid bug: f'(z) off by a factor 2 in one hidden layer."""
    X, y = _data("multiclass")
    monkeypatch.setitem(ACTIVATIONS, name, _doubled(name))
    result = check_gradients(
        {"hidden_layer_sizes": (5,), "activation": name, "random_state": 0}, X, y
    )
    assert not result.ok
    # |2g - g| / (|2g| + |g|): exactly 1/3 in the layer below the bug.
    assert result.errors["W1"] == pytest.approx(1 / 3, rel=1e-4)
    assert result.errors["b1"] == pytest.approx(1 / 3, rel=1e-4)
    # The output layer's gradient does not go through f': still right.
    assert result.errors["W2"] < 1e-6
    assert result.errors["b2"] < 1e-6
    text = repr(result)
    assert "MISMATCH" in text
    assert re.search(r"^\s+1\s.*<- MISMATCH$", text, flags=re.MULTILINE)
    assert not re.search(r"^\s+2\s.*<- MISMATCH$", text, flags=re.MULTILINE)


def test_the_sigmoid_of_the_activation_bug_is_caught(monkeypatch):
    """The other classic: sigma'(a) = s(a)(1 - s(a)) instead of a(1 - a)."""
    X, y = _data("binary")
    act = ACTIVATIONS["logistic"]
    buggy = dataclasses.replace(act, derivative=lambda z, a: expit(a) * (1 - expit(a)))
    monkeypatch.setitem(ACTIVATIONS, "logistic", buggy)
    result = check_gradients(
        {"hidden_layer_sizes": (6,), "activation": "logistic", "random_state": 0},
        X,
        y,
    )
    assert result.errors["W1"] > 1e-2
    assert result.errors["W2"] < 1e-6


def test_the_bug_shows_in_every_layer_below_it_only(monkeypatch):
    """A wrong f_2' corrupts dW_1, dW_2 (below it) and leaves dW_3 right."""
    X, y = _data("multiclass")
    monkeypatch.setitem(ACTIVATIONS, "relu", _doubled("relu"))
    result = check_gradients(
        {
            "hidden_layer_sizes": (5, 4),
            "activation": ["tanh", "relu"],
            "random_state": 0,
        },
        X,
        y,
    )
    errors = result.errors
    assert min(errors["W1"], errors["b1"], errors["W2"], errors["b2"]) > 1e-2
    assert max(errors["W3"], errors["b3"]) < 1e-6


def test_a_wrong_output_delta_is_caught(monkeypatch):
    X, y = _data("multiclass")

    def doubled_delta(P, Y):
        return 2 * (P - Y)

    buggy = dataclasses.replace(SOFTMAX_OUTPUT, delta=doubled_delta)
    monkeypatch.setattr(backprop_mlp._targets, "SOFTMAX_OUTPUT", buggy)
    result = check_gradients({"hidden_layer_sizes": (4,), "random_state": 0}, X, y)
    assert all(error > 0.1 for error in result.errors.values())


def test_unfitted_estimator_is_checked_at_the_weights_fit_starts_from():
    X, y = _data("multiclass")
    params = dict(hidden_layer_sizes=(5,), activation="tanh", random_state=7)
    clf = BackpropMLPClassifier(**params)
    from_unfitted = check_gradients(clf, X, y)
    assert not hasattr(clf, "coefs_")  # the estimator itself is untouched
    # One epoch of plain SGD with a vanishing step keeps the initial weights
    # bit for bit: the oracle for what fit starts from.
    frozen = BackpropMLPClassifier(
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1e-300,
        max_iter=1,
        **params,
    ).fit(X, y)
    from_fitted = check_gradients(frozen, X, y)
    from_dict = check_gradients(params, X, y)
    assert from_unfitted.loss == from_fitted.loss == from_dict.loss
    for a, b, c in zip(
        from_unfitted.layers, from_fitted.layers, from_dict.layers, strict=True
    ):
        assert_array_equal(a.backprop_weights, b.backprop_weights)
        assert_array_equal(a.backprop_weights, c.backprop_weights)
        assert_array_equal(a.backprop_biases, b.backprop_biases)


def test_fitted_estimator_is_checked_where_it_is_and_left_untouched():
    X, y = _data("binary")
    clf = BackpropMLPClassifier((6,), max_iter=30, random_state=0).fit(X, y)
    before = [W.copy() for W in clf.coefs_ + clf.intercepts_]
    result = check_gradients(clf, X, y)
    assert result.ok, result
    for W, W_before in zip(clf.coefs_ + clf.intercepts_, before, strict=True):
        assert_array_equal(W, W_before)
    # The gradient at the trained weights is not the initial one.
    initial = check_gradients(clf.get_params(), X, y)
    assert not np.allclose(
        result.layers[0].backprop_weights, initial.layers[0].backprop_weights
    )


def test_float32_model_is_checked_in_float64():
    X, y = _data("multiclass")
    clf = BackpropMLPClassifier((6,), max_iter=10, random_state=0)
    clf.fit(X.astype(np.float32), y)
    assert clf.coefs_[0].dtype == np.float32
    result = check_gradients(clf, X.astype(np.float32), y)
    assert result.layers[0].backprop_weights.dtype == np.float64
    assert result.max_error < 1e-6, result


def test_weights_dropout_and_sparse_input_are_covered():
    X, y = _data("multiclass")
    sw = np.linspace(0.2, 3.0, len(y))
    params = {
        "hidden_layer_sizes": (6, 5),
        "class_weight": {0: 2.0, 1: 1.0, 2: 0.5},
        "dropout": [0.3, 0.5],
        "alpha": 0.1,
        "random_state": 0,
    }
    dense = check_gradients(params, X, y, sample_weight=sw)
    assert dense.ok, dense
    sparse = check_gradients(params, sp.csr_matrix(X), y, sample_weight=sw)
    assert sparse.ok, sparse
    for a, b in zip(dense.layers, sparse.layers, strict=True):
        assert_allclose(a.backprop_weights, b.backprop_weights, rtol=1e-12)
    # The class weights are the sample weights they stand for.
    as_weights = np.array([params["class_weight"][c] for c in y]) * sw
    equivalent = check_gradients(
        {**params, "class_weight": None}, X, y, sample_weight=as_weights
    )
    for a, b in zip(dense.layers, equivalent.layers, strict=True):
        assert_allclose(a.backprop_weights, b.backprop_weights, rtol=1e-12)
    # The masks are part of what is checked: without them the gradient differs.
    no_dropout = check_gradients({**params, "dropout": 0.0}, X, y, sample_weight=sw)
    assert not np.allclose(
        dense.layers[0].backprop_weights, no_dropout.layers[0].backprop_weights
    )


def test_n_entries_checks_a_random_subset():
    X, y = _data("binary")
    params = {"hidden_layer_sizes": (10,), "random_state": 0}
    result = check_gradients(params, X, y, n_entries=3)
    # W1 (4x10), W2 (10x1), b1 (10): 3 each; b2 (1): 1.
    assert result.n_checked == 3 + 3 + 3 + 1
    assert result.n_params == 4 * 10 + 10 + 10 + 1
    checked = ~np.isnan(result.layers[0].numerical_weights)
    assert checked.sum() == 3
    assert result.ok
    full = check_gradients(params, X, y)
    assert_allclose(
        result.layers[0].numerical_weights[checked],
        full.layers[0].numerical_weights[checked],
    )


def test_result_summary():
    X, y = _data("multiclass")
    result = check_gradients({"hidden_layer_sizes": (3,), "random_state": 0}, X, y)
    assert isinstance(result, GradientCheckResult)
    assert list(result.errors) == ["W1", "b1", "W2", "b2"]
    assert result.max_error == max(result.errors.values())
    assert result.layers[0].max_error == max(result.errors["W1"], result.errors["b1"])
    text = repr(result)
    assert text.startswith("GradientCheckResult(ok: max relative error")
    assert "4x3" in text and "3x3" in text and "softmax" in text
    # A tighter tolerance than the error reached flags it.
    strict = check_gradients(
        {"hidden_layer_sizes": (3,), "random_state": 0}, X, y, tol=1e-30
    )
    assert not strict.ok and "MISMATCH" in repr(strict)


def test_invalid_arguments():
    X, y = _data("binary")
    with pytest.raises(TypeError, match="BackpropMLPRegressor or a dict"):
        check_gradients(MLPClassifier(), X, y)
    with pytest.raises(ValueError, match="eps must be positive"):
        check_gradients({}, X, y, eps=0)
    with pytest.raises(ValueError, match="n_entries"):
        check_gradients({}, X, y, n_entries=0)
    with pytest.raises(ValueError, match="activation"):
        check_gradients({"activation": "bogus"}, X, y)
