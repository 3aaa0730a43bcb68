"""The training core without an estimator: a network, its optimizer, one epoch.

Shared by the benchmarks that time the core alone (``breakdown.py``,
``epoch_paths.py``, ``fusion_bound.py``, ``continuation.py``), so that each
builds its network, chooses its operations and runs an epoch as a fit does,
and none drifts from the others when the core changes.
"""

import itertools

import numpy as np

from backprop_mlp import config_context
from backprop_mlp._activations import ACTIVATIONS
from backprop_mlp._losses import SOFTMAX_OUTPUT
from backprop_mlp._network import Network
from backprop_mlp._operations import operations_for
from backprop_mlp._records import RunState
from backprop_mlp._training import Trainer


def operations(n_params, dtype, compiled):
    """The operations a fit would use under ``config_context(compiled=...)``.

    Chosen under the caller's BLAS limit, as a fit chooses: the compiled
    path reads it to size its thread count.
    """
    with config_context(compiled=compiled):
        return operations_for(n_params, dtype)


def make_network(layer_sizes, dtype, compiled=False, cls=Network, scale=0.05):
    """A relu network with a softmax output and uniform weights in ``±scale``.

    ``compiled`` is the ``config_context`` setting its operations are chosen
    under (False: numpy's; True: the compiled kernels; 'auto': as a fit).
    """
    n_params = sum(a * b + b for a, b in itertools.pairwise(layer_sizes))
    ops = operations(n_params, dtype, compiled)
    hidden = [ACTIVATIONS["relu"]] * (len(layer_sizes) - 2)
    net = cls(layer_sizes, hidden, SOFTMAX_OUTPUT, dtype, ops=ops)
    net.params[:] = np.random.default_rng(0).uniform(-scale, scale, net.params.size)
    return net


def epoch_runner(net, optimizer, loader, alpha, shuffle=False, seed=0):
    """A function running one epoch of the core, as a fit's trainer runs it.

    With ``shuffle`` each call visits the rows in a new order, drawn from a
    ``RandomState(seed)`` as a fit draws it; without, in the loader's order.
    """
    trainer = Trainer(max_epochs=1, alpha=alpha, shuffle=shuffle, dropout_rates=None)
    order = np.arange(loader.n_samples) if shuffle else None
    run = RunState(np.random.RandomState(seed), None, order, None)

    def epoch():
        return trainer.run_epoch(net, optimizer, loader, run)

    return epoch
