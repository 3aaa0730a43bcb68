"""
Scaling out: a search on a Dask cluster, training on data larger than memory
============================================================================

Two things outgrow one machine. A grid search is many small fits: joblib's
``dask`` backend sends them to a ``dask.distributed`` cluster, with the
results of a serial run. A single fit on data larger than memory is one long
pass after another over blocks of rows: :func:`~backprop_mlp.fit_blocks`
trains on a :class:`~backprop_mlp.BlockSource` (here a folder of ``.npy``
files) for many epochs, with a validation set and early stopping, holding in
memory only the block it trains on and the next, read meanwhile. Both need
``pip install "backprop-mlp[dask]"`` (the out-of-core part needs Dask only
for dask arrays).
"""

# %%
# A grid search on a local Dask cluster
# -------------------------------------
# The cluster here runs on this machine, reachable from it only
# (``host="127.0.0.1"``) and without the dashboard, which by default listens
# on every network interface. Its two workers are threads of this process
# (``processes=False``), so that the example runs as it is: a script that
# starts worker processes must keep that code under ``if __name__ ==
# "__main__":``, because each worker process imports the script again.
# Threads would talk in-process and bind the HTTP servers to every interface
# unless told ``protocol="tcp://"``. On a real cluster,
# ``Client("tcp://scheduler:8786")`` replaces the two context managers.
import tempfile
import warnings
from pathlib import Path

import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier, BlockSource, fit_blocks

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=0
)
search = GridSearchCV(
    make_pipeline(StandardScaler(), BackpropMLPClassifier(max_iter=30, random_state=0)),
    {
        "backpropmlpclassifier__hidden_layer_sizes": [(32,), (64,)],
        "backpropmlpclassifier__alpha": [1e-4, 1e-1],
    },
    cv=3,
)
warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs, on purpose
with (
    LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster,
    Client(cluster),
    joblib.parallel_config(backend="dask"),
):
    on_cluster = search.fit(X_train, y_train).cv_results_["mean_test_score"]
serial = search.set_params(n_jobs=1).fit(X_train, y_train)
print(f"best: {serial.best_params_}, cross-validated {serial.best_score_:.3f}")
same_scores = np.array_equal(on_cluster, serial.cv_results_["mean_test_score"])
print(f"the same scores on the cluster as in a serial search: {same_scores}")

# %%
# Training on blocks of rows, with a validation set
# -------------------------------------------------
# Data larger than memory usually arrive in pieces: files, a dask array's
# chunks, a memory-mapped array. Here the digits are written as blocks of 100
# rows, ``X_<i>.npy`` and ``y_<i>.npy``, after scaling with statistics that a
# ``StandardScaler`` gathers block by block (``partial_fit``), as it would on
# real data. A held-out validation set, in memory, watches every epoch; with
# ``early_stopping=True`` training stops when the validation score stops
# improving, and the best weights are restored.
folder = Path(tempfile.mkdtemp())
# The last 200 training rows are the validation set; the rest go to blocks.
n_blocked = len(X_train) - 200
scaler = StandardScaler()
for start in range(0, n_blocked, 100):
    scaler.partial_fit(X_train[start : min(start + 100, n_blocked)])
for i, start in enumerate(range(0, n_blocked, 100)):
    rows = slice(start, min(start + 100, n_blocked))
    np.save(folder / f"X_{i}.npy", scaler.transform(X_train[rows]))
    np.save(folder / f"y_{i}.npy", y_train[rows])
X_val, y_val = scaler.transform(X_train[n_blocked:]), y_train[n_blocked:]

blocks = BlockSource.from_npy_folder(folder)
clf = BackpropMLPClassifier(
    hidden_layer_sizes=(64,),
    max_iter=200,
    early_stopping=True,
    n_iter_no_change=10,
    random_state=0,
)
fit_blocks(clf, blocks, classes=np.arange(10), X_val=X_val, y_val=y_val)
test_accuracy = clf.score(scaler.transform(X_test), y_test)
print(
    f"{blocks}: stopped after {clf.n_iter_} epochs, best validation accuracy "
    f"{clf.best_validation_score_:.3f}, test accuracy {test_accuracy:.3f}"
)

# %%
# When to use which, and what it costs
# ------------------------------------
# - **Many fits, each in memory** (grid and randomized searches,
#   cross-validation): the dask backend, on a cluster of more cores than
#   one machine has. On one machine it buys nothing: the search of
#   ``benchmarks/search.py`` (12 candidates x 5 folds on the digits) took
#   1.2-1.4 times as long on a 2-worker LocalCluster as with joblib's own
#   processes, plus 4-16 s to start the cluster; the scores were the same.
# - **One fit on data larger than memory**: ``fit_blocks``. The resident
#   memory is that of Python and its libraries (~150 MiB), the model and two
#   blocks: 172 MiB for 200,000 rows and 184 MiB for 2,000,000 rows of 100
#   float32 features, where an in-memory
#   fit of the latter needed 1,724 MiB; throughput was at least that of the
#   in-memory fit (``benchmarks/out_of_core.py``, figures in
#   ``benchmarks/README.md``).
# - **Both**: search on a sample that fits in memory, then train the chosen
#   candidate with ``fit_blocks`` on everything.
# - **Data that fit in memory**: plain ``fit``; blocks buy nothing there.
#
# The training curves of the out-of-core fit: one entry per epoch, as in
# memory, and the epoch whose weights were kept.
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the figures above are the result
    plt = None

if plt is not None:
    epochs = np.arange(1, clf.n_iter_ + 1)
    best = int(np.argmax(clf.validation_scores_)) + 1
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    ax.plot(epochs, clf.loss_curve_, label="training loss")
    ax.plot(epochs, clf.validation_loss_curve_, label="validation loss")
    ax.axvline(best, color="gray", linestyle=":", label=f"best epoch ({best})")
    ax.set(xlabel="epoch", ylabel="log-loss", yscale="log")
    ax.set_title(f"fit_blocks on {len(blocks)} blocks of digits, early stopping")
    ax.legend()
    plt.show()
