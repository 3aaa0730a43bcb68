"""Serving latency: one model, three ways to predict its probabilities.

Run from the repository root (needs the ``onnx`` extra)::

    python benchmarks/serving.py
    python benchmarks/serving.py --repeats 9 --threads 1

For each model and batch size (one row, 1,000 rows) it times
``predict_proba`` of ``BackpropMLPClassifier``, ``predict_proba`` of
scikit-learn's ``MLPClassifier`` holding the very same weights, and
onnxruntime running the graph exported by ``backprop_mlp.onnx`` (float64 and
float32 graphs, no ZipMap). Repeats are interleaved, the table shows medians
and their ratios to ours. BLAS and onnxruntime are both pinned to
``--threads`` threads.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
from skl2onnx import to_onnx
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import interleave, machine_info, make_data

import backprop_mlp.onnx  # noqa: F401  (registers the converter)
from backprop_mlp import BackpropMLPClassifier

MODELS = {
    "small": dict(d=20, hidden=(32,), classes=2),
    "wide": dict(d=784, hidden=(256, 128), classes=10),
}


def make_models(d, hidden, classes, threads):
    """Ours, MLPClassifier with our weights, and two onnxruntime sessions."""
    X, y = make_data(2_000, d, classes)
    params = dict(hidden_layer_sizes=hidden, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: few epochs
        ours = BackpropMLPClassifier(**params).fit(X, y)
        theirs = MLPClassifier(**params).fit(X, y)
    theirs.coefs_ = [W.copy() for W in ours.coefs_]
    theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = threads
    sessions = {}
    for dtype in (np.float64, np.float32):
        onx = to_onnx(ours, X[:1].astype(dtype), options={"zipmap": False})
        sessions[dtype] = ort.InferenceSession(
            onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
    X_pred = make_data(1_000, d, classes, seed=1)[0]
    # The three agree before they are timed.
    proba = ours.predict_proba(X_pred)
    np.testing.assert_allclose(theirs.predict_proba(X_pred), proba, atol=1e-12)
    for dtype, session in sessions.items():
        got = session.run(None, {"X": X_pred.astype(dtype)})[1]
        np.testing.assert_allclose(
            got, proba, atol=1e-10 if dtype == np.float64 else 1e-5
        )
    return ours, theirs, sessions, X_pred


def rows(repeats, threads):
    out = []
    for name, spec in MODELS.items():
        ours, theirs, sessions, X_all = make_models(**spec, threads=threads)
        for n_rows in (1, 1_000):
            X = X_all[:n_rows]
            feeds = {dt: {"X": X.astype(dt)} for dt in sessions}
            # Calls per timing, so that each timing lasts ~0.05 s or more.
            calls = 2_000 if n_rows == 1 else (200 if name == "small" else 10)

            def per_call(fn, calls=calls):
                start = time.perf_counter()
                for _ in range(calls):
                    fn()
                return (time.perf_counter() - start) / calls

            med = interleave(
                {
                    "ours": lambda m=ours, X=X: per_call(lambda: m.predict_proba(X)),
                    "sklearn": lambda m=theirs, X=X: per_call(
                        lambda: m.predict_proba(X)
                    ),
                    "onnx f64": lambda s=sessions[np.float64], f=feeds[np.float64]: (
                        per_call(lambda: s.run(None, f))
                    ),
                    "onnx f32": lambda s=sessions[np.float32], f=feeds[np.float32]: (
                        per_call(lambda: s.run(None, f))
                    ),
                },
                repeats,
            )
            what = f"{n_rows} x {spec['d']} on {spec['hidden']}, {spec['classes']} cl."
            out.append((f"{name} {n_rows}", med, what))
    return out


def _fmt(seconds):
    return f"{seconds * 1e6:.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def format_table(table):
    header = ["row", "ours", "sklearn", "onnx f64", "onnx f32"]
    header += ["sklearn/ours", "onnx f64/ours", "onnx f32/ours", "what"]
    lines = []
    for row, med, what in table:
        times = [_fmt(med[k]) for k in header[1:5]]
        ratios = [f"{med[k] / med['ours']:.2f}" for k in header[2:5]]
        lines.append([row, *times, *ratios, what])
    widths = [max(len(c) for c in col) for col in zip(header, *lines, strict=True)]

    def line(cells):
        cells = (c.ljust(w) for c, w in zip(cells, widths, strict=True))
        return "  ".join(cells).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([sep, line(header), sep, *map(line, lines), sep])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    print(machine_info(args.threads) + f"; onnxruntime {ort.__version__}")
    with threadpool_limits(limits=args.threads):
        print(format_table(rows(args.repeats, args.threads)))


if __name__ == "__main__":
    main()
