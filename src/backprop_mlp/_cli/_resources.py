"""What this machine can run: worker processes, and memory for a network."""

import os
from itertools import pairwise

import joblib

from ._datasets import DataError

# Arrays the size of the parameter vector each solver keeps while training:
# the parameters and their gradient, and Adam's two moments, SGD's velocity,
# or L-BFGS's 10 past steps and gradient changes (SciPy's default maxcor).
_PARAMETER_COPIES = {"adam": 4, "sgd": 3, "lbfgs": 22}
# Both estimators' batch_size="auto": min(200, n_samples) rows a step.
_BATCH_ROWS = 200


def worker_count(n_jobs, n_fits, n_cpus=None):
    """How many worker processes to run ``n_fits`` fits in.

    ``n_jobs`` is read as joblib reads it (-1 for every CPU, -2 for all but
    one), then capped at one worker per fit and per CPU: more would start
    processes that only wait, each costing memory and start-up time, and
    fits that share a CPU would time each other, not themselves.

    Parameters
    ----------
    n_jobs : int
        ``--n-jobs``; not 0.
    n_fits : int
    n_cpus : int or None, default=None
        The CPUs this process may use; ``joblib.cpu_count()`` when None.

    Returns
    -------
    n_workers : int
        At least 1.

    Examples
    --------
    >>> worker_count(64, n_fits=4, n_cpus=8)
    4
    >>> worker_count(-2, n_fits=10, n_cpus=8)
    7
    """
    cpus = joblib.cpu_count() if n_cpus is None else n_cpus
    wanted = n_jobs if n_jobs > 0 else cpus + 1 + n_jobs
    return max(1, min(wanted, n_fits, cpus))


def n_parameters(layer_sizes):
    """The weights and biases of a network with these layer sizes.

    Examples
    --------
    >>> n_parameters([2, 4, 3, 1])
    31
    """
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in pairwise(layer_sizes))


def training_bytes(layer_sizes, n_rows, solver):
    """A lower bound on the memory one fit takes, in bytes.

    Parameters
    ----------
    layer_sizes : sequence of int
        From the features to the outputs.
    n_rows : int
        Training rows.
    solver : {'adam', 'sgd', 'lbfgs'}

    Returns
    -------
    n_bytes : int
        Float64 arrays of the parameters' size, and the activations and
        their deltas for a batch (all rows for L-BFGS).
    """
    rows = n_rows if solver == "lbfgs" else min(_BATCH_ROWS, n_rows)
    n_floats = _PARAMETER_COPIES[solver] * n_parameters(layer_sizes)
    n_floats += 2 * rows * sum(layer_sizes[1:])
    return 8 * n_floats


def physical_memory():
    """The machine's memory in bytes, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(layer_sizes, n_rows, solver, n_workers, memory):
    """Check that ``n_workers`` fits at once fit in ``memory`` bytes.

    Checked before anything is built: a network too large would otherwise
    fail deep in numpy, or make the machine swap for hours.

    Parameters
    ----------
    layer_sizes : sequence of int
    n_rows : int
    solver : str
    n_workers : int
    memory : int or None
        None skips the check.

    Raises
    ------
    DataError
        Saying how much the fits need, and what to make smaller.
    """
    need = training_bytes(layer_sizes, n_rows, solver)
    if memory is None or need * n_workers <= memory:
        return
    hidden = ",".join(map(str, layer_sizes[1:-1]))
    at_once = f", {n_workers} fits at once" if n_workers > 1 else ""
    fewer = " or fewer --n-jobs" if need <= memory else ""
    raise DataError(
        f"--hidden {hidden} makes a network of {n_parameters(layer_sizes):,} "
        f"parameters, which needs at least {_size(need * n_workers)} of memory "
        f"to train with {solver}{at_once}, more than this machine's "
        f"{_size(memory)}; use a smaller --hidden{fewer}"
    )


def _size(n_bytes):
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n_bytes < 1024 or unit == "PiB":
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1024
