"""The element-wise work of training, and who does it: numpy (the reference) or numba.

The network and the optimizers say *what* to compute, as the equations read
(:mod:`backprop_mlp._network`, :mod:`backprop_mlp._optimizers`); an
*operations* object, handed to both when a fit builds them, says *how*. There
are two, with the same methods and bit-identical results:

- :class:`NumpyOperations`, the reference and the default: whole-array numpy;
- :class:`CompiledOperations`, from the optional ``fast`` extra (numba,
  :mod:`backprop_mlp._numba_kernels`): the same floating-point operations in
  the same order, one fused pass per kernel.

A fit chooses once, with :func:`operations_for`, from the global
configuration (``backprop_mlp.config_context(compiled=...)``), whether numba
imports, and the size of the network. numba is imported only when the
compiled path is chosen: its import, and loading its cached machine code,
cost about a second on a process's first large fit, so small fits never
touch it.

What is compiled: the Adam and SGD steps; relu and leaky relu; the products of
the incoming gradient with the derivatives of relu, leaky relu, logistic and
tanh; the L2 penalty's ``grad += c * W``. What stays numpy's: every
transcendental function (``exp``, ``expm1``, ``tanh``, ``log``: the forward
passes of logistic, tanh, elu, softplus, gelu and swish, and the derivatives
of elu, softplus, gelu and swish), because numba's libm and numpy's SIMD code
differ in the last bit; the matrix products, which are BLAS's in both.

Performance notes, kept here rather than among the equations:

- numpy's optimizer steps work through the vectors in slices of at most
  ``_SLICE`` entries, so that their intermediates fit in two small scratch
  buffers: beyond its state, an optimizer holds no vector the size of the
  parameters, which on a large network keeps the peak memory of training
  below scikit-learn's. ``add_scaled`` works in blocks for the same reason.
- The operation order of the steps is scikit-learn's (``SGDOptimizer``,
  ``AdamOptimizer``), so that both libraries produce the same weights.
- The compiled kernels run on one thread unless the user opts in; see
  :class:`CompiledOperations` for why.
"""

import dataclasses
import importlib.util
import os
import threading

import numpy as np
from threadpoolctl import ThreadpoolController

from ._activations import LEAKY_SLOPE
from ._config import get_config

__all__ = [
    "MIN_COMPILED_PARAMS",
    "CompiledOperations",
    "NumpyOperations",
    "operations_for",
]

# The smallest network, in parameters, for which compiled="auto" chooses the
# compiled kernels (see benchmarks/README.md, "Compiled kernels"). A compiled
# Adam step saves some 5 ns per parameter on one core; below this size it
# would take a fit thousands of steps to earn back the ~1 s (0.5 s of CPU) a
# process pays on first use to import numba and load the cached kernels.
MIN_COMPILED_PARAMS = 100_000

# Whether numpy rounds as the kernels do (numpy 2's scalar promotion).
NUMPY_2 = int(np.__version__.split(".")[0]) >= 2

# The fewest entries a kernel hands to several threads: below, starting the
# threads costs more than they save.
_MIN_PARALLEL_SIZE = 1 << 15

# Entries per slice of numpy's optimizer steps: large enough that the Python
# loop over slices costs nothing next to the arithmetic, small enough for the
# CPU cache.
_SLICE = 1 << 16


def operations_for(n_params, dtype=np.float64):
    """The operations a fit of a network of ``n_params`` parameters should use.

    Called once per fit, in the thread that trains: the compiled path also
    sets the number of threads its kernels run on, see
    :class:`CompiledOperations`.

    Parameters
    ----------
    n_params : int
        The number of parameters (weights and biases) of the network.
    dtype : dtype, default=np.float64
        The dtype of the parameters.

    Returns
    -------
    ops : NumpyOperations or CompiledOperations
        numpy's when the configuration says ``compiled=False``, or ``'auto'``
        and the network has fewer than :data:`MIN_COMPILED_PARAMS`
        parameters or numba is not installed.

    Raises
    ------
    ImportError
        With ``compiled=True`` when numba cannot be imported, or numpy is
        older than 2 (whose float32 rounding the kernels reproduce).
    """
    setting = get_config()["compiled"]
    if setting is False:
        return NumpyOperations(n_params, dtype)
    if setting == "auto" and (
        n_params < MIN_COMPILED_PARAMS
        or importlib.util.find_spec("numba") is None
        or not NUMPY_2
    ):
        return NumpyOperations(n_params, dtype)
    try:
        from . import _numba_kernels
    except ImportError as exc:
        if setting == "auto":
            return NumpyOperations(n_params, dtype)
        raise ImportError(
            "backprop_mlp.config_context(compiled=True) needs numba: install "
            'the extra with pip install "backprop-mlp[fast]".'
        ) from exc
    if not NUMPY_2:
        # The kernels round where numpy 2 rounds (NEP 50 promotion); numpy 1's
        # float32 arithmetic with Python scalars differs in the last bit.
        raise ImportError(
            "backprop_mlp.config_context(compiled=True) needs numpy >= 2: the "
            "compiled kernels are bit-identical to numpy 2's arithmetic, not "
            f"to numpy {np.__version__}'s. Upgrade numpy, or use compiled=False."
        )
    return CompiledOperations(_numba_kernels, _blas_threads())


class NumpyOperations:
    """numpy's element-wise work of training: the reference.

    Parameters
    ----------
    n_params : int
        The length of the parameter vectors the optimizer steps work on.
    dtype : dtype
        Their dtype.
    """

    compiled = False

    def __init__(self, n_params, dtype):
        self._scratch = np.empty((2, min(n_params, _SLICE)), dtype=dtype)

    def activation(self, act):
        """The record a network uses for activation ``act``: ``act`` itself.

        Parameters
        ----------
        act : Activation

        Returns
        -------
        act : Activation
        """
        return act

    def add_scaled(self, y, c, x, block=1 << 16):
        """``y += c * x`` in place, a block of entries at a time.

        The temporary ``c * x`` of a whole weight vector would raise the peak
        memory of training by a copy of the weights.

        Parameters
        ----------
        y, x : ndarray of shape (n,)
        c : float
        block : int, default=65536
        """
        for start in range(0, y.size, block):
            part = slice(start, start + block)
            y[part] += c * x[part]

    def _slices(self, n):
        for start in range(0, n, _SLICE):
            part = slice(start, min(start + _SLICE, n))
            yield part, *self._scratch[:, : part.stop - part.start]

    def sgd_step(self, params, grad, velocity, learning_rate, momentum, nesterov):
        """SGD's update of ``params`` and ``velocity``, in place.

        Parameters
        ----------
        params, grad, velocity : ndarray of shape (n_params,)
        learning_rate, momentum : float
        nesterov : bool
        """
        for part, lr_grad, update in self._slices(params.shape[0]):
            p, g, v = params[part], grad[part], velocity[part]
            np.multiply(g, learning_rate, out=lr_grad)
            v *= momentum
            v -= lr_grad  # v = momentum v - lr g
            if nesterov:
                np.multiply(v, momentum, out=update)
                update -= lr_grad
                p += update  # params += momentum v - lr g
            else:
                p += v

    def adam_step(self, params, grad, m, v, lr_t, beta_1, beta_2, epsilon):
        """Adam's update of ``params`` and the moments ``m``, ``v``, in place.

        Parameters
        ----------
        params, grad, m, v : ndarray of shape (n_params,)
        lr_t : float
            The bias-corrected step size of this step.
        beta_1, beta_2, epsilon : float
        """
        for part, buf, update in self._slices(params.shape[0]):
            p, g, m_, v_ = params[part], grad[part], m[part], v[part]
            m_ *= beta_1
            m_ += np.multiply(g, 1 - beta_1, out=buf)  # m = b1 m + (1 - b1) g
            v_ *= beta_2
            np.square(g, out=buf)
            buf *= 1 - beta_2
            v_ += buf  # v = b2 v + (1 - b2) g**2
            np.sqrt(v_, out=buf)
            buf += epsilon
            np.multiply(m_, -lr_t, out=update)
            update /= buf
            p += update  # params -= lr_t m / (sqrt(v) + epsilon)


_blas_controller = None


def _blas_threads():
    """The number of threads BLAS may use here and now (1 at least).

    threadpoolctl's view: the user's ``threadpool_limits``, or 1 inside a
    joblib worker that parallel searches limit to one thread each.
    """
    global _blas_controller
    if _blas_controller is None:
        # Made once: finding the loaded libraries takes ~0.3 ms.
        _blas_controller = ThreadpoolController().select(user_api="blas")
    return max((lib.num_threads for lib in _blas_controller.lib_controllers), default=1)


_threads_started = False


def _start_numba_threads():
    """Start numba's thread pool, with OpenMP threads that wait passively.

    By default libgomp's idle threads spin for a while after each parallel
    loop: on a machine without spare cores they then hold the very cores
    OpenBLAS's threads need for the next product (measured: fits on 2 threads
    took ~1.9x the time of numpy's path, and twice its CPU time). libgomp
    reads ``OMP_WAIT_POLICY`` once, when numba loads it at the start of its
    pool, so it is set to ``PASSIVE`` for that moment only, unless the user
    set it. The rest of the process never sees it.
    """
    global _threads_started
    if _threads_started:
        return
    from numba.np.ufunc import parallel

    unset = "OMP_WAIT_POLICY" not in os.environ
    if unset:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        parallel._launch_threads()
    finally:
        if unset:
            del os.environ["OMP_WAIT_POLICY"]
    _threads_started = True


def _scalar(x, dtype):
    """``x`` as a scalar of the dtype numpy computes ``x * array`` in.

    numpy 2 (NEP 50) rounds a Python scalar to the array's dtype, and
    computes with a numpy scalar (a float64 learning rate) in the promoted
    dtype. numba promotes typed scalars the same way, so a kernel given
    ``x`` in that dtype computes in float32 exactly where numpy does, and in
    float64 (rounding where numpy stores) where numpy does. Passed as Python
    floats, float32 work would run in float64: the same results, but the
    float32 Adam step took three times as long.
    """
    return np.result_type(x, dtype).type(x)


class CompiledOperations:
    """The compiled kernels, bound to the number of threads of one fit.

    The methods of :class:`NumpyOperations`, with bit-identical results.

    By default they run on one thread, and numba's thread pool is never
    started: on the machine they were measured on, 2-thread kernels between
    OpenBLAS's 2-thread products made fits slower, not faster (OpenMP and
    OpenBLAS threads spinning on each other's cores; see
    benchmarks/README.md). A user who sets the environment variable
    ``NUMBA_NUM_THREADS`` opts in: the kernels then run on as many threads
    as BLAS may use (threadpoolctl's current limit), capped by it: all of
    them in a lone fit, one inside a joblib worker limited to one, so a
    parallel search is never oversubscribed. In any thread but the main one
    (where fits may run side by side), and on arrays too small to share out,
    the one-thread kernels run.

    Parameters
    ----------
    module : module
        :mod:`backprop_mlp._numba_kernels`.
    n_threads : int
        The threads BLAS may use.
    """

    compiled = True

    def __init__(self, module, n_threads):
        import numba

        self._k = module
        opted_in = "NUMBA_NUM_THREADS" in os.environ
        self.n_threads = (
            min(n_threads, numba.config.NUMBA_NUM_THREADS) if opted_in else 1
        )
        self.parallel = (
            self.n_threads > 1 and threading.current_thread() is threading.main_thread()
        )
        if self.parallel:
            _start_numba_threads()
            numba.set_num_threads(self.n_threads)  # for this thread's launches

    def _parallel(self, array):
        return self.parallel and array.size >= _MIN_PARALLEL_SIZE

    def adam_step(self, params, grad, m, v, lr_t, beta_1, beta_2, epsilon):
        """:meth:`NumpyOperations.adam_step`, in one fused pass."""
        dt = params.dtype
        args = (params, grad, m, v, _scalar(beta_1, dt), _scalar(1 - beta_1, dt))
        args += (_scalar(beta_2, dt), _scalar(1 - beta_2, dt), _scalar(epsilon, dt))
        args += (_scalar(-lr_t, dt),)
        if self._parallel(params):
            self._k.adam_step_parallel(*args)
        else:
            self._k.adam_step(*args, 0, params.shape[0])

    def sgd_step(self, params, grad, velocity, learning_rate, momentum, nesterov):
        """:meth:`NumpyOperations.sgd_step`, in one fused pass."""
        dt = params.dtype
        args = (params, grad, velocity, _scalar(learning_rate, dt))
        args += (_scalar(momentum, dt), bool(nesterov))
        if self._parallel(params):
            self._k.sgd_step_parallel(*args)
        else:
            self._k.sgd_step(*args, 0, params.shape[0])

    def add_scaled(self, y, c, x):
        """``y += c * x`` in place, as :meth:`NumpyOperations.add_scaled`.

        numpy computes ``c * x`` in the dtype NEP 50 gives it: ``x``'s own
        for a Python float ``c`` (rounded to that dtype first), float64 for a
        numpy float64 ``c`` with float32 ``x``, which is then added to ``y``
        unrounded. The kernel does the same.
        """
        c = _scalar(c, x.dtype)
        args = (y, c, x, c.dtype == y.dtype)
        if self._parallel(y):
            self._k.add_scaled_parallel(*args)
        else:
            self._k.add_scaled(*args, 0, y.shape[0])

    def activation(self, act):
        """``act`` with its compiled function and derivative where they are exact.

        Parameters
        ----------
        act : Activation

        Returns
        -------
        act : Activation
            A copy whose ``function`` (relu, leaky relu) and
            ``derivative_kernel`` (relu, leaky relu, logistic, tanh) are
            compiled; ``act`` itself for the other activations.
        """
        kind = {
            "relu": self._k.RELU,
            "leaky_relu": self._k.LEAKY_RELU,
            "logistic": self._k.LOGISTIC,
            "tanh": self._k.TANH,
        }.get(act.name)
        if kind is None:
            return act
        changes = {"derivative_kernel": self._derivative_kernel(kind)}
        if kind in (self._k.RELU, self._k.LEAKY_RELU):
            changes["function"] = self._function(kind)
        return dataclasses.replace(act, **changes)

    def _function(self, kind):
        def function(z, out=None):
            if out is None:
                out = np.empty_like(z)
            slope = _scalar(LEAKY_SLOPE, z.dtype)
            if self._parallel(z):
                self._k.activate_parallel(kind, z, out, slope)
            else:
                self._k.activate(kind, z, out, slope, 0, z.shape[0])
            return out

        return function

    def _derivative_kernel(self, kind):
        def multiply_derivative(da, z, a):
            # numba needs arrays: the one argument a kind does not read is
            # given as `da`.
            z = da if z is None else z
            a = da if a is None else a
            slope = _scalar(LEAKY_SLOPE, da.dtype)
            if self._parallel(da):
                self._k.multiply_derivative_parallel(kind, da, z, a, slope)
            else:
                self._k.multiply_derivative(kind, da, z, a, slope, 0, da.shape[0])

        return multiply_derivative
