"""Benchmark our estimators against scikit-learn's MLPClassifier and MLPRegressor.

Run from the repository root::

    python benchmarks/bench.py            # the full table, a few minutes
    python benchmarks/bench.py --quick    # a smoke run on tiny data, < 1 minute
    python benchmarks/bench.py --only fit-small,predict --repeats 7

Every timed row runs the implementations in turn within each repeat (ours,
scikit-learn, then the matrix-multiply floor or PyTorch where the row has
them), so that a slow spell of a shared machine hits all of them alike, and
reports medians over the repeats and the ratios of those medians. BLAS is
pinned to the same number of threads for every implementation with
threadpoolctl (``--threads``, 1 by default: one thread is the steadiest
measure on a small shared machine, and numpy's element-wise work is
single-threaded anyway). Memory rows fit each model in a fresh subprocess
and report the peak of ``tracemalloc`` during ``fit`` (numpy reports its
allocations to tracemalloc; BLAS's internal buffers are not included), with
the data made before tracing starts.

A PyTorch column (a plain training loop on the same shapes, not the same
numbers) appears only when torch is installed; torch is never needed. It
runs in a process of its own (``TorchWorker``), with ``--threads`` threads:
torch's OpenMP threads in this process would spin on the cores that
OpenBLAS's and numba's threads need, and slow every other column.

``ours`` is the numpy path (``config_context(compiled=False)``), what an
install without the ``fast`` extra runs. When numba is installed a ``fast``
column adds the same fits with ``compiled="auto"``, what an install with the
extra runs: the compiled kernels on the large networks, numpy's on the small
ones. Before any row, one warm-up fit per solver and dtype loads (or
compiles) the kernels, and its time is printed: a process pays it once.

See benchmarks/README.md for what each row means.
"""

import argparse
import importlib.metadata
import importlib.util
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_info, threadpool_limits

from backprop_mlp import BackpropMLPClassifier, BackpropMLPRegressor, config_context

HAS_TORCH = importlib.util.find_spec("torch") is not None
FAST = importlib.util.find_spec("numba") is not None

# ---------------------------------------------------------------- data


def make_data(n_samples, n_features, n_classes, dtype=np.float64, seed=0):
    """Standardised data with an informative signal.

    Small problems come from ``make_classification``; wide ones from a random
    linear teacher, which is much faster to generate and just as good for
    timing.
    """
    if n_features <= 100:
        X, y = make_classification(
            n_samples,
            n_features,
            n_informative=min(n_features, 10),
            n_redundant=0,
            n_classes=n_classes,
            n_clusters_per_class=1,
            random_state=seed,
        )
    else:
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n_samples, n_features))
        teacher = rng.standard_normal((n_features, n_classes))
        y = np.argmax(X @ teacher + rng.standard_normal((n_samples, n_classes)), 1)
    return np.ascontiguousarray(X, dtype=dtype), y


def make_regression_data(n_samples, n_features, n_outputs, dtype=np.float64, seed=0):
    """Standard-normal features and smooth targets from a random tanh teacher."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    teacher = rng.standard_normal((n_features, n_outputs)) / np.sqrt(n_features)
    y = np.tanh(X @ teacher) + 0.1 * rng.standard_normal((n_samples, n_outputs))
    return X.astype(dtype), (y.ravel() if n_outputs == 1 else y)


# The fit configurations of the issue. ``epochs`` are forced (tol=0 and no
# early stop) so that both implementations do exactly the same work.
FIT_CONFIGS = {
    "tiny": dict(n=1_000, d=2, hidden=(4, 3), batch=32, classes=2, epochs=50),
    "small": dict(n=10_000, d=20, hidden=(32,), batch=200, classes=2, epochs=20),
    "mnist": dict(n=20_000, d=784, hidden=(256, 128), batch=256, classes=10, epochs=3),
}
QUICK_FIT_CONFIGS = {
    "tiny": dict(n=1_000, d=2, hidden=(4, 3), batch=32, classes=2, epochs=5),
    "small": dict(n=2_000, d=20, hidden=(32,), batch=200, classes=2, epochs=3),
    "mnist": dict(n=1_024, d=784, hidden=(256, 128), batch=256, classes=10, epochs=3),
}
LBFGS_CONFIGS = {
    "small": dict(n=10_000, d=20, hidden=(32,), classes=2, iters=100),
    "mnist": dict(n=5_000, d=784, hidden=(256, 128), classes=10, iters=20),
}
QUICK_LBFGS_CONFIGS = {
    "small": dict(n=1_000, d=20, hidden=(32,), classes=2, iters=10),
    "mnist": dict(n=500, d=784, hidden=(256, 128), classes=10, iters=3),
}


def estimator_params(cfg, solver, **extra):
    return dict(
        hidden_layer_sizes=cfg["hidden"],
        solver=solver,
        batch_size=cfg.get("batch", "auto"),
        max_iter=cfg.get("epochs", cfg.get("iters")),
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
        **extra,
    )


# ------------------------------------------------------------ timing


class _EpochClock:
    """Timestamps taken once per epoch; the gaps are epoch times."""

    def __init__(self):
        self.stamps = []

    def __call__(self, *args):
        self.stamps.append(time.perf_counter())

    def epoch_times(self):
        # Gaps between consecutive stamps only: the time up to the first
        # stamp also holds input validation and initialisation.
        return np.diff(self.stamps).tolist()


class _ClockedMLPClassifier(MLPClassifier):
    """scikit-learn's estimator with a timestamp at the end of every epoch."""

    def _update_no_improvement_count(self, *args, **kwargs):
        self._clock()
        return super()._update_no_improvement_count(*args, **kwargs)


def fit_ours(X, y, params, clock=None, compiled=False):
    clf = BackpropMLPClassifier(**params)
    if clock is not None:
        clf.set_params(callbacks=[clock])
    with config_context(compiled=compiled):
        return clf.fit(X, y)


def fit_fast(X, y, params, clock=None):
    return fit_ours(X, y, params, clock, compiled="auto")


def warm_up():
    """Load (or compile) every compiled kernel a row may use; return the time."""
    start = time.perf_counter()
    X, y = make_data(200, 40, 3)
    for dtype in (np.float64, np.float32):
        for solver in ("sgd", "adam", "lbfgs"):
            params = dict(hidden_layer_sizes=(300,), solver=solver, max_iter=2)
            params.update(random_state=0, batch_size=100)
            fit_ours(X.astype(dtype), y, params, compiled=True)
    return time.perf_counter() - start


def fit_sklearn(X, y, params, clock=None):
    clf = _ClockedMLPClassifier(**params)
    clf._clock = clock if clock is not None else (lambda: None)
    return clf.fit(X, y)


def fit_ours_regressor(X, y, params):
    return BackpropMLPRegressor(**params).fit(X, y)


def fit_sklearn_regressor(X, y, params):
    return MLPRegressor(**params).fit(X, y)


def fit_torch(X, y, params):
    """A plain PyTorch loop on the same shapes (same work, not the same numbers).

    Runs in :class:`TorchWorker`'s process, where torch is imported.
    """
    import torch

    torch.manual_seed(0)
    Xt = torch.from_numpy(X)
    n_classes = int(y.max()) + 1
    yt = torch.from_numpy(y).long()
    layers, n_in = [], X.shape[1]
    for n_out in params["hidden_layer_sizes"]:
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
        n_in = n_out
    layers.append(torch.nn.Linear(n_in, n_classes))
    model = torch.nn.Sequential(*layers).to(Xt.dtype)
    if params["solver"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    else:
        opt = torch.optim.SGD(
            model.parameters(), lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-4
        )
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = params["batch_size"]
    for _ in range(params["max_iter"]):
        for idx in torch.randperm(len(Xt)).split(batch):
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            opt.step()
    return model


def _torch_worker(conn, threads):
    """The loop of :class:`TorchWorker`'s process: time the fits asked for."""
    import torch

    torch.set_num_threads(threads)
    conn.send(torch.__version__)
    data = {}
    while (request := conn.recv()) is not None:
        shape, params = request
        if shape not in data:
            data.clear()  # one row's data at a time
            data[shape] = make_data(*shape)
        conn.send(timed(fit_torch, *data[shape], params))


class TorchWorker:
    """PyTorch's fits, timed in a process of their own.

    The process makes the same data as this one (``make_data`` is
    deterministic) and keeps the last row's, so that only the shapes and
    parameters cross the pipe.

    Parameters
    ----------
    threads : int
        torch's intra-op threads, the counterpart of ``--threads``.
    """

    def __init__(self, threads):
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_torch_worker, args=(child, threads), daemon=True
        )
        self._process.start()
        self.version = self._conn.recv()

    def fit_time(self, shape, params):
        """The time of one fit on ``make_data(*shape)`` with ``params``."""
        self._conn.send((shape, params))
        return self._conn.recv()

    def close(self):
        self._conn.send(None)
        self._process.join()


TORCH = None  # the TorchWorker, started by main() when torch is installed


def matmul_floor(layer_sizes, batch, n_samples, dtype):
    """A function timing the bare products of one epoch, nothing else.

    Per batch: ``a_{k-1} W_k`` for every layer, ``a_{k-1}^T dz_k`` for every
    layer and ``dz_k W_k^T`` for every layer but the first, on arrays of the
    right shapes and dtype, written into preallocated outputs.
    """
    rng = np.random.default_rng(0)
    L = len(layer_sizes) - 1
    a = [rng.standard_normal((batch, n)).astype(dtype) for n in layer_sizes]
    W = [None] + [
        rng.standard_normal((layer_sizes[k - 1], layer_sizes[k])).astype(dtype)
        for k in range(1, L + 1)
    ]
    z = [None] + [np.empty((batch, n), dtype) for n in layer_sizes[1:]]
    dW = [None] + [np.empty_like(w) for w in W[1:]]
    da = [np.empty((batch, n), dtype) for n in layer_sizes]
    # The same batch shapes an epoch visits, the last one possibly smaller.
    sizes = [batch] * (n_samples // batch)
    if n_samples % batch:
        sizes.append(n_samples % batch)

    def epoch():
        for m in sizes:
            for k in range(1, L + 1):
                np.dot(a[k - 1][:m], W[k], out=z[k][:m])
            for k in range(L, 0, -1):
                np.dot(a[k - 1][:m].T, z[k][:m], out=dW[k])
                if k > 1:
                    np.dot(z[k][:m], W[k].T, out=da[k - 1][:m])

    return epoch


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def interleave(runners, repeats):
    """Run each ``runners[name]()`` once per repeat, in turn; return the times.

    A runner returns either a time, or a list of times (epoch times) that
    are pooled over the repeats.
    """
    times = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            t = run()
            times[name].extend(t if isinstance(t, list) else [t])
    return {name: float(np.median(t)) for name, t in times.items()}


# --------------------------------------------------------------- rows


def fit_rows(configs, repeats):
    rows = []
    for cfg_name, cfg in configs.items():
        variants = [("sgd", np.float64), ("adam", np.float64)]
        if cfg_name == "mnist":
            variants += [("sgd", np.float32), ("adam", np.float32)]
        for solver, dtype in variants:
            shape = (cfg["n"], cfg["d"], cfg["classes"], dtype)
            X, y = make_data(*shape)
            params = estimator_params(cfg, solver)
            runners = {
                "ours": lambda X=X, y=y, p=params: timed(fit_ours, X, y, p),
                "sklearn": lambda X=X, y=y, p=params: timed(fit_sklearn, X, y, p),
            }
            if FAST:
                runners["fast"] = lambda X=X, y=y, p=params: timed(fit_fast, X, y, p)
            if TORCH is not None:
                runners["torch"] = lambda s=shape, p=params: TORCH.fit_time(s, p)
            med = interleave(runners, repeats)
            suffix = "" if dtype == np.float64 else " f32"
            rows.append(
                dict(
                    row=f"fit-{cfg_name} {solver}{suffix}",
                    what=f"{cfg['n']}x{cfg['d']} {cfg['hidden']} b{cfg['batch']}, "
                    f"{cfg['epochs']} epochs",
                    **med,
                )
            )
    return rows


def epoch_rows(configs, repeats):
    cfg = configs["mnist"]
    rows = []
    for dtype in (np.float64, np.float32):
        X, y = make_data(cfg["n"], cfg["d"], cfg["classes"], dtype)
        params = estimator_params(cfg, "adam")
        layer_sizes = [cfg["d"], *cfg["hidden"], cfg["classes"]]
        floor = matmul_floor(layer_sizes, cfg["batch"], cfg["n"], dtype)

        def clocked(fit, X=X, y=y, params=params):
            clock = _EpochClock()
            fit(X, y, params, clock)
            return clock.epoch_times()

        runners = {
            "ours": lambda: clocked(fit_ours),
            "sklearn": lambda: clocked(fit_sklearn),
            "floor": lambda floor=floor: timed(floor),
        }
        if FAST:
            runners["fast"] = lambda: clocked(fit_fast)
        med = interleave(runners, repeats)
        suffix = "" if dtype == np.float64 else " f32"
        rows.append(
            dict(
                row=f"epoch-mnist adam{suffix}",
                what=f"one epoch of {cfg['n']}x{cfg['d']} {cfg['hidden']} "
                f"b{cfg['batch']}",
                **med,
            )
        )
    return rows


def lbfgs_rows(configs, repeats):
    rows = []
    for cfg_name, cfg in configs.items():
        X, y = make_data(cfg["n"], cfg["d"], cfg["classes"])
        params = estimator_params(cfg, "lbfgs")
        params.pop("batch_size")
        params.update(max_fun=10**9)
        runners = {
            "ours": lambda X=X, y=y, p=params: timed(fit_ours, X, y, p),
            "sklearn": lambda X=X, y=y, p=params: timed(fit_sklearn, X, y, p),
        }
        if FAST:
            runners["fast"] = lambda X=X, y=y, p=params: timed(fit_fast, X, y, p)
        med = interleave(runners, repeats)
        rows.append(
            dict(
                row=f"fit-lbfgs {cfg_name}",
                what=f"{cfg['n']}x{cfg['d']} {cfg['hidden']}, {cfg['iters']} iter",
                **med,
            )
        )
    return rows


def regression_rows(fit_configs, lbfgs_configs, repeats):
    """MLPRegressor against ours on the shapes of the classifier's fit rows.

    ``classes`` becomes the number of outputs (10 on the MNIST shape).
    """
    rows = []
    variants = [
        (name, cfg, solver)
        for name, cfg in fit_configs.items()
        for solver in ("sgd", "adam")
    ]
    variants += [(name, cfg, "lbfgs") for name, cfg in lbfgs_configs.items()]
    for cfg_name, cfg, solver in variants:
        n_outputs = 1 if cfg["classes"] == 2 else cfg["classes"]
        X, y = make_regression_data(cfg["n"], cfg["d"], n_outputs)
        params = estimator_params(cfg, solver)
        if solver == "lbfgs":
            params.pop("batch_size")
            params.update(max_fun=10**9)
        runners = {
            "ours": lambda X=X, y=y, p=params: timed(fit_ours_regressor, X, y, p),
            "sklearn": lambda X=X, y=y, p=params: timed(fit_sklearn_regressor, X, y, p),
        }
        med = interleave(runners, repeats)
        work = (
            f"{cfg['iters']} iter" if solver == "lbfgs" else f"{cfg['epochs']} epochs"
        )
        batch = "" if solver == "lbfgs" else f" b{cfg['batch']}"
        rows.append(
            dict(
                row=f"reg-{cfg_name} {solver}",
                what=f"{cfg['n']}x{cfg['d']} {cfg['hidden']}{batch}, {n_outputs} "
                f"output(s), {work}",
                **med,
            )
        )
    return rows


def predict_rows(quick, repeats):
    rows = []
    specs = [
        ("predict-1", 1, 20, (32,), 2),
        ("predict-1 wide", 1, 784, (256, 128), 10),
        ("predict-100k", 100_000, 20, (32,), 2),
        ("predict-100k wide", 100_000, 100, (100,), 10),
    ]
    for name, n_rows, d, hidden, classes in specs:
        if quick:
            n_rows = min(n_rows, 5_000)
        X, y = make_data(2_000, d, classes)
        params = dict(hidden_layer_sizes=hidden, max_iter=2, random_state=0)
        ours, theirs = fit_ours(X, y, params), MLPClassifier(**params).fit(X, y)
        X_pred = make_data(max(n_rows, 2), d, classes, seed=1)[0][:n_rows]
        # Calls per timing, so that a one-row call is timed over ~0.1 s.
        calls = 1 if n_rows > 1 else (200 if quick else 2_000)

        def run(model, X_pred=X_pred, calls=calls):
            start = time.perf_counter()
            for _ in range(calls):
                model.predict_proba(X_pred)
            return (time.perf_counter() - start) / calls

        med = interleave(
            {"ours": lambda m=ours: run(m), "sklearn": lambda m=theirs: run(m)},
            repeats,
        )
        rows.append(
            dict(row=name, what=f"{n_rows}x{d} on {hidden}, predict_proba", **med)
        )
    return rows


_MEMORY_CHILD = """
import json, resource, sys, tracemalloc, warnings
import numpy as np
sys.path.insert(0, {bench_dir!r})
import bench
warnings.filterwarnings("ignore")
spec = json.loads(sys.argv[1])
X, y = bench.make_data(spec["n"], spec["d"], spec["classes"], np.dtype(spec["dtype"]))
cls = (bench.BackpropMLPClassifier if spec["impl"] == "ours"
       else bench.MLPClassifier)
clf = cls(**spec["params"])
with bench.threadpool_limits(spec["threads"]):
    tracemalloc.start()
    clf.fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
print(json.dumps(dict(peak=peak, X=X.nbytes)))
"""


def memory_rows(quick, threads):
    n = 2_000 if quick else 20_000
    specs = [
        ("mem-fit mnist adam", dict(dtype="float64")),
        ("mem-fit mnist adam f32", dict(dtype="float32")),
        ("mem-fit mnist sgd", dict(dtype="float64", solver="sgd")),
        ("mem-fit mnist early_stopping", dict(dtype="float64", early_stopping=True)),
        ("mem-fit mnist lbfgs", dict(dtype="float64", solver="lbfgs", n=n // 4)),
    ]
    rows = []
    child = _MEMORY_CHILD.format(bench_dir=os.path.dirname(os.path.abspath(__file__)))
    for name, spec in specs:
        dtype = spec.pop("dtype")
        n_rows = spec.pop("n", n)
        params = dict(
            hidden_layer_sizes=(256, 128),
            batch_size=256,
            max_iter=1,
            random_state=0,
            **spec,
        )
        peaks = {}
        for impl in ("ours", "sklearn"):
            job = dict(
                n=n_rows,
                d=784,
                classes=10,
                dtype=dtype,
                impl=impl,
                params=params,
                threads=threads,
            )
            out = subprocess.run(
                [sys.executable, "-c", child, json.dumps(job)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            peaks[impl] = result["peak"] / 2**20
            x_mib = result["X"] / 2**20
        rows.append(
            dict(
                row=name,
                what=f"{n_rows}x784 {dtype}, X is {x_mib:.0f} MiB; peak MiB",
                unit="MiB",
                **peaks,
            )
        )
    return rows


# ------------------------------------------------------------ report


def machine_info(threads):
    cpu = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    blas = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')})"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}; "
        f"BLAS {', '.join(sorted(set(blas)))}; BLAS threads pinned to {threads}"
        + (f"; torch {TORCH.version} (own process)" if TORCH is not None else "")
        + (f"; numba {importlib.metadata.version('numba')}" if FAST else "")
    )


def format_table(rows):
    has = {key: any(key in r for r in rows) for key in ("fast", "floor", "torch")}
    header = ["row", "ours", "sklearn", "ours/sklearn"]
    if has["fast"]:
        header += ["fast", "fast/sklearn"]
    if has["floor"]:
        header += ["floor", "ours/floor", "sklearn/floor"]
        header += ["fast/floor"] if has["fast"] else []
    if has["torch"]:
        header += ["torch", "ours/torch"] + (["fast/torch"] if has["fast"] else [])
    header += ["what"]

    def fmt_value(r, key):
        if key not in r:
            return ""
        if r.get("unit") == "MiB":
            return f"{r[key]:.1f}"
        v = r[key]
        return f"{v * 1e3:.3f} ms" if v < 0.01 else f"{v:.3f} s"

    def ratio(r, num, den):
        return f"{r[num] / r[den]:.2f}" if num in r and den in r else ""

    lines = []
    for r in rows:
        cells = [r["row"], fmt_value(r, "ours"), fmt_value(r, "sklearn")]
        cells.append(ratio(r, "ours", "sklearn"))
        if has["fast"]:
            cells += [fmt_value(r, "fast"), ratio(r, "fast", "sklearn")]
        if has["floor"]:
            cells += [fmt_value(r, "floor"), ratio(r, "ours", "floor")]
            cells.append(ratio(r, "sklearn", "floor"))
            cells += [ratio(r, "fast", "floor")] if has["fast"] else []
        if has["torch"]:
            cells += [fmt_value(r, "torch"), ratio(r, "ours", "torch")]
            cells += [ratio(r, "fast", "torch")] if has["fast"] else []
        cells.append(r["what"])
        lines.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *lines, strict=True)]

    def line(cells):
        cells = (str(c).ljust(w) for c, w in zip(cells, widths, strict=True))
        return "  ".join(cells).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([sep, line(header), sep, *map(line, lines), sep])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny data, < 1 minute")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated substrings; run only the groups or rows matching "
        "one (groups: fit, epoch, lbfgs, reg, predict, mem)",
    )
    parser.add_argument("--repeats", type=int, default=None, help="default 5 (3)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    only = [s for s in args.only.split(",") if s]
    fit_cfgs = QUICK_FIT_CONFIGS if args.quick else FIT_CONFIGS
    lbfgs_cfgs = QUICK_LBFGS_CONFIGS if args.quick else LBFGS_CONFIGS

    def wanted(group, cfgs=None):
        """Keep the configurations of ``group`` that ``--only`` selects."""
        if not only:
            return cfgs if cfgs is not None else True
        if any(s in group for s in only):
            return cfgs if cfgs is not None else True
        if cfgs is None:
            return False
        return {k: v for k, v in cfgs.items() if any(s in f"{group}-{k}" for s in only)}

    warnings.filterwarnings("ignore")
    global TORCH
    if HAS_TORCH:
        TORCH = TorchWorker(args.threads)
    print(machine_info(args.threads), flush=True)
    if FAST:
        with threadpool_limits(limits=args.threads):
            print(f"Warm-up of the compiled kernels: {warm_up():.2f} s", flush=True)
    groups = [
        ("fit", lambda c: fit_rows(c, repeats), fit_cfgs),
        ("epoch", lambda c: epoch_rows(c, repeats), fit_cfgs),
        ("fit-lbfgs", lambda c: lbfgs_rows(c, repeats), lbfgs_cfgs),
        (
            "reg",
            lambda c: regression_rows(
                {k: v for k, v in c.items() if k in fit_cfgs},
                {k: v for k, v in lbfgs_cfgs.items() if k in c},
                repeats,
            ),
            fit_cfgs,
        ),
        ("predict", lambda c: predict_rows(args.quick, repeats), None),
        ("mem", lambda c: memory_rows(args.quick, args.threads), None),
    ]
    rows = []
    with threadpool_limits(limits=args.threads):
        for group, make_rows, cfgs in groups:
            selected = wanted(group, cfgs)
            if not selected:
                continue
            if group == "epoch" and "mnist" not in selected:
                continue
            started = time.perf_counter()
            new = make_rows(selected if cfgs is not None else None)
            rows += new
            print(format_table(new), f"({time.perf_counter() - started:.0f} s)")
            print(flush=True)
    print("All rows:")
    print(format_table(rows))
    if TORCH is not None:
        TORCH.close()


if __name__ == "__main__":
    main()
