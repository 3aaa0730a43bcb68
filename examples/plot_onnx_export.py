"""
Exporting a pipeline to ONNX and serving it with onnxruntime
============================================================

A fitted :class:`~sklearn.pipeline.Pipeline` of a scaler and a
:class:`~backprop_mlp.BackpropMLPClassifier` becomes one ONNX graph with
skl2onnx, once :mod:`backprop_mlp.onnx` has registered its converter. The
graph then runs in onnxruntime, with no Python, numpy or scikit-learn needed
where it is served. Here it is checked against ``predict_proba``.

This example needs the ``onnx`` extra: ``pip install "backprop-mlp[onnx]"``.
"""

# %%
# Fit a pipeline
# --------------
# Two hidden layers with activations that scikit-learn's MLP does not have,
# on the hand-written digits.
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

try:
    import onnxruntime as ort
    from skl2onnx import to_onnx

    import backprop_mlp.onnx  # noqa: F401  (registers the converter)
except ImportError as error:
    raise ImportError(
        "This example exports to ONNX and needs skl2onnx and onnxruntime: "
        'pip install "backprop-mlp[onnx]".'
    ) from error

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
pipeline = make_pipeline(
    StandardScaler(),
    BackpropMLPClassifier(
        hidden_layer_sizes=(32, 16),
        activation=["gelu", "swish"],
        max_iter=40,
        random_state=0,
    ),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # a short fit may not converge
    pipeline.fit(X_train, y_train)
print(f"test accuracy: {pipeline.score(X_test, y_test):.3f}")

# %%
# Export and run
# --------------
# The dtype of the sample row sets the graph's: float32 here. ``zipmap=False``
# returns the probabilities as a matrix rather than one dictionary per row.
onx = to_onnx(pipeline, X_train[:1].astype(np.float32), options={"zipmap": False})
session = ort.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels, proba_onnx = session.run(None, {"X": X_test.astype(np.float32)})

proba = pipeline.predict_proba(X_test)
max_difference = float(np.abs(proba_onnx - proba).max())
label_agreement = float(np.mean(labels == pipeline.predict(X_test)))
print(f"largest probability difference: {max_difference:.1e}")
print(f"labels that agree: {label_agreement:.1%}")

# %%
# The two sets of probabilities lie on the diagonal; their differences are
# those of float32 arithmetic.
import matplotlib.pyplot as plt

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
left.scatter(proba.ravel(), proba_onnx.ravel(), s=4)
left.plot([0, 1], [0, 1], color="gray", linewidth=0.5)
left.set(xlabel="predict_proba", ylabel="onnxruntime", title="Probabilities")
right.hist(np.abs(proba_onnx - proba).ravel(), bins=50)
right.set(xlabel="|onnxruntime - predict_proba|", title="Differences (float32)")
fig.tight_layout()
plt.show()
