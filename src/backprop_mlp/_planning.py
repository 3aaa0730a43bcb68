"""Planning a fit: the parameters, the data and the fitted model in, one plan out.

:func:`plan_fit` is the one path from a call to ``fit``, ``partial_fit`` or
:func:`~backprop_mlp.fit_blocks` to what training needs. It validates
everything (the data, the targets, the weights, the validation set, the
parameter combination, and whether and how the fit continues the model) and
builds the network, the optimizer, the plateau monitor, the schedule and the
run state that training starts from. It changes nothing: what it builds is
new, or a copy of the model's state, and the estimator is only read.

Where a fit starts from is one of three things:

- ``"new"``: new weights and a new run (``warm_start=False``, or a first fit);
- ``"weights"``: the fitted weights and a new run (``warm_start=True``), as
  scikit-learn does: a new optimizer, the random streams seeded afresh;
- ``"run"``: the same run, continued (``warm_start="continue"``, and
  ``partial_fit``): the optimizer's moments and step count, the schedule's
  position, the shuffling and dropout streams, the validation split and the
  epoch count all go on from where the last fit stopped, so that a fit of
  ``a`` epochs continued by one of ``b`` is a fit of ``a + b`` epochs, bit
  for bit.

:func:`fitted_attributes` then turns a plan and what training did into the
fitted attributes, for the live view that callbacks see and for the commit.
"""

import math
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from ._batches import BatchLoader
from ._blocks import BlockSource
from ._building import (
    activation_names,
    batch_size,
    build_monitor,
    build_network,
    build_optimizer,
    build_schedule,
    dropout_rates,
    hidden_layer_sizes,
)
from ._data import block_loader, first_block, in_memory, split, validation_set
from ._records import History, RunState
from ._warnings import ContinuationWarning, warn

__all__ = ["TrainingPlan", "fitted_attributes", "plan_fit"]

STOCHASTIC_SOLVERS = ("sgd", "adam")


@dataclass(frozen=True)
class TrainingPlan:
    """Everything a fit trains with, validated, made before anything is trained.

    Attributes
    ----------
    start : {'new', 'weights', 'run'}
        Where training starts from; see the module docstring.
    net : Network
        Holding the weights training starts from.
    attributes : dict
        The fitted attributes the plan fixes: the features, the targets'
        encoding, the layers.
    encoding : LabelEncoding or RealEncoding
        How the targets were encoded.
    max_epochs : int
        Epochs (iterations) this fit may run.
    alpha : float
        The L2 penalty, scaled as the sample weights were.
    history : History
        The curves this fit extends.
    X, Y, y, sample_weight
        The training data (None for a block source): what L-BFGS and the
        ``sklearn.callback`` hooks see.
    loader : BatchLoader, BlockLoader or None
        The batches of a stochastic solver.
    validation : tuple (X_val, y_val, sample_weight_val) or None
    optimizer : SGD, Adam or None
    monitor : PlateauMonitor or None
    schedule : Constant or None
    run : RunState or None
        The run's state (a copy of the model's when it continues).
    dropout_rates : tuple of float or None
    ended : str or None
        Why a continued run trains no epoch (it had ended), else None.
    """

    start: str
    net: object
    attributes: dict
    encoding: object
    max_epochs: int
    alpha: float
    history: History
    X: object = None
    Y: object = None
    y: object = None
    sample_weight: object = None
    loader: object = None
    validation: tuple | None = None
    optimizer: object = None
    monitor: object = None
    schedule: object = None
    run: RunState | None = None
    dropout_rates: tuple | None = None
    ended: str | None = None


def _check_combination(estimator, incremental, X_val, y_val, blocks, rates):
    """Refuse parameter combinations that cannot train, before any work."""
    if incremental and estimator.early_stopping:
        raise ValueError(
            "partial_fit does not support early_stopping=True: there is no "
            "held-out data between calls. Use fit, or set early_stopping=False "
            "(an early-stopping fit can be continued by partial_fit then)."
        )
    if (X_val is None) != (y_val is None):
        raise ValueError("Pass both X_val and y_val, or neither.")
    for callback in estimator.callbacks or ():
        if not callable(callback):
            raise TypeError(
                f"Each of callbacks must be callable as callback(estimator, "
                f"info), got {callback!r}."
            )
    if any(rates) and estimator.solver == "lbfgs":
        raise ValueError(
            "dropout needs a stochastic solver: L-BFGS minimises one fixed "
            "full-batch objective, with no batches to drop units from. Use "
            "solver='adam' or 'sgd', or dropout=0."
        )
    if blocks:
        if estimator.solver == "lbfgs":
            raise ValueError(
                "fit_blocks needs a stochastic solver ('adam' or 'sgd'): L-BFGS "
                "minimises the objective over all the data at once."
            )
        if estimator.early_stopping and X_val is None:
            raise ValueError(
                "early_stopping=True with fit_blocks needs X_val and y_val: hold "
                "out some of your data (a block source has no "
                "validation_fraction split)."
            )
        if getattr(estimator, "class_weight", None) == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the count of every label before "
                "training, which a block source does not give; pass a dict of "
                "class weights instead."
            )


def start_of(estimator, incremental):
    """Where a fit starts: 'new', 'weights' or 'run' (see the module docstring)."""
    if not hasattr(estimator, "coefs_"):
        return "new"
    if incremental:
        return "run"
    warm_start = estimator.warm_start
    if warm_start == "continue":
        return "run"
    if warm_start and _keeps_optimizer_state(estimator):
        return "run"
    return "weights" if warm_start else "new"


def _keeps_optimizer_state(estimator):
    # The deprecated spelling of warm_start="continue"; the estimator warns.
    return getattr(estimator, "keep_optimizer_state", "deprecated") is True


# --------------------------------------------------------- the run state


def _run_key(estimator, n_rows, validation):
    """What a run depends on: a fit that continues it must keep all of it."""
    return {
        "solver": estimator.solver,
        "number of training rows": n_rows,
        "validation set": validation,
        "shuffle": estimator.shuffle,
    }


def _new_run(rng, rates, n_rows, split, key):
    """A new run, its random streams drawn from ``rng`` as scikit-learn's are."""
    dropout_rng = None
    if any(rates):
        # A generator of its own, seeded from random_state, so that
        # dropout=0 draws exactly what scikit-learn draws.
        dropout_rng = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
    order = None if n_rows is None else np.arange(n_rows)
    return RunState(rng, dropout_rng, order, split, key=key)


def _partial_fit_run(rng, rates, n_rows, key, kept):
    """The run of a ``partial_fit`` call: the model's, on this call's rows.

    Each call shuffles its own rows with ``random_state`` afresh, as
    scikit-learn does; the dropout stream and the counts go on.
    """
    if kept is None:
        return _new_run(rng, rates, n_rows, None, key)
    run = kept.copy()
    run.shuffle_rng, run.order, run.key = rng, np.arange(n_rows), key
    run.split = run.position = None
    return run


def _why_not_continue(kept, key):
    """Why the model's run cannot go on with these parameters and data, or None."""
    if kept is None:
        return (
            "the model's last fit left no run to continue (it was an L-BFGS "
            "fit, or it diverged, or it was saved before runs were kept)"
        )
    changed = [name for name in key if kept.key.get(name) != key[name]]
    if changed:
        return f"the {' and the '.join(changed)} changed since the last fit"
    return None


def _continued_run(estimator, key):
    """A copy of the model's run to continue, or None where it cannot go on."""
    kept = getattr(estimator, "_run", None)
    reason = _why_not_continue(kept, key)
    if reason is None:
        return kept.copy()
    warn(
        f"warm_start='continue' cannot continue the model's training run: "
        f"{reason}. This fit starts a new run from the fitted weights, as "
        "warm_start=True does (a new optimizer state, new random streams).",
        ContinuationWarning,
    )
    return None


def _ended(run, monitor):
    """Why a continued run must train no further epoch, or None."""
    if run.ended == "diverged":
        return (
            f"its training diverged at epoch {run.epochs + 1}, which left its "
            "optimizer state unusable"
        )
    if run.ended == "converged" and monitor.count > monitor.patience:
        return f"it stopped at epoch {run.epochs} by its own rule: {monitor.message()}"
    return None


# ------------------------------------------------------------------ plan


def plan_fit(
    estimator,
    source,
    *,
    incremental=False,
    X_val=None,
    y_val=None,
    classes=None,
    start=None,
):
    """Validate everything a fit needs, and build what training starts from.

    Parameters
    ----------
    estimator : BaseBackpropMLP
        Read only: its parameters, and its fitted model when the fit
        continues it.
    source : tuple (X, y, sample_weight) or BlockSource
        The training data.
    incremental : bool, default=False
        Whether the call is ``partial_fit``: one epoch, continuing the run.
    X_val, y_val : array-like or None, default=None
        A validation set.
    classes : array-like or None, default=None
        Every class, for ``partial_fit``'s first call and ``fit_blocks``.
    start : {None, 'weights'}, default=None
        None: start where the parameters say (see :func:`start_of`);
        'weights': from the fitted weights, if any, in a new run (for tools
        that evaluate the objective at the current weights).

    Returns
    -------
    plan : TrainingPlan
    """
    blocks = isinstance(source, BlockSource)
    hidden = hidden_layer_sizes(estimator)
    names = activation_names(estimator.activation, len(hidden))
    rates = dropout_rates(estimator.dropout, len(hidden))
    _check_combination(estimator, incremental, X_val, y_val, blocks, rates)
    if start is None or not hasattr(estimator, "coefs_"):
        start = start_of(estimator, incremental)
    # validate_data records the features on the estimator it is given: a
    # throwaway copy here, whose record the plan takes.
    probe = estimator._shallow_copy()
    fitted_encoding = _fitted_encoding(estimator) if start != "new" else None
    if blocks:
        data = first_block(estimator, probe, source, start, classes, fitted_encoding)
        X = Y = y = sample_weight = None
        alpha, n_rows = estimator.alpha, sum(source.n_rows)
    else:
        data = in_memory(
            estimator, probe, source, start, incremental, classes, fitted_encoding
        )
        X, Y, y, sample_weight, alpha = data.X, data.Y, data.y, data.weights, data.alpha
        n_rows = X.shape[0]
    encoding = data.encoding

    validation = None
    if X_val is not None:
        # A block source's first block stands for the training data in the
        # check that X_val is on the same scale.
        validation = validation_set(
            estimator, probe, X_val, y_val, data.first, encoding
        )
    layer_sizes = [probe.n_features_in_, *hidden, data.n_outputs]
    attributes = {
        "n_features_in_": probe.n_features_in_,
        **_feature_names(probe),
        **encoding.attributes(),
        "n_layers_": len(layer_sizes),
        "n_outputs_": data.n_outputs,
        "out_activation_": encoding.output.name,
        "_activation_names": names,
    }
    history = History()
    if start != "new":
        history = History(
            estimator.loss_curve_,
            estimator.validation_scores_,
            estimator.validation_loss_curve_,
            estimator.t_,
        )
    common = {
        "attributes": attributes,
        "encoding": encoding,
        "alpha": alpha,
        "X": X,
        "Y": Y,
        "y": y,
        "sample_weight": sample_weight,
    }

    if estimator.solver not in STOCHASTIC_SOLVERS:
        if start == "run":
            warn(
                "warm_start='continue' cannot continue an L-BFGS run: L-BFGS "
                "keeps no state between fits. This fit starts a new L-BFGS run "
                "from the fitted weights, as warm_start=True does.",
                ContinuationWarning,
            )
            start = "weights"
        rng = check_random_state(estimator.random_state)
        net = build_network(
            estimator, layer_sizes, names, encoding, data, start, None, rng
        )
        return TrainingPlan(
            start=start,
            net=net,
            max_epochs=estimator.max_iter,
            history=history.continued(False),
            **common,
        )

    # The run: the model's, continued (a copy), or a new one.
    internal_split = estimator.early_stopping and validation is None
    if internal_split:
        n_rows -= math.ceil(estimator.validation_fraction * n_rows)
        validation_key = estimator.validation_fraction
    else:
        validation_key = None if validation is None else "X_val"
    key = _run_key(estimator, n_rows, validation_key)
    run = None
    if start == "run" and not incremental:
        run = _continued_run(estimator, key)
        start = "weights" if run is None else "run"
    # A continued run draws from its own streams: random_state is not read.
    rng = None if run is not None else check_random_state(estimator.random_state)
    net = build_network(estimator, layer_sizes, names, encoding, data, start, run, rng)
    if incremental:
        kept = getattr(estimator, "_run", None) if start == "run" else None
        run = _partial_fit_run(rng, rates, n_rows, key, kept)
    elif run is None:
        rows = None
        if internal_split:
            rows = split(estimator, X, Y, rng)
            estimator._check_validation_target(y[rows[1]], "the validation split")
        run = _new_run(rng, rates, None if blocks else n_rows, rows, key)
    train_rows = None
    if internal_split:
        train_rows, val_rows = run.split
        sw_val = None if sample_weight is None else sample_weight[val_rows]
        validation = (X[val_rows], y[val_rows], sw_val)

    kept_optimizer = getattr(estimator, "_optimizer", None) if start == "run" else None
    monitor = build_monitor(
        estimator, getattr(estimator, "_monitor", None) if start != "new" else None
    )
    ended = _ended(run, monitor) if start == "run" and not incremental else None
    run.ended = run.position = None
    if blocks:
        loader = block_loader(estimator, source, data, run)
    else:
        loader = BatchLoader(
            X, Y, sample_weight, train_rows, batch_size(estimator, n_rows)
        )
    return TrainingPlan(
        start=start,
        net=net,
        max_epochs=1 if incremental else estimator.max_iter,
        history=history.continued(validation is not None),
        loader=loader,
        validation=validation,
        optimizer=build_optimizer(estimator, net, kept_optimizer),
        monitor=monitor,
        schedule=build_schedule(estimator, run),
        run=run,
        dropout_rates=rates if any(rates) else None,
        ended=ended,
        **common,
    )


def _fitted_encoding(estimator):
    """The targets' encoding of the model a fit continues, or a clear refusal."""
    missing = [
        name
        for name in ("loss_curve_", "t_", "n_outputs_", "out_activation_")
        if not hasattr(estimator, name)
    ]
    try:
        encoding = None if missing else estimator._target_encoding()
    except AttributeError as error:
        missing = [error.name or str(error)]
    if missing:
        raise ValueError(
            f"This {type(estimator).__name__} has coefs_ but not the rest of a "
            f"fitted model ({', '.join(missing)}): it was not fitted by fit or "
            "partial_fit, so there is nothing to continue. Fit it with fit "
            "first (warm_start=False), or delete coefs_."
        )
    return encoding


def _feature_names(probe):
    names = probe.__dict__.get("feature_names_in_")
    return {} if names is None else {"feature_names_in_": names}


# -------------------------------------------------------- fitted attributes


def fitted_attributes(plan, result=None):
    """The fitted attributes of the model a plan has trained so far.

    The one place they are made: for the live view that callbacks see after
    each epoch, and for the commit at the end of the fit.

    Parameters
    ----------
    plan : TrainingPlan
    result : TrainingResult or None, default=None
        How training ended; None while it runs.

    Returns
    -------
    attributes : dict
        The weights are views of the network's parameters, the curves the
        lists training extends.
    """
    net, history, monitor = plan.net, plan.history, plan.monitor
    curve = history.loss_curve
    loss = curve[-1] if curve else None
    if result is not None and result.loss is not None:
        loss = result.loss
    attributes = dict(plan.attributes)
    attributes.update(
        coefs_=net.W[1:],
        intercepts_=net.b[1:],
        loss_curve_=curve,
        validation_scores_=history.validation_scores,
        validation_loss_curve_=history.validation_loss_curve,
        n_iter_=len(curve),
        t_=history.t,
        loss_=loss,
        best_loss_=min(curve, default=loss),
        best_validation_score_=None,
        _optimizer=plan.optimizer,
        _monitor=monitor,
        _run=plan.run,
    )
    if monitor is not None:
        validating = monitor.quantity != "training loss"
        attributes["best_loss_"] = None if validating else monitor.best
        scores = history.validation_scores
        if validating and scores and not np.isnan(scores).all():
            attributes["best_validation_score_"] = float(np.nanmax(scores))
    if result is not None and result.diverged:
        # Its state overflowed: nothing of the run can go on.
        attributes["_optimizer"] = None
    return attributes
