"""ONNX export: onnxruntime on the exported graph against predict_proba.

The oracle is the estimator itself: the graph's probabilities must equal
``predict_proba`` to 1e-5 in float32 and 1e-10 in float64, and its labels
``predict`` wherever the decision is not a tie at that precision, for every
activation, every target type and label type, and every zipmap option.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
bmlp_onnx = pytest.importorskip("backprop_mlp.onnx")

from backprop_mlp import BackpropMLPClassifier, BackpropMLPRegressor  # noqa: E402
from backprop_mlp._activations import ACTIVATIONS  # noqa: E402

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}


def _data(n_classes=3):
    X, y = make_classification(
        120,
        5,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=0,
    )
    # A far-out copy drives every activation into its saturated or
    # overflow-prone range (softplus, elu and gelu of |z| in the hundreds).
    return np.vstack([X, 40 * X[:20]]), y


def _targets(kind, y):
    return {
        "binary": y % 2,
        "multiclass": y,
        "multiclass-str": np.array(["ant", "bee", "cat"])[y],
        "multilabel": np.column_stack([y == 0, y == 1, y != 2]).astype(int),
    }[kind]


def _fit(y, **params):
    X, _ = _data()
    params = {"hidden_layer_sizes": (6, 5), "max_iter": 20, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: few epochs
        return make_pipeline(StandardScaler(), BackpropMLPClassifier(**params)).fit(
            X[: len(y)], y
        )


def _run(model, X, dtype, **kwargs):
    onx = skl2onnx.to_onnx(model, X[:1].astype(dtype), **kwargs)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    outputs = session.run(None, {session.get_inputs()[0].name: X.astype(dtype)})
    return onx, outputs


def _assert_labels_agree_off_ties(labels, model, X, tolerance):
    proba = model.predict_proba(X)
    expected = model.predict(X)
    if expected.ndim == 2:  # multilabel: each label decided at one half
        clear = np.abs(proba - 0.5) > tolerance
        np.testing.assert_array_equal(labels[clear], expected[clear])
        return
    top2 = np.sort(proba, axis=1)[:, -2:] if proba.shape[1] > 1 else proba
    clear = np.ptp(top2, axis=1) > tolerance if proba.shape[1] > 1 else slice(None)
    np.testing.assert_array_equal(labels[clear], expected[clear])


def _assert_parity(model, X, dtype, **kwargs):
    onx, (labels, proba) = _run(model, X, dtype, options={"zipmap": False}, **kwargs)
    np.testing.assert_allclose(
        proba, model.predict_proba(X), rtol=0, atol=TOLERANCE[dtype]
    )
    assert proba.dtype == dtype
    _assert_labels_agree_off_ties(labels, model, X, TOLERANCE[dtype])
    return onx


@pytest.mark.parametrize(
    "target", ["binary", "multiclass", "multiclass-str", "multilabel"]
)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_pipeline_matches_predict_proba(activation, target):
    X, y = _data()
    model = _fit(_targets(target, y), activation=activation)
    for dtype in (np.float32, np.float64):
        _assert_parity(model, X, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_layer_activations(dtype):
    X, y = _data()
    names = sorted(ACTIVATIONS)
    model = _fit(y, hidden_layer_sizes=(4,) * len(names), activation=names)
    _assert_parity(model, X, dtype)


LABEL_KINDS = {
    "one-class": np.zeros_like,
    "bool": lambda y: y == 1,
    "float": lambda y: y.astype(float),
    "negative-int": lambda y: 10 * y - 5,
    "str-binary": lambda y: np.array(["no", "yes"])[y % 2],
}


@pytest.mark.parametrize("kind", LABEL_KINDS)
def test_every_label_type(kind):
    X, y = _data()
    _assert_parity(_fit(LABEL_KINDS[kind](y)), X, np.float32)


@pytest.mark.parametrize("target", ["binary", "multiclass-str", "multilabel"])
def test_zipmap_maps_each_class_to_its_probability(target):
    X, y = _data()
    model = _fit(_targets(target, y))
    classes = model[-1].classes_
    _, (_, maps) = _run(model, X, np.float32)
    expected = model.predict_proba(X)
    assert [sorted(m) for m in maps] == [sorted(classes.tolist())] * len(X)
    got = np.array([[m[c] for c in classes.tolist()] for m in maps])
    np.testing.assert_allclose(got, expected, atol=1e-5)

    _, (_, *columns) = _run(model, X, np.float32, options={"zipmap": "columns"})
    np.testing.assert_allclose(np.column_stack(columns), expected, atol=1e-5)


def test_nocl_and_output_class_labels_options():
    X, y = _data()
    model = _fit(_targets("multiclass-str", y))
    classes = model[-1].classes_
    # nocl: labels are indices into classes_.
    _, (indices, _) = _run(
        model, X, np.float32, options={"zipmap": False, "nocl": True}
    )
    _assert_labels_agree_off_ties(classes[indices], model, X, 1e-5)
    options = {"zipmap": False, "output_class_labels": True}
    _, (labels, proba, class_labels) = _run(model, X, np.float32, options=options)
    np.testing.assert_array_equal(class_labels, classes)
    _assert_labels_agree_off_ties(labels, model, X, 1e-5)
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-5)


def test_gelu_below_opset_20_uses_its_formula():
    X, y = _data()
    model = _fit(y, activation="gelu")
    ops = {n.op_type for n in _assert_parity(model, X, np.float32).graph.node}
    assert "Gelu" in ops
    old = _assert_parity(model, X, np.float32, target_opset=18)
    assert "Gelu" not in {n.op_type for n in old.graph.node}


def test_graph_uses_the_activations_the_model_was_fitted_with():
    # predict uses them whatever activation says after fitting: so must the
    # graph (the oracle is predict_proba itself).
    X, y = _data()
    model = _fit(y, activation="tanh")
    model[-1].set_params(activation="relu")
    _assert_parity(model, X, np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_native_operators_where_exact(dtype):
    # float32 graphs use ONNX's own operators; float64 ones the formulas
    # whose kernels onnxruntime has in double precision.
    X, y = _data()
    names = ["leaky_relu", "elu", "softplus", "gelu", "swish"]
    model = _fit(y, hidden_layer_sizes=(4,) * len(names), activation=names)
    ops = {n.op_type for n in _assert_parity(model, X, dtype).graph.node}
    native = {"LeakyRelu", "Elu", "Softplus", "Gelu"}
    assert native <= ops if dtype == np.float32 else not native & ops


# ------------------------------------------------------------- regressor


class _Regressor(RegressorMixin, BaseEstimator):
    """Stands in for the coming BackpropMLPRegressor: its public attributes."""

    def __init__(self, activation="relu"):
        self.activation = activation

    def fit(self, X, y):  # its weights are copied in instead
        return self


bmlp_onnx_registered = False


def _register_stand_in():
    global bmlp_onnx_registered
    if not bmlp_onnx_registered:
        skl2onnx.update_registered_converter(
            _Regressor,
            "BackpropMLPRegressorStandIn",
            bmlp_onnx.calculate_regressor_output_shapes,
            bmlp_onnx.convert_regressor,
        )
        bmlp_onnx_registered = True


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("out_activation", ["identity", "exp"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_regressor_converter_matches_mlp_regressor(activation, out_activation, dtype):
    _register_stand_in()
    X, _ = _data()
    rng = np.random.default_rng(0)
    Y = np.column_stack([X @ rng.standard_normal(5), X[:, 0] ** 2]) / 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = MLPRegressor(
            hidden_layer_sizes=(6,), activation=activation, max_iter=50, random_state=0
        )
        oracle.fit(X, Y)
    regressor = _Regressor(activation)
    for name in ("coefs_", "intercepts_", "n_outputs_", "n_layers_", "n_features_in_"):
        setattr(regressor, name, getattr(oracle, name))
    regressor.out_activation_ = out_activation
    expected = oracle.predict(X)
    if out_activation == "exp":
        expected = np.exp(expected)
    _, (got,) = _run(regressor, X, dtype)
    assert got.shape == (len(X), 2)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_the_regressor_exports_as_registered(loss, dtype):
    """BackpropMLPRegressor itself, one and two outputs, both losses, an
    activation each way (native in float32, elementary in float64): the
    graph's output is ``predict``, in its shape."""
    # Moderate inputs: _data's far-out rows overflow exp in float32.
    X = np.random.default_rng(0).standard_normal((100, 5))
    Y = np.exp(np.column_stack([np.sin(X[:, 0]), X[:, 1] / 3]))  # positive
    for y, activation in ((Y, "gelu"), (Y[:, 1], "tanh")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg = BackpropMLPRegressor(
                loss=loss, hidden_layer_sizes=(6,), activation=activation, max_iter=30
            ).fit(X, y)
        _, (got,) = _run(reg, X, dtype)
        expected = reg.predict(X)
        tol = TOLERANCE[dtype]
        np.testing.assert_allclose(got.reshape(expected.shape), expected, tol, tol)


# ------------------------------------------------- what cannot be exported


@pytest.mark.parametrize("options", [None, {"zipmap": False}], ids=["zipmap", "none"])
@pytest.mark.parametrize("estimator", [BackpropMLPClassifier, BackpropMLPRegressor])
def test_unfitted_model_is_refused_as_not_fitted(estimator, options):
    X, _ = _data()
    if options and estimator is BackpropMLPRegressor:
        options = None  # a regressor has no zipmap
    with pytest.raises(NotFittedError, match=f"This {estimator.__name__} instance "):
        skl2onnx.to_onnx(estimator(), X[:1].astype(np.float32), options=options)


def _labels_through_onnx(model, X, **options):
    onx = skl2onnx.to_onnx(
        model, X[:1].astype(np.float32), options={"zipmap": False, **options}
    )
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]


def test_uint64_labels_from_2_63_are_refused_and_smaller_ones_round_trip():
    X, y = _data()
    big = _fit(y.astype(np.uint64) + np.uint64(2**63 - 1))  # the last fits int64
    with pytest.raises(ValueError, match=r"classes_ include \[9223372036854775808, "):
        skl2onnx.to_onnx(big, X[:1].astype(np.float32))
    # Class indices carry no label, so they need none of them to fit.
    indices = _labels_through_onnx(big, X, nocl=True)
    _assert_labels_agree_off_ties(big[-1].classes_[indices], big, X, 1e-5)

    small = _fit(y.astype(np.uint64) + np.uint64(2**63 - 3))  # all fit int64
    labels = _labels_through_onnx(small, X)
    assert labels.min() > 0  # none wrapped to a negative int64
    _assert_labels_agree_off_ties(labels, small, X, 1e-5)


def test_a_sample_of_another_width_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match=r"has 4 columns, but .* fitted on 5 features"):
        skl2onnx.to_onnx(_fit(y)[-1], X[:1, :4].astype(np.float32))


# ---------------------------------------------------------- DataFrame input
# For a DataFrame, skl2onnx makes one input per column; the graph
# concatenates them in the order of the model's features.

pd = pytest.importorskip("pandas")
COLUMNS = ["a", "b", "c", "d", "e"]


def _run_frame(model, frame, sample):
    options = {"zipmap": False} if hasattr(model, "classes_") else None
    onx = skl2onnx.to_onnx(model, sample, options=options)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    feed = {v.name: frame[[v.name]].to_numpy() for v in session.get_inputs()}
    return session.run(None, feed)


@pytest.mark.parametrize(
    "dtypes",
    [
        {c: np.float32 for c in COLUMNS},
        {c: np.float64 for c in COLUMNS},
        {"a": np.float32, "b": np.float64, "c": np.int64, "d": np.float64},
    ],
    ids=["float32", "float64", "mixed"],
)
def test_classifier_fitted_on_a_dataframe_exports_from_one(dtypes):
    X, y = _data()
    # Whole tenths, so that the int64 column loses nothing.
    frame = pd.DataFrame(np.round(X[: len(y)], 1) * 10, columns=COLUMNS)
    frame = frame.astype(dtypes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = BackpropMLPClassifier(
            hidden_layer_sizes=(6,), max_iter=20, random_state=0
        ).fit(frame, y)
    # The sample's columns in another order (inputs are fed by name), the
    # float32 one first (a float64 one makes the graph double all the same).
    order = ["a", "e", "d", "c", "b"]
    labels, proba = _run_frame(model, frame, frame[order][:1])
    # Double if any column is: predict computes in float64 then too.
    double = np.float64 in dtypes.values()
    tolerance = TOLERANCE[np.float64 if double else np.float32]
    assert proba.dtype == (np.float64 if double else np.float32)
    np.testing.assert_allclose(proba, model.predict_proba(frame), atol=tolerance)
    _assert_labels_agree_off_ties(labels, model, frame, tolerance)


def test_regressor_fitted_on_an_array_exports_from_a_dataframe():
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = BackpropMLPRegressor(
            hidden_layer_sizes=(6,), max_iter=20, random_state=0
        )
        model.fit(X[: len(y)], y)
    frame = pd.DataFrame(X, columns=COLUMNS)
    (got,) = _run_frame(model, frame, frame[:1])
    np.testing.assert_allclose(got.ravel(), model.predict(X), rtol=1e-10, atol=1e-10)


def test_a_dataframe_of_other_columns_is_refused():
    X, y = _data()
    frame = pd.DataFrame(X[: len(y)], columns=COLUMNS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = BackpropMLPClassifier(
            hidden_layer_sizes=(6,), max_iter=5, random_state=0
        ).fit(frame, y)
    other = frame.rename(columns={"e": "f"})
    with pytest.raises(ValueError, match=r"columns \['a', 'b', 'c', 'd', 'f'\], but"):
        skl2onnx.to_onnx(model, other[:1])
    with pytest.raises(ValueError, match="hold strings"):
        skl2onnx.to_onnx(model, frame.astype({"a": str})[:1])
