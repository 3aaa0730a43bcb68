"""Shared pytest fixtures.

``global_random_seed`` follows scikit-learn's fixture of the same name: tests
that use it must pass for any seed. By default they run with a couple of fixed
seeds; set the environment variable ``BACKPROP_MLP_SEEDS`` to run more:

- ``BACKPROP_MLP_SEEDS=all``: every seed in 0..19;
- ``BACKPROP_MLP_SEEDS=7`` or ``BACKPROP_MLP_SEEDS=3-5`` or ``=1,4,9``: those seeds.
"""

import importlib.util
import os

import pytest
from threadpoolctl import threadpool_limits

from backprop_mlp import _operations, config_context

# The compiled path: numba installed, and numpy 2, whose rounding it copies.
HAS_NUMBA = importlib.util.find_spec("numba") is not None and _operations.NUMPY_2

_DEFAULT_SEEDS = (0, 42)
_ALL_SEEDS = tuple(range(20))


def _parse_seeds(spec):
    """Turn the value of ``BACKPROP_MLP_SEEDS`` into a tuple of seeds.

    Parameters
    ----------
    spec : str or None
        ``None`` or empty for the defaults, ``"all"`` for 0..19, or a
        comma-separated list of integers and ``first-last`` ranges.

    Returns
    -------
    seeds : tuple of int
    """
    if not spec or not spec.strip():
        return _DEFAULT_SEEDS
    if spec.strip().lower() == "all":
        return _ALL_SEEDS
    seeds = []
    for part in spec.split(","):
        first, sep, last = part.strip().partition("-")
        if sep:
            seeds.extend(range(int(first), int(last) + 1))
        else:
            seeds.append(int(first))
    return tuple(seeds)


@pytest.fixture(
    params=_parse_seeds(os.environ.get("BACKPROP_MLP_SEEDS")),
    ids=lambda seed: f"seed{seed}",
)
def global_random_seed(request):
    """An integer seed; the test runs once for each seed selected."""
    return request.param


@pytest.fixture(autouse=True, scope="session")
def _single_blas_thread():
    """Run the suite with one BLAS thread.

    The test networks are tiny: a second BLAS thread only adds synchronisation,
    and on a shared two-core machine a spinning OpenBLAS thread can slow a fit
    down a hundredfold. Results do not depend on the thread count.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(params=["numpy", "compiled"])
def kernel_path(request):
    """Run the test on numpy's kernels, then on the compiled ones (forced).

    The compiled run is skipped when numba is not installed. Modules opt in
    with ``pytestmark = pytest.mark.usefixtures("kernel_path")``.
    """
    if request.param == "compiled" and not HAS_NUMBA:
        pytest.skip("the compiled kernels need numba (the 'fast' extra)")
    with config_context(compiled=request.param == "compiled"):
        yield request.param
