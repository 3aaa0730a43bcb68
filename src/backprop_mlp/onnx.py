"""Export backprop-mlp estimators to ONNX with skl2onnx.

Importing this module registers a shape calculator, a converter and the
classifier options of scikit-learn's own classifiers (``zipmap``, ``nocl``,
``output_class_labels``) for :class:`~backprop_mlp.BackpropMLPClassifier`
with skl2onnx. A fitted estimator, or a ``Pipeline`` ending in one, then
converts as any scikit-learn model does:

.. code-block:: python

    import backprop_mlp.onnx  # registers the converters
    from skl2onnx import to_onnx

    onx = to_onnx(pipeline, X[:1].astype(np.float32))  # float32 graph
    onx = to_onnx(pipeline, X[:1])  # float64 X: a float64 (double) graph

It needs the ``onnx`` extra (``pip install "backprop-mlp[onnx]"``); ``import
backprop_mlp`` alone never imports skl2onnx.

The graph computes the network layer by layer, ``MatMul`` then ``Add``, then
the layer's activation with the ONNX operator that exists for it: ``Sigmoid``,
``Tanh``, ``Relu``, ``LeakyRelu`` (alpha 0.01), ``Elu``, ``Softplus``,
``Gelu`` with ``approximate='tanh'`` (opset >= 20; below, its formula), and
swish as ``x * Sigmoid(x)``. In a float64 graph, leaky ReLU, ELU, softplus
and GELU are written with elementary operators instead: onnxruntime has no
float64 kernel for ``Elu`` and ``Softplus``, ``LeakyRelu``'s alpha is a
float32 attribute (0.01 then differs from ours by 2e-10), and its float64
``Gelu`` is off by ~3e-9, all beyond float64's tolerance.

The classifier outputs ``label`` and ``probabilities`` as scikit-learn's
classifiers do (binary: two columns; multilabel: a 0/1 label matrix), with the
ZipMap of skl2onnx unless ``options={"zipmap": False}``. The regressor's
converter, :func:`convert_regressor`, keys its output on ``out_activation_``
('identity' or 'exp') and outputs ``variable`` of shape ``(n, n_outputs)``;
it is registered with :func:`register` when a ``BackpropMLPRegressor``
exists.

A DataFrame sample gets one graph input per column from skl2onnx, named
after it: the graph joins them in the order of the model's
``feature_names_in_`` (as given, for a model fitted on an array), and
computes in double if any of them is. What the graph cannot hold is refused
at export, with a message that says what to do instead: a model that is not
fitted (scikit-learn's ``NotFittedError``, from :func:`parse_classifier` for
a classifier, whose outputs skl2onnx declares from ``classes_``), a sample
of other columns than the model was fitted on, and unsigned labels from
``2**63`` up, which int64 labels would wrap to negative numbers.
"""

import numpy as np
from skl2onnx import update_registered_converter

# skl2onnx's own classifier parser (the outputs and the ZipMap), which ours
# runs after its checks, as skl2onnx's custom-parser examples do.
from skl2onnx._parse import _parse_sklearn_classifier
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.common.utils_classifier import get_label_classes
from skl2onnx.proto import onnx_proto
from sklearn.utils.validation import check_is_fitted

import backprop_mlp

from ._activations import _GELU_C, _GELU_K, LEAKY_SLOPE

__all__ = [
    "calculate_classifier_output_shapes",
    "calculate_regressor_output_shapes",
    "convert_classifier",
    "convert_regressor",
    "parse_classifier",
    "register",
]

# The first opset whose Gelu has the attribute approximate='tanh'.
_GELU_OPSET = 20
_CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [True, False],
    "output_class_labels": [False, True],
}


class _Graph:
    """Adds nodes and constants of one dtype to skl2onnx's container."""

    def __init__(self, scope, container, proto_dtype):
        self.scope, self.container = scope, container
        self.dtype = proto_dtype
        self.double = proto_dtype == onnx_proto.TensorProto.DOUBLE
        self.opset = container.target_opset

    def const(self, values, dtype=None):
        values = np.asarray(values)
        name = self.scope.get_unique_variable_name("c")
        self.container.add_initializer(
            name, dtype or self.dtype, list(values.shape), values.ravel().tolist()
        )
        return name

    def node(self, op_type, inputs, output=None, op_version=None, **attrs):
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            inputs if isinstance(inputs, list) else [inputs],
            output,
            name=self.scope.get_unique_operator_name(op_type),
            op_version=op_version,
            **attrs,
        )
        return output


# -------------------------------------------------------------- activations
# Each takes the graph and the name of z, and returns the name of f(z), the
# formula of src/backprop_mlp/_activations.py.


def _leaky_relu(g, z):
    if not g.double:
        return g.node("LeakyRelu", z, alpha=LEAKY_SLOPE)
    # max(z, 0.01 z) is z for z > 0 and 0.01 z otherwise.
    return g.node("Max", [z, g.node("Mul", [z, g.const(LEAKY_SLOPE)])])


def _elu(g, z):
    if not g.double:
        return g.node("Elu", z, alpha=1.0)
    zero, one = g.const(0.0), g.const(1.0)
    negative = g.node("Sub", [g.node("Exp", g.node("Min", [z, zero])), one])
    return g.node("Where", [g.node("Greater", [z, zero]), z, negative])


def _softplus(g, z):
    if not g.double:
        return g.node("Softplus", z)
    # log(1 + exp(z)) = max(z, 0) + log(1 + exp(-|z|)): no overflow.
    tail = g.node("Exp", g.node("Neg", g.node("Abs", z)))
    return g.node(
        "Add", [g.node("Relu", z), g.node("Log", g.node("Add", [tail, g.const(1.0)]))]
    )


def _gelu(g, z):
    if not g.double and (g.opset is None or g.opset >= _GELU_OPSET):
        return g.node("Gelu", z, op_version=_GELU_OPSET, approximate="tanh")
    # 0.5 z (1 + tanh(c (z + k z^3))), as _activations._gelu.
    cube = g.node("Mul", [z, g.node("Mul", [z, z])])
    inner = g.node("Add", [z, g.node("Mul", [cube, g.const(_GELU_K)])])
    t = g.node("Tanh", g.node("Mul", [inner, g.const(_GELU_C)]))
    half_z = g.node("Mul", [z, g.const(0.5)])
    return g.node("Mul", [half_z, g.node("Add", [t, g.const(1.0)])])


def _swish(g, z):
    return g.node("Mul", [z, g.node("Sigmoid", z)])


_ACTIVATIONS = {
    "identity": lambda g, z: z,
    "logistic": lambda g, z: g.node("Sigmoid", z),
    "tanh": lambda g, z: g.node("Tanh", z),
    "relu": lambda g, z: g.node("Relu", z),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "softplus": _softplus,
    "gelu": _gelu,
    "swish": _swish,
}
_OUTPUTS = {
    "logistic": lambda g, z: g.node("Sigmoid", z),
    "softmax": lambda g, z: g.node("Softmax", z, axis=1),
    "identity": lambda g, z: z,
    "exp": lambda g, z: g.node("Exp", z),
}


def _hidden_activation_names(model):
    """The activations the model was fitted with, which predict uses."""
    fitted = getattr(model, "_activation_names", None)
    if fitted is not None:
        return list(fitted)
    n_hidden = len(model.coefs_) - 1  # a model that predates them, or sklearn's
    names = model.activation
    return [names] * n_hidden if isinstance(names, str) else list(names)


def _network_output(g, model, inputs):
    """The output layer's activations for the inputs, ``(n, n_outputs_)``."""
    columns = [g.node("Cast", v.full_name, to=g.dtype) for v in inputs]
    a = columns[0] if len(columns) == 1 else g.node("Concat", columns, axis=1)
    np_dtype = np.float64 if g.double else np.float32
    hidden = _hidden_activation_names(model)
    for k, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        W, b = W.astype(np_dtype), b.astype(np_dtype)
        z = g.node("Add", [g.node("MatMul", [a, g.const(W)]), g.const(b[None, :])])
        a = (
            _ACTIVATIONS[hidden[k]]
            if k < len(hidden)
            else _OUTPUTS[model.out_activation_]
        )(g, z)
    return a


def _tensor_type(operator):
    """The graph computes in double if an input is double, else in float.

    One input for an array: its precision. For a DataFrame's columns, float64
    ones with float32 ones are float64 to ``predict`` too.
    """
    if any(isinstance(v.type, DoubleTensorType) for v in operator.inputs):
        return DoubleTensorType
    return FloatTensorType


def _proto_dtype(operator):
    if _tensor_type(operator) is DoubleTensorType:
        return onnx_proto.TensorProto.DOUBLE
    return onnx_proto.TensorProto.FLOAT


def _is_multilabel(model):
    return model.out_activation_ == "logistic" and model.n_outputs_ > 1


_INT64_MAX = np.iinfo(np.int64).max


def _label_values(scope, model):
    """The class labels as stored in the graph: int64 or UTF-8 strings."""
    classes = np.asarray(get_label_classes(scope, model))
    if classes.dtype.kind in "biu":
        # uint64 labels from 2**63 up would wrap to negative int64 labels.
        too_large = classes[classes > _INT64_MAX] if classes.dtype.kind == "u" else []
        if len(too_large):
            raise ValueError(
                f"This model's classes_ include {too_large.tolist()}, beyond "
                f"the int64 labels of ONNX (at most 2**63 - 1 = {_INT64_MAX}): "
                "they would come out of the graph as other numbers. Fit it on "
                "smaller integers or on strings (y.astype(str)), or export it "
                "with options={'nocl': True} to output class indices."
            )
        return classes.astype(np.int64), onnx_proto.TensorProto.INT64
    if classes.dtype.kind == "f":
        if not np.array_equal(classes, np.round(classes)):
            raise ValueError(
                "ONNX labels are integers or strings; this model's classes_ "
                f"{classes} are not whole numbers. Fit it on integer or string "
                "labels."
            )
        return classes.astype(np.int64), onnx_proto.TensorProto.INT64
    return (
        np.array([str(c).encode("utf-8") for c in classes], dtype=object),
        onnx_proto.TensorProto.STRING,
    )


# ------------------------------------------------------------------- inputs


def _check_fitted(model):
    check_is_fitted(
        model,
        msg="This %(name)s instance is not fitted yet: fit it before exporting "
        "it to ONNX.",
    )


def _width(variable):
    shape = variable.type.shape
    return shape[1] if len(shape) == 2 and isinstance(shape[1], int) else None


def _feature_inputs(model, inputs):
    """The graph's inputs in the order of the model's features.

    One input for an array; for a DataFrame, skl2onnx makes one input per
    column, named after it, which the graph concatenates: in the order of
    ``feature_names_in_`` (inputs are fed by name, so the order of the
    DataFrame given to ``to_onnx`` does not matter), or as given for a model
    fitted on an array.
    """
    strings = [v.raw_name for v in inputs if isinstance(v.type, StringTensorType)]
    if strings:
        raise ValueError(
            f"The input(s) {strings} hold strings, but {type(model).__name__} "
            "takes numbers only: pass to to_onnx the numeric X it predicts on."
        )
    n_features = model.n_features_in_
    if len(inputs) == 1:
        width = _width(inputs[0])
        if width is not None and width != n_features:
            raise ValueError(
                f"The input of the graph has {width} columns, but "
                f"{type(model).__name__} was fitted on {n_features} features: pass "
                "to to_onnx a row of the X it predicts on (X[:1])."
            )
        return list(inputs)
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        widths = [_width(v) for v in inputs]
        if None in widths or sum(widths) != n_features:
            raise ValueError(
                f"The {len(inputs)} inputs of the graph (one per DataFrame column) "
                f"have {widths} columns, but {type(model).__name__} was fitted on "
                f"{n_features} features: pass to to_onnx a row of the X it "
                "predicts on, e.g. df.to_numpy(dtype=np.float32)[:1]."
            )
        return list(inputs)
    by_name = {v.raw_name: v for v in inputs}
    given, fitted = list(by_name), [str(name) for name in names]
    if sorted(given) != sorted(fitted) or len(by_name) != len(inputs):
        raise ValueError(
            f"The DataFrame given to to_onnx has the columns {given}, but "
            f"{type(model).__name__} was fitted on {fitted}: pass a row of the "
            "DataFrame it predicts on, with those columns."
        )
    if any(_width(v) != 1 for v in inputs):
        raise ValueError(
            "Each input of a graph made from a DataFrame must be one column, got "
            f"{[v.type.shape for v in inputs]}."
        )
    return [by_name[name] for name in fitted]


# --------------------------------------------------------------- classifier


def parse_classifier(scope, model, inputs, custom_parsers=None):
    """Check that a classifier can be exported, then declare its outputs.

    skl2onnx's classifier parser reads ``classes_`` first: an unfitted model
    would fail there with a message about the number of classes.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
    model : BackpropMLPClassifier
    inputs : list of skl2onnx.common._topology.Variable
    custom_parsers : dict, default=None

    Returns
    -------
    outputs : list of skl2onnx.common._topology.Variable

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    ValueError
        For inputs that do not fit the model's features, or labels the graph
        cannot hold.
    """
    _check_fitted(model)
    _feature_inputs(model, inputs)
    if not _is_multilabel(model):
        _label_values(scope, model)
    return _parse_sklearn_classifier(
        scope, model, inputs, custom_parsers=custom_parsers
    )


def calculate_classifier_output_shapes(operator):
    """Set the types of the classifier's ``label`` and ``probabilities``.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator whose ``raw_operator`` is a fitted classifier.
    """
    model = operator.raw_operator
    _check_fitted(model)
    _feature_inputs(model, operator.inputs)
    n = operator.inputs[0].get_first_dimension()
    classes = np.asarray(get_label_classes(operator.scope_inst, model))
    label_shape = [n, len(classes)] if _is_multilabel(model) else [n]
    numeric = classes.dtype.kind in "biuf"
    label_type = Int64TensorType if numeric else StringTensorType
    operator.outputs[0].type = label_type(shape=label_shape)
    operator.outputs[1].type = _tensor_type(operator)(shape=[n, len(classes)])


def convert_classifier(scope, operator, container):
    """Write the graph of a fitted classifier: labels and probabilities.

    Probabilities are those of ``predict_proba`` (two columns for a binary
    target), labels those of ``predict``: the class of the highest
    probability, or for multilabel targets each label whose probability
    exceeds 0.5.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
    operator : skl2onnx.common._topology.Operator
        Its ``raw_operator`` is the fitted classifier.
    container : skl2onnx.common._container.ModelComponentContainer
    """
    model = operator.raw_operator
    g = _Graph(scope, container, _proto_dtype(operator))
    label_out, proba_out = (v.full_name for v in operator.outputs[:2])
    P = _network_output(g, model, _feature_inputs(model, operator.inputs))
    n_classes = len(model.classes_)
    if n_classes == 1:
        # One class seen: it is certain (predict_proba is a column of ones).
        P = g.node("Add", [g.node("Sub", [P, P]), g.const(1.0)])
    elif model.n_outputs_ == 1:
        P = g.node("Concat", [g.node("Sub", [g.const(1.0), P]), P], axis=1)
    g.node("Identity", P, proba_out)

    if _is_multilabel(model):
        # As LabelBinarizer.inverse_transform: strictly above one half.
        above = g.node("Greater", [P, g.const(0.5)])
        g.node("Cast", above, label_out, to=onnx_proto.TensorProto.INT64)
        return
    labels, label_dtype = _label_values(scope, model)
    best = g.node("ArgMax", P, axis=1, keepdims=0)
    g.node("Gather", [g.const(labels, label_dtype), best], label_out, axis=0)


# ---------------------------------------------------------------- regressor


def calculate_regressor_output_shapes(operator):
    """Set the type of the regressor's ``variable``: ``(n, n_outputs_)``.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator whose ``raw_operator`` is a fitted regressor.
    """
    _check_fitted(operator.raw_operator)
    _feature_inputs(operator.raw_operator, operator.inputs)
    n = operator.inputs[0].get_first_dimension()
    n_outputs = operator.raw_operator.n_outputs_
    operator.outputs[0].type = _tensor_type(operator)(shape=[n, n_outputs])


def convert_regressor(scope, operator, container):
    """Write the graph of a fitted regressor: the network's output.

    The output layer is keyed on ``out_activation_``: 'identity' (the
    network's last affine map) or 'exp' (its exponential, for a
    log-link regressor).

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
    operator : skl2onnx.common._topology.Operator
        Its ``raw_operator`` is the fitted regressor.
    container : skl2onnx.common._container.ModelComponentContainer
    """
    model = operator.raw_operator
    if model.out_activation_ not in ("identity", "exp"):
        raise ValueError(
            f"A regressor's out_activation_ is 'identity' or 'exp'; got "
            f"{model.out_activation_!r}."
        )
    g = _Graph(scope, container, _proto_dtype(operator))
    output = _network_output(g, model, _feature_inputs(model, operator.inputs))
    g.node("Identity", output, operator.outputs[0].full_name)


# ------------------------------------------------------------- registration


def register():
    """Register the converters of every backprop-mlp estimator with skl2onnx.

    Called when this module is imported; calling it again is harmless. The
    regressor is registered when ``backprop_mlp`` has one.
    """
    update_registered_converter(
        backprop_mlp.BackpropMLPClassifier,
        "BackpropMLPClassifier",
        calculate_classifier_output_shapes,
        convert_classifier,
        parser=parse_classifier,
        options=_CLASSIFIER_OPTIONS,
    )
    regressor = getattr(backprop_mlp, "BackpropMLPRegressor", None)
    if regressor is not None:
        update_registered_converter(
            regressor,
            "BackpropMLPRegressor",
            calculate_regressor_output_shapes,
            convert_regressor,
        )


register()
