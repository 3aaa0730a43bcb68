"""Global configuration of backprop-mlp, in the style of scikit-learn's.

One setting so far, ``compiled``: whether training runs its element-wise hot
spots through the compiled kernels of the optional ``fast`` extra (numba), see
:mod:`backprop_mlp._operations`. It is a global setting rather than an estimator
parameter because it never changes what is computed, only how fast, like
scikit-learn's own ``assume_finite`` or threadpoolctl's limits.

The configuration is thread-local, as scikit-learn's is: a
``config_context`` in one thread leaves fits in other threads alone.
"""

import threading
from contextlib import contextmanager

__all__ = ["config_context", "get_config", "set_config"]

_DEFAULTS = {"compiled": "auto"}
_local = threading.local()


def _config():
    if not hasattr(_local, "config"):
        _local.config = dict(_DEFAULTS)
    return _local.config


def get_config():
    """The current values of the global configuration.

    Returns
    -------
    config : dict
        Keys are the parameter names of :func:`set_config`; a copy, so
        changing it changes nothing.

    Examples
    --------
    >>> from backprop_mlp import get_config
    >>> get_config()["compiled"]
    'auto'
    """
    return dict(_config())


def set_config(compiled=None):
    """Set the global configuration of backprop-mlp.

    Parameters
    ----------
    compiled : {'auto', True, False}, default=None
        Which kernels training runs for its element-wise work (the optimizer
        step, the hidden activations and their derivatives):

        - ``'auto'``: the compiled kernels of the ``fast`` extra (numba) when
          it is installed and the network is large enough for them to pay
          (see :doc:`/performance`); numpy's otherwise;
        - ``True``: always the compiled kernels; ``fit`` raises ImportError
          when numba is not installed;
        - ``False``: always numpy's, and numba is never imported.

        Both give bit-identical results. None leaves the setting unchanged.

    See Also
    --------
    config_context : Set the configuration for a block of code only.
    get_config : The current configuration.

    Examples
    --------
    >>> from backprop_mlp import get_config, set_config
    >>> set_config(compiled=False)
    >>> get_config()["compiled"]
    False
    >>> set_config(compiled="auto")
    """
    if compiled is not None:
        # Identity, not `in`: 1 and 0 would pass for True and False.
        if not (compiled is True or compiled is False or compiled == "auto"):
            raise ValueError(
                f"compiled must be 'auto', True or False, got {compiled!r}."
            )
        _config()["compiled"] = compiled


@contextmanager
def config_context(*, compiled=None):
    """Set the configuration of backprop-mlp within a ``with`` block.

    The previous configuration comes back when the block exits, however it
    exits.

    Parameters
    ----------
    compiled : {'auto', True, False}, default=None
        See :func:`set_config`. None leaves the setting unchanged.

    Yields
    ------
    None

    See Also
    --------
    set_config : Set the configuration globally.
    get_config : The current configuration.

    Examples
    --------
    >>> from backprop_mlp import config_context, get_config
    >>> with config_context(compiled=False):
    ...     get_config()["compiled"]
    False
    >>> get_config()["compiled"]
    'auto'
    """
    old = get_config()
    set_config(compiled=compiled)
    try:
        yield
    finally:
        _config().update(old)
