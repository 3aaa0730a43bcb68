"""Tests of the kernel choice and of the compiled kernels against numpy's.

The oracle is the numpy path, the reference: whole fits, and each kernel on
its own, must give bit-identical results on the compiled path
(``np.testing.assert_array_equal``, and the same signs of zeros). The choice
of path is tested against its rules: the configuration, the size of the
network, and whether numba imports, which a small fit must never do.
"""

import importlib.util
import os
import pickle
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import backprop_mlp
from backprop_mlp import (
    BackpropMLPClassifier,
    _operations,
    config_context,
    get_config,
    set_config,
)
from backprop_mlp._activations import ACTIVATIONS
from backprop_mlp._optimizers import SGD, Adam

# The fits here are short on purpose: only their two paths are compared.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The compiled path: numba installed, and numpy 2, whose rounding it copies.
HAS_NUMBA = importlib.util.find_spec("numba") is not None and _operations.NUMPY_2
needs_numba = pytest.mark.skipif(
    not HAS_NUMBA, reason="needs numba ('fast') and numpy >= 2"
)

DTYPES = [np.float64, np.float32]
COMPILED_ACTIVATIONS = ["relu", "leaky_relu", "logistic", "tanh"]


def make_data(dtype, n_samples=120, n_features=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features)).astype(dtype)
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 0.8)
    return X, y


def fit(compiled, X, y, sample_weight=None, **params):
    params = {
        "hidden_layer_sizes": (9, 7),
        "max_iter": 8,
        "batch_size": 32,
        "random_state": 0,
        **params,
    }
    with config_context(compiled=compiled):
        return BackpropMLPClassifier(**params).fit(X, y, sample_weight=sample_weight)


def assert_same_fits(X, y, sample_weight=None, **params):
    """Fit on numpy's kernels, then on the compiled ones: all must be equal."""
    a = fit(False, X, y, sample_weight, **params)
    b = fit(True, X, y, sample_weight, **params)
    if params.get("solver", "adam") != "lbfgs":
        # Else the test would pass however the compiled kernels computed.
        assert not a._optimizer.ops.compiled
        assert b._optimizer.ops.compiled
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


# ---------------------------------------------------------- whole fits


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize(
    "solver, dropout",
    [("sgd", 0.0), ("sgd", 0.3), ("adam", 0.0), ("adam", 0.3), ("lbfgs", 0.0)],
)
def test_compiled_fit_equals_numpy_fit(solver, dropout, activation, dtype):
    X, y = make_data(dtype)
    params = dict(solver=solver, activation=activation, dropout=dropout)
    assert_same_fits(X, y, **params)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "params",
    [
        # numpy float64 hyperparameters: numpy computes float32 steps with
        # them in float64 and rounds, which the kernels must follow.
        dict(solver="adam", beta_1=np.float64(0.8), epsilon=np.float64(1e-7)),
        dict(solver="adam", learning_rate_init=np.float64(0.01)),
        dict(solver="sgd", momentum=np.float64(0.7), learning_rate="invscaling"),
        dict(solver="sgd", nesterovs_momentum=False, learning_rate="adaptive"),
        dict(solver="sgd", learning_rate="cosine", alpha=0.1),
    ],
    ids=["adam-np-betas", "adam-np-lr", "sgd-invscaling", "sgd-plain", "sgd-cosine"],
)
def test_compiled_fit_equals_numpy_fit_for_hyperparameters(params, dtype):
    X, y = make_data(dtype)
    assert_same_fits(X, y, **params)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_compiled_fit_equals_numpy_fit_with_sample_weight(solver, dtype):
    """Weights make the penalty's factor a numpy float64, not a Python float."""
    X, y = make_data(dtype)
    sample_weight = np.random.RandomState(1).uniform(0.1, 3, size=len(y))
    assert_same_fits(X, y, sample_weight, solver=solver, alpha=0.3)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_parallel_kernels_equal_numpy(solver, dtype, monkeypatch):
    """On two threads every kernel runs its parallel version, with the same results."""
    monkeypatch.setattr(_operations, "_MIN_PARALLEL_SIZE", 0)
    monkeypatch.setenv("NUMBA_NUM_THREADS", "2")  # opts in to threads
    X, y = make_data(dtype)
    with threadpool_limits(limits=2, user_api="blas"):
        kernels = _operations.operations_for(10**6)
        if not kernels.parallel:
            pytest.skip("numba has a single thread here")
        for activation in COMPILED_ACTIVATIONS:
            params = dict(solver=solver, activation=activation, dropout=0.2)
            assert_same_fits(X, y, **params)


@needs_numba
def test_partial_fit_switches_paths_with_the_same_numbers():
    """The path is chosen anew at each call; switching keeps the same numbers."""
    X, y = make_data(np.float64)
    models = []
    for paths in [(False, False, False), (True, False, True)]:
        clf = BackpropMLPClassifier((9,), random_state=0, batch_size=32)
        for compiled in paths:
            with config_context(compiled=compiled):
                clf.partial_fit(X, y, classes=[0, 1, 2])
            assert clf._optimizer.ops.compiled == compiled
        models.append(clf)
    for u, v in zip(models[0].coefs_, models[1].coefs_, strict=True):
        np.testing.assert_array_equal(u, v)


# -------------------------------------------------------- each kernel

SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-310, -1e-310, 1e-40, -1e-40]


def special_matrix(dtype, shape=(37, 23), seed=0):
    """Normal values with zeros of both signs, NaN, infinities and subnormals."""
    rng = np.random.RandomState(seed)
    z = rng.normal(scale=3, size=shape)
    z.flat[rng.choice(z.size, len(SPECIAL) * 4, replace=False)] = SPECIAL * 4
    return z.astype(dtype)


def assert_bitwise_equal(expected, actual):
    np.testing.assert_array_equal(expected, actual)
    np.testing.assert_array_equal(np.signbit(expected), np.signbit(actual))


@pytest.fixture(params=["one thread", "parallel"])
def kernels(request, monkeypatch):
    """Compiled kernels, on one thread or (when numba has two) on two."""
    if not HAS_NUMBA:
        pytest.skip("needs numba ('fast')")
    threads = 1 if request.param == "one thread" else 2
    monkeypatch.setattr(_operations, "_MIN_PARALLEL_SIZE", 0)
    monkeypatch.setenv("NUMBA_NUM_THREADS", "2")  # opts in to threads
    with threadpool_limits(limits=threads, user_api="blas"):
        with config_context(compiled=True):
            kernels = _operations.operations_for(1)
    if threads == 2 and not kernels.parallel:
        pytest.skip("numba has a single thread here")
    return kernels


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_compiled_activation_equals_numpy(kernels, name, dtype):
    z = special_matrix(dtype)
    act = ACTIVATIONS[name]
    expected = act.function(z, out=np.empty_like(z))
    assert_bitwise_equal(expected, kernels.activation(act).function(z))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", COMPILED_ACTIVATIONS)
def test_compiled_derivative_times_gradient_equals_numpy(kernels, name, dtype):
    act = ACTIVATIONS[name]
    z = special_matrix(dtype, seed=1)
    a = act.function(z.copy())
    if name in ("logistic", "tanh"):
        a[::5, ::3] = special_matrix(dtype, seed=2)[::5, ::3]  # hard values of a
    da = special_matrix(dtype, seed=3)
    with np.errstate(all="ignore"):
        expected = da * act.derivative(z, a)
        actual = kernels.activation(act).multiply_derivative(da.copy(), z, a)
    assert_bitwise_equal(expected, actual)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "make",
    [
        lambda n, dt: Adam(n, dt, 0.01),
        lambda n, dt: Adam(n, dt, np.float64(0.003), 0.5, np.float64(0.9), 1e-3),
        lambda n, dt: Adam(n, dt, np.float32(0.003), np.float32(0.5), 0.9, 1e-3),
        lambda n, dt: SGD(n, dt, 0.1, momentum=0.9, nesterov=True),
        lambda n, dt: SGD(n, dt, np.float64(0.07), momentum=0.5, nesterov=False),
    ],
    ids=[
        "adam",
        "adam-mixed-scalars",
        "adam-float32-scalars",
        "sgd-nesterov",
        "sgd-momentum",
    ],
)
def test_compiled_step_equals_numpy(kernels, make, dtype):
    # More entries than one slice of the numpy step and one parallel chunk.
    n = 70_001
    rng = np.random.RandomState(0)
    params = rng.normal(size=n).astype(dtype)
    reference, compiled = make(n, dtype), make(n, dtype)
    compiled.ops = kernels
    expected, actual = params.copy(), params.copy()
    for step in range(4):
        grad = rng.normal(scale=10.0 ** rng.randint(-8, 3), size=n).astype(dtype)
        grad[step::97] = 0.0
        reference.step(expected, grad)
        compiled.step(actual, grad)
        assert_bitwise_equal(expected, actual)
    for state, state_compiled in zip(
        reference._state(), compiled._state(), strict=True
    ):
        assert_bitwise_equal(state, state_compiled)


@needs_numba
def test_every_kernel_releases_the_gil():
    """As numpy's ufuncs do, so that fits in other threads run meanwhile."""
    from numba.core.registry import CPUDispatcher

    from backprop_mlp import _numba_kernels

    kernels = [
        value
        for value in vars(_numba_kernels).values()
        if isinstance(value, CPUDispatcher)
    ]
    assert len(kernels) >= 10
    assert [k.__name__ for k in kernels if not k.targetoptions.get("nogil")] == []


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "c",
    [0.1 / 3, np.float64(0.1 / 3), np.float32(0.1 / 3), 3],
    ids=["python-float", "numpy-float64", "numpy-float32", "int"],
)
def test_compiled_add_scaled_equals_numpy(kernels, c, dtype):
    # The penalty's gradient: a factor of each type numpy rounds differently.
    n = 70_001
    y, x = special_matrix(dtype, (2, n)).copy()
    expected, actual = y.copy(), y.copy()
    with np.errstate(all="ignore"):
        _operations.NumpyOperations(1, dtype).add_scaled(expected, c, x)
        kernels.add_scaled(actual, c, x)
    assert_bitwise_equal(expected, actual)


# ------------------------------------------------------ choosing a path


def test_config_defaults_set_and_context_restore():
    assert get_config() == {"compiled": "auto"}
    with config_context(compiled=False):
        assert get_config()["compiled"] is False
        with pytest.raises(RuntimeError), config_context(compiled=True):
            assert get_config()["compiled"] is True
            raise RuntimeError
        assert get_config()["compiled"] is False
    assert get_config()["compiled"] == "auto"
    set_config(compiled=False)
    try:
        assert get_config()["compiled"] is False
        set_config()  # None changes nothing
        assert get_config()["compiled"] is False
    finally:
        set_config(compiled="auto")


@pytest.mark.parametrize("bad", ["yes", 1, 0, "true", "AUTO"])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="compiled must be 'auto', True or False"):
        set_config(compiled=bad)
    assert get_config()["compiled"] == "auto"


def test_config_is_thread_local():
    seen = {}

    def other_thread():
        seen["compiled"] = get_config()["compiled"]

    with config_context(compiled=False):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert seen["compiled"] == "auto"


def test_numpy_path_when_off_or_small():
    big = _operations.MIN_COMPILED_PARAMS
    with config_context(compiled=False):
        assert not _operations.operations_for(10 * big).compiled
    assert not _operations.operations_for(big - 1).compiled  # 'auto', small


@needs_numba
def test_compiled_path_when_forced_or_large():
    assert _operations.operations_for(_operations.MIN_COMPILED_PARAMS).compiled
    with config_context(compiled=True):
        assert _operations.operations_for(1).compiled


def test_forced_compiled_path_without_numba_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba fails
    monkeypatch.setitem(sys.modules, "backprop_mlp._numba_kernels", None)
    monkeypatch.delattr(backprop_mlp, "_numba_kernels", raising=False)
    with config_context(compiled=True), pytest.raises(ImportError, match=r"\[fast\]"):
        _operations.operations_for(1)
    # 'auto' falls back to numpy's kernels instead.
    assert not _operations.operations_for(10 * _operations.MIN_COMPILED_PARAMS).compiled


@needs_numba
def test_one_thread_unless_opted_in(monkeypatch):
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    with threadpool_limits(limits=2, user_api="blas"):
        kernels = _operations.operations_for(_operations.MIN_COMPILED_PARAMS)
    assert kernels.n_threads == 1 and not kernels.parallel


@needs_numba
def test_threads_follow_blas_limit(monkeypatch):
    monkeypatch.setenv("NUMBA_NUM_THREADS", "2")
    with threadpool_limits(limits=1, user_api="blas"):
        kernels = _operations.operations_for(_operations.MIN_COMPILED_PARAMS)
    assert kernels.n_threads == 1 and not kernels.parallel
    with threadpool_limits(limits=2, user_api="blas"):
        kernels = _operations.operations_for(_operations.MIN_COMPILED_PARAMS)
        import numba

        assert kernels.n_threads == min(2, numba.config.NUMBA_NUM_THREADS)
        assert kernels.parallel == (kernels.n_threads > 1)
        # Fits in other threads may run side by side: one thread each.
        found = []
        thread = threading.Thread(
            target=lambda: found.append(
                _operations.operations_for(_operations.MIN_COMPILED_PARAMS)
            )
        )
        thread.start()
        thread.join()
        assert not found[0].parallel


@needs_numba
def test_pickled_optimizer_leaves_compiled_kernels_behind():
    X, y = make_data(np.float64)
    clf = fit(True, X, y, solver="adam")
    assert clf._optimizer.ops.compiled
    restored = pickle.loads(pickle.dumps(clf))
    assert not restored._optimizer.ops.compiled
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


_IMPORTS_OF_A_FIT = """
import sys
import numpy as np
from backprop_mlp import BackpropMLPClassifier, _operations
if sys.argv[1] == "lower-threshold":
    _operations.MIN_COMPILED_PARAMS = 10
X = np.random.RandomState(0).normal(size=(200, 20))
y = (X[:, 0] > 0).astype(int)
BackpropMLPClassifier((32,), max_iter=3).fit(X, y)
print("numba" in sys.modules)
"""


@pytest.mark.parametrize(
    "case, imports_numba",
    [
        ("default", False),
        pytest.param("lower-threshold", True, marks=needs_numba),
    ],
)
def test_small_fit_never_imports_numba(case, imports_numba):
    """A fresh process fitting a small network does not import numba.

    The same fit above a (lowered) size threshold does, so that the test can
    fail.
    """
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _IMPORTS_OF_A_FIT, case],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == str(imports_numba)


# ---------------------------------------------------- on-disk cache

_CACHED_KERNEL_RUN = """
import sys
import numpy as np
import backprop_mlp
from backprop_mlp import _numba_kernels as K

site = sys.argv[1]
assert backprop_mlp.__file__.startswith(site), backprop_mlp.__file__
try:
    open(site + "/backprop_mlp/probe", "w").close()
    sys.exit("the package is writable: the test would prove nothing")
except OSError:
    pass
p = np.zeros(10)
K.sgd_step(p, p, p, 0.1, 0.9, True, 0, 10)
print(sum(K.sgd_step.stats.cache_hits.values()))
"""

# Bind-mount the package's directory read-only in a mount namespace of the
# child's own, which disappears with it: even root cannot write there then.
_READ_ONLY = (
    'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
)


def _read_only_mounts_work():
    if not sys.platform.startswith("linux"):
        return False
    try:
        probe = subprocess.run(
            ["unshare", "--mount", "sh", "-c", _READ_ONLY, "sh", "/tmp", "true"],
            capture_output=True,
        )
    except OSError:
        return False
    return probe.returncode == 0


@needs_numba
def test_kernels_cache_to_the_user_directory_when_installed_read_only(tmp_path):
    """A read-only package caches its kernels in the user's cache, and reuses them.

    The first process compiles and writes the cache, the second loads it
    (a cache hit); the cache files land under ``XDG_CACHE_HOME``, none in
    the package.
    """
    if not _read_only_mounts_work():
        pytest.skip("needs unshare and mount in a mount namespace (Linux)")
    site, cache = tmp_path / "site", tmp_path / "cache"
    shutil.copytree(
        Path(backprop_mlp.__file__).parent,
        site / "backprop_mlp",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(site), XDG_CACHE_HOME=str(cache))
    command = ["unshare", "--mount", "sh", "-c", _READ_ONLY, "sh", str(site)]
    command += [sys.executable, "-c", _CACHED_KERNEL_RUN, str(site)]
    hits = [
        subprocess.run(
            command, env=env, capture_output=True, text=True, check=True
        ).stdout.split()[-1]
        for _ in range(2)
    ]
    assert hits == ["0", "1"]
    assert list(cache.rglob("*.nbi"))
    assert not list(site.rglob("*.nbi"))
