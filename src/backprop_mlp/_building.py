"""From parameters to the objects training runs on.

The network (with its initial weights), the optimizer, the plateau monitor,
the schedule, the batch size: each built from the estimator's parameters,
and from the model's own state where a fit continues it. The one builder of
each, for fit, partial_fit, fit_blocks and the tools.
"""

import itertools
from numbers import Integral

import numpy as np

from ._activations import ACTIVATIONS
from ._diagnostics import check_network_size
from ._network import Network, count_params
from ._operations import operations_for
from ._optimizers import SGD, Adam
from ._schedules import SCHEDULES
from ._stopping import PlateauMonitor
from ._warnings import warn

__all__ = [
    "activation_names",
    "batch_size",
    "build_monitor",
    "build_network",
    "build_optimizer",
    "build_schedule",
    "dropout_rates",
    "hidden_layer_sizes",
]


def hidden_layer_sizes(estimator):
    """The validated hidden layer sizes, as a list of positive ints."""
    hidden = estimator.hidden_layer_sizes
    if not hasattr(hidden, "__iter__"):
        hidden = [hidden]
    hidden = list(hidden)
    if not all(isinstance(n, Integral) and n > 0 for n in hidden):
        raise ValueError(
            f"hidden_layer_sizes must hold positive integers, got {hidden}."
        )
    return hidden


def activation_names(activation, n_hidden):
    """The name of each hidden layer's activation, validated."""
    names = [activation] * n_hidden if isinstance(activation, str) else activation
    names = list(names)
    if len(names) != n_hidden:
        layers = "hidden layer" if n_hidden == 1 else "hidden layers"
        raise ValueError(
            f"activation lists {len(names)} name(s), but the network has "
            f"{n_hidden} {layers} (hidden_layer_sizes): give one name per hidden "
            "layer, or a single name for all."
        )
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise ValueError(
            f"Unknown activation(s) {unknown}; choose from {sorted(ACTIVATIONS)}."
        )
    return tuple(names)


def dropout_rates(dropout, n_hidden):
    """One dropout rate per hidden layer, validated."""
    rates = np.atleast_1d(np.asarray(dropout, dtype=float))
    if rates.ndim != 1 or len(rates) not in (1, n_hidden):
        raise ValueError(
            f"dropout must be one rate or one per hidden layer ({n_hidden}), "
            f"got {dropout!r}."
        )
    if not np.all((rates >= 0) & (rates < 1)):
        raise ValueError(f"dropout rates must be in [0, 1), got {dropout!r}.")
    return tuple(float(r) for r in np.broadcast_to(rates, (n_hidden,)))


def batch_size(estimator, n_samples):
    """The mini-batch size for ``n_samples`` training rows, as scikit-learn's."""
    if estimator.batch_size == "auto":
        return min(200, n_samples)
    if estimator.batch_size > n_samples:
        warn(
            "Got `batch_size` less than 1 or larger than sample size. It is "
            "going to be clipped",
            UserWarning,
        )
    return int(np.clip(estimator.batch_size, 1, n_samples))


def _draw_initial_weights(net, rng, activation):
    """Glorot-uniform, drawn from the random state in scikit-learn's order.

    W then b, layer by layer, so that a seed means the same weights. The
    output layer takes the factor of the last hidden activation, as
    scikit-learn takes its one activation's for every layer.
    """
    factors = [f.glorot_factor for f in net.f[1:]]
    if not factors and isinstance(activation, str):
        factors = [ACTIVATIONS[activation].glorot_factor]
    factors.append(factors[-1] if factors else 6.0)
    for k, factor in zip(range(1, net.n_layers + 1), factors, strict=False):
        fan_in, fan_out = net.W[k].shape
        bound = np.sqrt(factor / (fan_in + fan_out))
        net.W[k][...] = rng.uniform(-bound, bound, (fan_in, fan_out))
        net.b[k][...] = rng.uniform(-bound, bound, fan_out)


def _check_same_layers(estimator, layer_sizes):
    expected = list(itertools.pairwise(layer_sizes))
    actual = [tuple(W.shape) for W in estimator.coefs_]
    if actual != expected:
        raise ValueError(
            f"The current coefs_ have shapes {actual}, but the network needs "
            f"{expected}: hidden_layer_sizes or the number of features changed "
            "since the last fit (or the number of outputs). Set "
            "warm_start=False to start afresh."
        )


def build_network(estimator, layer_sizes, names, encoding, data, start, run, rng):
    """The network training starts from: new weights, the fitted ones, or the run's."""
    if start != "new":
        _check_same_layers(estimator, layer_sizes)
    n_params = count_params(layer_sizes)
    dtype = data.dtype
    # The parameters, the gradient and the optimizer's state (Adam: two).
    check_network_size(n_params, dtype, 4)
    activations = [ACTIVATIONS[name] for name in names]
    net = Network(
        layer_sizes,
        activations,
        encoding.output,
        dtype,
        operations_for(n_params, dtype),
    )
    if start == "new":
        _draw_initial_weights(net, rng, estimator.activation)
    elif run is not None and run.position is not None:
        net.params[...] = run.position  # early stopping kept another epoch's
    else:
        net.set_params(estimator.coefs_, estimator.intercepts_)
    return net


def build_optimizer(estimator, net, kept):
    """A new optimizer with today's parameters, continuing ``kept`` if given."""
    if estimator.solver == "sgd":
        optimizer = SGD(
            net.params.size,
            net.dtype,
            estimator.learning_rate_init,
            estimator.momentum,
            estimator.nesterovs_momentum,
            ops=net.ops,
        )
    else:
        optimizer = Adam(
            net.params.size,
            net.dtype,
            estimator.learning_rate_init,
            estimator.beta_1,
            estimator.beta_2,
            estimator.epsilon,
            ops=net.ops,
        )
    # A kept state goes on only in an optimizer of its kind (partial_fit after
    # a change of solver starts a new one).
    if kept is not None and type(kept) is type(optimizer):
        optimizer.continue_from(kept)
    return optimizer


def build_monitor(estimator, kept):
    """The plateau monitor: the model's, continued, unless the quantity changed."""
    if estimator.early_stopping:
        quantity = f"validation {estimator.early_stopping_metric}"
    else:
        quantity = "training loss"
    rules = (quantity, estimator.tol, estimator.n_iter_no_change)
    rules += (estimator.early_stopping,)
    if kept is None:
        return PlateauMonitor(*rules)
    return kept.continued(*rules)


def build_schedule(estimator, run):
    horizon = estimator.schedule_horizon
    origin = 0
    if horizon is None:
        # A decay over this fit's epochs: a continued fit restarts it.
        horizon, origin = estimator.max_iter, run.epochs
    return SCHEDULES[estimator.learning_rate](
        estimator.learning_rate_init,
        power_t=estimator.power_t,
        horizon=horizon,
        origin=origin,
    )
