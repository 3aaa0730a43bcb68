"""A parallel search with the compiled kernels and with numpy's, side by side.

Run from the repository root (needs numba, the ``fast`` extra)::

    python benchmarks/search_compiled.py
    python benchmarks/search_compiled.py --repeats 5

``GridSearchCV(n_jobs=2)`` over a 784-256-128-10 network (Adam, 2 epochs,
4 candidates x 2 folds, then the refit), once with every fit on numpy's
kernels and once on the compiled ones, interleaved over repeats, medians;
before them, one search on each path is timed apart, since it pays what
each worker process pays once (numba's import and loading its cached
kernels, on the compiled path).
joblib limits each of its 2 workers to one BLAS thread, so the compiled
kernels must run on one thread there too: this shows they do (the threads
each worker would give them are printed) and that the search is not slowed
by oversubscribed cores.

The configuration (``config_context``) is per thread, and joblib's worker
processes start from the default ``compiled="auto"``; each path is forced
here by a subclass whose ``fit`` sets it.
"""

import argparse
import time
import warnings

from bench import interleave, make_data
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from backprop_mlp import BackpropMLPClassifier, config_context


class NumpyKernels(BackpropMLPClassifier):
    def fit(self, X, y, **params):
        with config_context(compiled=False):
            return super().fit(X, y, **params)


class CompiledKernels(BackpropMLPClassifier):
    def fit(self, X, y, **params):
        with config_context(compiled=True):
            return super().fit(X, y, **params)


PATHS = {"numpy": NumpyKernels, "compiled": CompiledKernels}


def threads_in_a_worker():
    from backprop_mlp._operations import operations_for

    # What a large fit in this worker gets under the default compiled="auto".
    ops = operations_for(10**6)
    return ops.n_threads, ops.parallel


def search(cls, X, y):
    start = time.perf_counter()
    estimator = cls((256, 128), batch_size=256, max_iter=2, random_state=0)
    grid = {"alpha": [1e-4, 1e-3], "learning_rate_init": [1e-3, 3e-3]}
    GridSearchCV(estimator, grid, cv=2, n_jobs=2).fit(X, y)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    X, y = make_data(8_000, 784, 10)
    found = Parallel(n_jobs=2)(delayed(threads_in_a_worker)() for _ in range(2))
    print(f"compiled kernels in each worker: (threads, parallel) = {found}")
    # The first search on each path pays its once-per-process costs in every
    # worker (numba's import and cached kernels: ~0.5 s of CPU each), which
    # the repeats below leave out.
    first = {name: search(cls, X, y) for name, cls in PATHS.items()}
    print(
        "first searches (once per worker process): "
        + ", ".join(f"{name} {t:.2f} s" for name, t in first.items())
    )
    med = interleave(
        {name: lambda cls=cls: search(cls, X, y) for name, cls in PATHS.items()},
        args.repeats,
    )
    print(
        f"GridSearchCV(n_jobs=2), 8 fits + refit: numpy {med['numpy']:.2f} s, "
        f"compiled {med['compiled']:.2f} s, "
        f"compiled/numpy {med['compiled'] / med['numpy']:.2f}"
    )


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    main()
