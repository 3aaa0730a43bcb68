"""The L-BFGS driver: the full-batch objective handed to SciPy, as scikit-learn does.

The network's flat ``params`` is SciPy's optimisation vector itself, so no
per-layer packing is needed; the one thing to care about is BLAS threads
(see :func:`_scipy_blas_on_one_thread`). This module knows nothing of
scikit-learn.
"""

import os
from contextlib import contextmanager

import numpy as np
import scipy
import scipy.optimize
from threadpoolctl import ThreadpoolController

__all__ = ["minimize_lbfgs"]


@contextmanager
def _scipy_blas_on_one_thread():
    """Run SciPy's own copy of OpenBLAS on one thread, for this block only.

    Why: SciPy's wheels carry their own OpenBLAS besides numpy's. The L-BFGS-B
    iteration calls SciPy's copy, whose idle threads then spin for a while and
    hold the cores that numpy's copy needs for the next product: on 2 cores,
    a fit with 2 BLAS threads ran up to 7x slower than with 1. With SciPy's
    copy on one thread nothing is left spinning.

    Only SciPy's copy is limited, never numpy's: threadpoolctl's limits are
    process-wide, and numpy work in the user's other threads must keep the
    user's setting. Where SciPy and numpy share one BLAS, nothing is limited.
    The previous count comes back on every exit, exceptions included.
    """
    scipy_dir = os.path.dirname(os.path.dirname(scipy.__file__))
    scipy_libs = [
        lib
        for lib in ThreadpoolController().select(user_api="blas").lib_controllers
        if lib.filepath.startswith(
            (os.path.join(scipy_dir, "scipy.libs"), os.path.dirname(scipy.__file__))
        )
        and lib.num_threads > 1
    ]
    threads = [lib.num_threads for lib in scipy_libs]
    for lib in scipy_libs:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(scipy_libs, threads, strict=True):
            lib.set_num_threads(n)


def minimize_lbfgs(net, X, Y, sample_weight, alpha, max_iter, max_fun, tol, callback):
    """Minimise the full-batch objective with SciPy's L-BFGS-B, as sklearn does.

    ``net.params`` is the optimisation vector itself: SciPy's iterate is copied
    into it once per evaluation and the gradient comes straight from the
    network's flat ``grad``, with no per-layer packing.

    Parameters
    ----------
    net : Network
    X, Y, sample_weight, alpha
        As for :meth:`Network.loss_and_gradient`.
    max_iter, max_fun : int
        Iteration and function-evaluation limits.
    tol : float
        SciPy's ``gtol``.
    callback : callable
        ``callback(params, loss)`` after each iteration; returning True stops.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        ``net.params`` holds ``result.x`` on return.
    """

    def objective(theta):
        net.params[...] = theta
        loss, grad = net.loss_and_gradient(X, Y, sample_weight, alpha)
        # SciPy keeps the gradient it is given, and our buffer is reused.
        return loss, grad.astype(np.float64)

    def on_iteration(intermediate_result):
        if callback(intermediate_result.x, float(intermediate_result.fun)):
            raise StopIteration

    with _scipy_blas_on_one_thread():
        result = scipy.optimize.minimize(
            objective,
            net.params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=on_iteration,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    net.params[...] = result.x
    return result
