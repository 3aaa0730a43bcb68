"""What a continued fit costs beyond its epoch, against MLPClassifier (issue 20).

Run from the repository root::

    python benchmarks/continuation.py              # every part, ~6 minutes
    python benchmarks/continuation.py --quick      # a smoke run, 1-2 minutes
    python benchmarks/continuation.py --only calls,import
    python benchmarks/continuation.py --profile    # where a continued call goes

Three parts, each measured side by side in one run (the implementations in
turn within each repeat, medians over the repeats), so that a slow spell of
a shared machine hits all of them alike; compare the differences and ratios,
not the absolute times.

``calls``: on digits scaled to [0, 1] (``load_digits``, X / 16), a network
with ``hidden_layer_sizes=(32,)``, ``tol=0``, ``random_state=0`` (Adam,
batch 200) and ``n_iter_no_change`` huge, so that no call ends its run early
and every call trains its epochs, BLAS on ``--threads`` threads; per call:

- *continued 1-epoch fit*: after a 10-epoch fit, ``fit`` with ``max_iter=1``
  and ``warm_start="continue"`` (ours; the same run goes on) or
  ``warm_start=True`` (``MLPClassifier``: the weights go on, its optimizer
  starts anew), on the same ``X`` and ``y`` objects, as a search's worker
  continues a candidate; each call is checked to add exactly one epoch;
- *fresh 1-epoch fit*: ``fit`` with ``max_iter=1`` from new weights;
- *one bare epoch*: ours, the core's ``Trainer.run_epoch`` (shuffle and
  batches, no estimator) on a network, Adam optimizer and loader built as the
  fit builds them; scikit-learn's has no such entry point, so it is the gap
  between the ends of consecutive epochs inside one warm-started fit
  (timestamps taken where ``_update_no_improvement_count`` is called, as
  ``bench.py``'s epoch rows take them): its shuffle, its batches, and its few
  lines of end-of-epoch bookkeeping;
- *epoch inside a fit*: for both, a continued 5-epoch call less a continued
  1-epoch call, over 4: a cross-check of the bare epochs, by one method for
  both (over 4 epochs rather than 1, because a difference of two noisy
  medians is noisier than either).

The line the target of issue 20 reads from is "continued call above its
epoch": the continued 1-epoch call less the bare epoch.

``import``: the wall time of ``python -c "import backprop_mlp"`` and of
``python -c "import sklearn.neural_network"``, less that of
``python -c "pass"``, each in fresh subprocesses taking turns, medians, with
the subprocesses' CPU time beside (steadier on a busy machine); then, from
``python -X importtime``, the modules that ``import backprop_mlp`` loads
beyond those of ``import sklearn.neural_network``, by package.

``search``: ``GridSearchCV(Pipeline([StandardScaler(), est]), 12 candidates x
5 folds, n_jobs=2)`` on digits (``hidden_layer_sizes`` (32,)/(64,) x
``alpha`` 1e-4/1e-2 x ``learning_rate_init`` 1e-3/3e-3/1e-2, ``max_iter=50``,
``random_state=0``), ours and ``MLPClassifier`` in turn, after an untimed
search of each that starts the workers and imports both libraries in them.
ConvergenceWarnings are silenced in the workers: scikit-learn's ``Parallel``
(1.7 and later) hands each task the warnings filters of the process that
started it; with an older scikit-learn, ``PYTHONWARNINGS=ignore`` is set
before the workers start. The largest difference between the two searches'
``mean_test_score`` is printed: both do the same 61 fits.

``--profile`` runs cProfile over a few hundred continued 1-epoch calls of
ours and prints the top 25 entries by cumulative time.
"""

import argparse
import compileall
import cProfile
import io
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
import sklearn
from bench import _ClockedMLPClassifier, interleave, machine_info, timed
from core import epoch_runner, make_network
from search import search
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import backprop_mlp
from backprop_mlp import BackpropMLPClassifier
from backprop_mlp._batches import BatchLoader
from backprop_mlp._optimizers import Adam

# The network of issue 20's measurements. n_iter_no_change is huge so that
# the plateau rule never ends a run: a continued call then always trains.
PARAMS = dict(hidden_layer_sizes=(32,), tol=0.0, random_state=0)
PARAMS.update(n_iter_no_change=10**9)
CONTINUE = {BackpropMLPClassifier: "continue", MLPClassifier: True}
TARGET_ABOVE_EPOCH = 1.5e-3  # seconds
TARGET_IMPORT_GAP = 0.1  # seconds
TARGET_SEARCH_RATIO = 0.4

SEARCH_GRID = {
    "mlp__hidden_layer_sizes": [(32,), (64,)],
    "mlp__alpha": [1e-4, 1e-2],
    "mlp__learning_rate_init": [1e-3, 3e-3, 1e-2],
}


def digits_scaled():
    """Digits with its pixels scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return X / 16, y


# ----------------------------------------------------------------- calls


def epochs_of(estimator):
    """The epochs the estimator's weights were trained for, over all fits."""
    # loss_curve_ grows with every epoch of a warm start in both libraries;
    # scikit-learn's n_iter_ counts the last fit's epochs only.
    return len(estimator.loss_curve_)


def continued(cls, X, y, max_iter, calls):
    """Time per call of ``calls`` continued fits of ``max_iter`` epochs each."""
    estimator = cls(warm_start=CONTINUE[cls], max_iter=10, **PARAMS).fit(X, y)
    estimator.set_params(max_iter=max_iter)

    def run():
        before = epochs_of(estimator)
        elapsed = timed(_fit_repeatedly, estimator, X, y, calls)
        if epochs_of(estimator) != before + max_iter * calls:
            raise RuntimeError(
                f"{cls.__name__}: a continued call did not train its "
                f"{max_iter} epoch(s); the timing would not be of a continuation."
            )
        return elapsed / calls

    return run


def fresh(cls, X, y, calls):
    """Time per call of ``calls`` fits of one epoch from new weights."""
    estimator = cls(max_iter=1, **PARAMS)
    return lambda: timed(_fit_repeatedly, estimator, X, y, calls) / calls


def _fit_repeatedly(estimator, X, y, calls):
    for _ in range(calls):
        estimator.fit(X, y)


def bare_epoch_ours(X, y, calls):
    """Time per epoch of the core's ``Trainer.run_epoch``, as our fit builds it.

    A fit's network for these data: 64-32-10, relu, softmax, its operations
    chosen as a fit chooses them, Adam with the default learning rate and
    L2 penalty, batches of 200 rows visited in a new shuffled order each epoch.
    """
    Y = np.eye(10, dtype=bool)[y]
    net = make_network([X.shape[1], *PARAMS["hidden_layer_sizes"], 10], X.dtype, "auto")
    adam = Adam(net.params.size, net.dtype, 1e-3, ops=net.ops)
    loader = BatchLoader(X, Y, None, None, min(200, X.shape[0]))
    epoch = epoch_runner(net, adam, loader, alpha=1e-4, shuffle=True)

    def run():
        start = time.perf_counter()
        for _ in range(calls):
            epoch()
        return (time.perf_counter() - start) / calls

    return run


def bare_epoch_sklearn(X, y, calls):
    """Mean gap between the ends of consecutive epochs in a warm-started fit."""
    stamps = []
    estimator = _ClockedMLPClassifier(warm_start=True, max_iter=10, **PARAMS)
    estimator._clock = lambda: None
    estimator.fit(X, y)
    estimator.set_params(max_iter=calls + 1)
    estimator._clock = lambda: stamps.append(time.perf_counter())

    def run():
        stamps.clear()
        estimator.fit(X, y)
        if len(stamps) != calls + 1:
            raise RuntimeError(
                f"{len(stamps)} epoch stamps in a fit of {calls + 1} epochs: this "
                "scikit-learn no longer calls _update_no_improvement_count once "
                "an epoch, so its epochs cannot be timed this way."
            )
        return (stamps[-1] - stamps[0]) / calls

    return run


def calls_part(repeats, calls):
    X, y = digits_scaled()
    runners = {}
    for name, cls in (("ours", BackpropMLPClassifier), ("sklearn", MLPClassifier)):
        runners[name, "continued 1-epoch fit"] = continued(cls, X, y, 1, calls)
        runners[name, "fresh 1-epoch fit"] = fresh(cls, X, y, calls)
        runners[name, "continued 5-epoch fit"] = continued(cls, X, y, 5, calls)
    runners["ours", "one bare epoch"] = bare_epoch_ours(X, y, calls)
    runners["sklearn", "one bare epoch"] = bare_epoch_sklearn(X, y, calls)
    med = interleave(runners, repeats)
    for name in ("ours", "sklearn"):
        one = med[name, "continued 1-epoch fit"]
        five = med[name, "continued 5-epoch fit"]
        med[name, "epoch inside a fit"] = (five - one) / 4
        med[name, "continued call above its epoch"] = one - med[name, "one bare epoch"]
        fresh_call = med[name, "fresh 1-epoch fit"]
        med[name, "fresh call above its epoch"] = (
            fresh_call - med[name, "one bare epoch"]
        )
    rows = [
        "continued 1-epoch fit",
        "fresh 1-epoch fit",
        "one bare epoch",
        "epoch inside a fit",
        "continued call above its epoch",
        "fresh call above its epoch",
    ]
    print(
        f"\nCalls: digits {X.shape[0]}x{X.shape[1]} / 16, hidden (32,), adam, "
        f"batch 200; per call, median of {repeats} repeats of {calls} calls"
    )
    print(f"  {'':<36} {'ours':>9} {'sklearn':>9} {'ours/sklearn':>13}")
    for row in rows:
        ours, theirs = med["ours", row], med["sklearn", row]
        print(
            f"  {row:<36} {ours * 1e3:6.2f} ms {theirs * 1e3:6.2f} ms "
            f"{ours / theirs:13.2f}"
        )
    above = med["ours", "continued call above its epoch"]
    print(
        f"continued call above its epoch: {above * 1e3:.2f} ms "
        f"(target {TARGET_ABOVE_EPOCH * 1e3:.1f} ms)",
        flush=True,
    )


# ---------------------------------------------------------------- import

# Each process ends with os._exit: the time to tear the interpreter down
# (0.1 to 0.2 s here, and noisy) is not the import's.
STATEMENTS = {
    "nothing": "import os; os._exit(0)",
    "sklearn.neural_network": "import sklearn.neural_network, os; os._exit(0)",
    "backprop_mlp": "import backprop_mlp, os; os._exit(0)",
}


def _run(statement):
    """The wall and CPU time of a fresh ``python -c statement``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(subprocess.run, [sys.executable, "-c", statement], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def _own_import_times(statement):
    """``{module: its own import time in s}`` from ``python -X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    own = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        own[name.strip()] = int(self_us) * 1e-6
    return own


def _package(module):
    # scikit-learn's subpackages apart: which of them we add is the question.
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "sklearn" else parts[0]


def import_part(repeats):
    # Compiled bytecode, as an installed package has it: with
    # PYTHONDONTWRITEBYTECODE set (as on some machines, this one included) an
    # editable install recompiles every module at every import, some 50 ms
    # that no user pays, while scikit-learn's wheel ships its .pyc files.
    import backprop_mlp

    compileall.compile_dir(os.path.dirname(backprop_mlp.__file__), quiet=1)
    for statement in STATEMENTS.values():
        _run(statement)  # the files into the page cache
    times = {name: [] for name in STATEMENTS}
    for _ in range(repeats):
        for name, statement in STATEMENTS.items():
            times[name].append(_run(statement))
    med = {
        name: [statistics.median(t[i] for t in runs) for i in (0, 1)]
        for name, runs in times.items()
    }
    print(
        "\nImport, a fresh python less python -c pass, wall (CPU, steadier on "
        f"a shared machine), median of {repeats}:"
    )
    gap = {}
    for name in ("backprop_mlp", "sklearn.neural_network"):
        wall, cpu = (med[name][i] - med["nothing"][i] for i in (0, 1))
        gap[name] = wall, cpu
        print(f"  import {name:<24} {wall:6.3f} s  ({cpu:.3f} s CPU)")
    wall, cpu = (
        gap["backprop_mlp"][i] - gap["sklearn.neural_network"][i] for i in (0, 1)
    )
    print(
        f"import backprop_mlp above import sklearn.neural_network: {wall:.3f} s "
        f"({cpu:.3f} s CPU) (target {TARGET_IMPORT_GAP:.1f} s)"
    )
    beyond = {}
    for _ in range(3):
        extra = _own_import_times(STATEMENTS["backprop_mlp"])
        for name in _own_import_times(STATEMENTS["sklearn.neural_network"]):
            extra.pop(name, None)
        for name, t in extra.items():
            beyond.setdefault(name, []).append(t)
    packages = {}
    for name, t in beyond.items():
        count, total = packages.get(_package(name), (0, 0.0))
        packages[_package(name)] = count + 1, total + statistics.median(t)
    print(
        "  loaded beyond sklearn.neural_network's modules, by package "
        "(own times of -X importtime, median of 3):"
    )
    for package, (count, total) in sorted(packages.items(), key=lambda p: -p[1][1]):
        print(f"    {total * 1e3:7.1f} ms  {package} ({count} modules)")
    sys.stdout.flush()


# ---------------------------------------------------------------- search


def search_part(repeats, max_iter):
    major_minor = tuple(int(part) for part in sklearn.__version__.split(".")[:2])
    if major_minor < (1, 7):
        # No filters handed to the tasks: the workers must start quiet.
        os.environ.setdefault("PYTHONWARNINGS", "ignore")
    X, y = load_digits(return_X_y=True)
    for cls in (BackpropMLPClassifier, MLPClassifier):
        search(cls(max_iter=1), X, y, SEARCH_GRID)  # start the workers
    params = dict(max_iter=max_iter, random_state=0)
    times, scores = {"ours": [], "sklearn": []}, {}
    for _ in range(repeats):
        for name, cls in (("ours", BackpropMLPClassifier), ("sklearn", MLPClassifier)):
            seconds, grid = search(cls(**params), X, y, SEARCH_GRID)
            times[name].append(seconds)
            scores[name] = grid.cv_results_["mean_test_score"]
    ours, theirs = np.median(times["ours"]), np.median(times["sklearn"])
    gap = np.max(np.abs(scores["ours"] - scores["sklearn"]))
    n_candidates = int(np.prod([len(v) for v in SEARCH_GRID.values()]))
    print(
        f"\nGridSearchCV(Pipeline(StandardScaler, est)), {n_candidates} candidates "
        f"x 5 folds, n_jobs=2, digits, max_iter={max_iter}; median of {repeats}:"
    )
    print(f"  ours {ours:.2f} s, sklearn {theirs:.2f} s, max |score gap| {gap:.1e}")
    print(
        f"search ours/sklearn: {ours / theirs:.2f} "
        f"(target at most {TARGET_SEARCH_RATIO})",
        flush=True,
    )


# --------------------------------------------------------------- profile


def profile(calls):
    """cProfile over ``calls`` continued 1-epoch calls of ours; the top 25."""
    X, y = digits_scaled()
    estimator = BackpropMLPClassifier(warm_start="continue", max_iter=10, **PARAMS)
    estimator.fit(X, y).set_params(max_iter=1)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(_fit_repeatedly, estimator, X, y, calls)
    elapsed = time.perf_counter() - start
    print(
        f"\ncProfile of {calls} continued 1-epoch calls of ours "
        f"({elapsed / calls * 1e3:.2f} ms a call under the profiler):"
    )
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


# ------------------------------------------------------------------ main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument(
        "--only", default="calls,import,search", help="parts: calls, import, search"
    )
    parser.add_argument("--repeats", type=int, default=None, help="default 15 (3)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (calls)")
    parser.add_argument(
        "--profile", action="store_true", help="only profile continued calls"
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 15)
    warnings.filterwarnings("ignore")
    print(
        f"backprop_mlp {backprop_mlp.__version__}; {machine_info(args.threads)}",
        flush=True,
    )
    if args.profile:
        with threadpool_limits(limits=args.threads):
            profile(50 if args.quick else 300)
        return
    parts = args.only.split(",")
    if "calls" in parts:
        with threadpool_limits(limits=args.threads):
            calls_part(repeats, 5 if args.quick else 20)
    if "import" in parts:
        import_part(repeats)
    if "search" in parts:
        search_part(1 if args.quick else min(repeats, 3), 5 if args.quick else 50)


if __name__ == "__main__":
    main()
