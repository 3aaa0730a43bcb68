"""The estimators' shared base: parameters, validation, the builder, the fit.

:class:`BaseBackpropMLP` is what :class:`~backprop_mlp.BackpropMLPClassifier`
and :class:`~backprop_mlp.BackpropMLPRegressor` share. A fit is a transaction
in three steps:

1. **Plan** (:meth:`BaseBackpropMLP._plan`): validate everything (the data, the
   targets, the weights, the validation set, the parameter combination and
   whether a warm start can continue) and build the network, the optimizer,
   the plateau monitor and the curves that training starts from. All of this
   happens on a shallow copy of the estimator, the *training view*: the
   estimator itself does not change.
2. **Train**: the :class:`~backprop_mlp._training.Trainer` moves the network.
   Callbacks receive the training view, on which the model as trained so far
   can already predict.
3. **Commit** (:meth:`BaseBackpropMLP._commit`): the fitted attributes of the
   view replace the estimator's, all at once. An exception before this step
   leaves a fitted estimator exactly as it was; two threads fitting one
   instance leave the attributes of one fit or the other, never a mix.

A subclass adds only what differs: how targets are validated and encoded, the
output layer, the validation metrics, stratification, and prediction.
"""

import itertools
import re
import threading
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.sparsefuncs import mean_variance_axis
from sklearn.utils.validation import _check_sample_weight, _check_y, validate_data

from ._activations import ACTIVATIONS
from ._callbacks import VerbosePrinter, _CallbackSupportMixin, _FitTasks, _UserCallbacks
from ._kernels import compiled_kernels
from ._losses import OUTPUT_LAYERS
from ._network import Network, predict_output
from ._optimizers import SGD, Adam
from ._persistence import PersistenceMixin
from ._schedules import SCHEDULES
from ._stopping import PlateauMonitor
from ._training import BatchLoader, History, Trainer
from ._warnings import TrainingDivergedWarning, warn

__all__ = ["BaseBackpropMLP"]

_STOCHASTIC_SOLVERS = ("sgd", "adam")

# Fitted state that does not end in "_": committed and replaced with the rest.
_PRIVATE_FITTED = ("_optimizer", "_monitor", "_label_binarizer")

# One lock for every commit: a commit is a few dict operations, never worth a
# lock per instance (which would also have to survive pickling and clone).
_COMMIT_LOCK = threading.Lock()


def _is_fitted_attribute(name):
    return name in _PRIVATE_FITTED or (name.endswith("_") and not name.startswith("__"))


def _identity(z):
    return z


def _is_stochastic(estimator):
    if estimator.solver not in _STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers "
            f"('sgd', 'adam'); solver={estimator.solver!r} is not stochastic."
        )
    return True


class _Plan:
    """Everything training needs, validated, made before anything is trained.

    Attributes
    ----------
    X : ndarray or sparse matrix
        The validated input.
    Y : ndarray
        The encoded targets (indicator matrix, or float targets).
    y : ndarray
        The validated targets, as given.
    sample_weight : ndarray or None
        The training weights, class weights included, scaled below 1.
    alpha : float
        The L2 penalty, scaled as the weights were.
    rows : ndarray of int or None
        The training rows of ``X`` when a validation split is held out.
    validation : tuple (X_val, y_val, sample_weight_val) or None
    net : Network
        The network, holding the weights training starts from.
    optimizer : SGD, Adam or None
        None for 'lbfgs'.
    monitor : PlateauMonitor or None
    history : History
    dropout : tuple (rng, rates) or None
    rng : RandomState
    loader : object or None
        The batch source, when not the rows of ``X`` (a
        :class:`~backprop_mlp._out_of_core.BlockLoader`, which orders its own
        batches); ``X``, ``Y``, ``y`` and ``sample_weight`` are then None.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)


@contextmanager
def _about(argument):
    """Put the argument's name in front of a validator's message.

    scikit-learn's and numpy's validators say "Expected 2D array" or
    "Complex data not supported" without saying of what. Messages that name
    the argument already (or X's feature names) pass unchanged.
    """
    try:
        yield
    except (ValueError, TypeError) as error:
        message = str(error)
        named = rf"(?<![\w.]){argument}(?!\w)|feature names"
        if isinstance(error, InvalidParameterError) or re.search(named, message):
            raise
        kind = TypeError if isinstance(error, TypeError) else ValueError
        raise kind(f"{argument} is invalid: {message}") from error


def _row_sample(X, n_rows=10_000):
    """Every k-th row, at most ``n_rows``: enough for a mean and a spread,
    without a temporary the size of a large X."""
    step = -(-X.shape[0] // n_rows)
    return X[::step] if step > 1 else X


def _column_stats(X):
    """Per-feature mean and standard deviation, dense or sparse.

    Features near the float maximum overflow them: those come out non-finite,
    without numpy's warnings, and the caller leaves them out.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if sp.issparse(X):
            mean, var = mean_variance_axis(X.tocsr(), axis=0)
        else:
            mean, var = X.mean(axis=0), X.var(axis=0)
        return mean, np.sqrt(var)


def _warn_if_rescaled(X, X_val):
    """Warn when X_val is plainly on another scale than the training data.

    The trap this catches: ``pipe.fit(X, y, est__X_val=X_val)`` hands the
    estimator X_val without the Pipeline's earlier steps (a scaler, say),
    and early stopping then watches meaningless numbers. Drawn from the
    training distribution, each feature's validation mean lies within a few
    ``1 / sqrt(n_val)`` training standard deviations of the training mean,
    and its spread within a small factor; the warning needs half of the
    varying features to be far off either way.
    """
    mean, std = _column_stats(_row_sample(X))
    mean_val, std_val = _column_stats(_row_sample(X_val))
    varying = (std > 0) & np.isfinite(std) & np.isfinite(mean)
    if not varying.any():
        return
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = np.abs(mean_val - mean) > _SCALE_SHIFT * std
    respread = (X_val.shape[0] >= 20) & (
        (std_val > _SCALE_RATIO * std) | (_SCALE_RATIO * std_val < std)
    )
    off = (shifted | respread) & varying
    if off.sum() * 2 >= varying.sum():
        warn(
            f"X_val looks like it is on another scale than X: in {off.sum()} of "
            f"{varying.sum()} features its mean lies more than {_SCALE_SHIFT} "
            f"training standard deviations away, or its spread differs more than "
            f"{_SCALE_RATIO}-fold. In a Pipeline, an X_val passed as "
            "fit(..., <step>__X_val=...) skips the earlier steps (a scaler, say): "
            "route it with metadata routing and "
            'Pipeline(..., transform_input=["X_val"]) so that it is transformed '
            "like X.",
            UserWarning,
        )


_SCALE_SHIFT = 3
_SCALE_RATIO = 3


class _ViewProgress:
    """Keep the training view's counters at the last epoch, for the listeners."""

    def __init__(self, view, history):
        self.view, self.history = view, history

    def epoch_begins(self):
        """Nothing to do before an epoch."""

    def epoch_ended(self, record):
        """Set ``n_iter_``, ``loss_`` and ``t_`` of the view; never stops."""
        view = self.view
        view.n_iter_, view.loss_, view.t_ = record.epoch, record.loss, self.history.t
        return False


# PersistenceMixin first: its __getstate__/__setstate__ wrap BaseEstimator's.
class BaseBackpropMLP(PersistenceMixin, _CallbackSupportMixin, BaseEstimator):
    """Shared base of the back-propagation estimators; not to be used directly.

    Subclasses implement ``_encode_targets``, ``_output_layer``,
    ``_validate_y_val``, ``_validation_metrics`` and ``_stratify``, and may
    extend ``_training_weights``.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "early_stopping_metric": [StrOptions({"score", "loss"})],
        "keep_optimizer_state": ["boolean"],
        "callbacks": [list, None],
    }

    def _store_params(self, params):
        # Subclasses list their parameters in their own __init__ signature,
        # which scikit-learn reads; storing them is the same for all.
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def set_params(self, **params):
        """Set the parameters of this estimator: all of them, or none.

        Unlike scikit-learn's, an unknown name is refused before anything is
        set, so a refused call leaves every parameter as it was.

        Parameters
        ----------
        **params : dict
            Parameter names and their new values.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        valid = self.get_params(deep=False)
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(
                f"Invalid parameter(s) {unknown} for estimator "
                f"{type(self).__name__}; none was set. Valid parameters are: "
                f"{sorted(valid)!r}."
            )
        return super().set_params(**params)

    # ------------------------------------------------------------- the fit

    def _fit(self, X, y, sample_weight=None, *, incremental=False, **extra):
        """Plan, train and commit; see the module docstring."""
        view = self._shallow_copy()
        plan = view._plan(X, y, sample_weight, incremental, **extra)
        result = view._train(plan, incremental, fit_tasks_owner=self)
        view._finish(plan, result)
        self._commit(view)
        return self

    def _shallow_copy(self):
        """The training view: a new instance sharing this one's attributes.

        Not ``copy.copy``, which goes through ``__getstate__`` and
        ``__setstate__``: those stamp and check states that are saved and
        loaded, at the cost of a pass over the weights.
        """
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        return view

    def _commit(self, view):
        fitted = {k: v for k, v in vars(view).items() if _is_fitted_attribute(k)}
        with _COMMIT_LOCK:
            for name in [k for k in vars(self) if _is_fitted_attribute(k)]:
                delattr(self, name)
            self.__dict__.update(fitted)

    def _continues(self, incremental):
        """Whether this fit starts from the fitted model (warm start, partial_fit)."""
        return hasattr(self, "coefs_") and (self.warm_start or incremental)

    def _plan(self, X, y, sample_weight, incremental, X_val=None, y_val=None, **kw):
        """Validate everything and build what training starts from.

        Runs on the training view: ``validate_data`` records the features
        here, and nothing reaches the estimator before the commit.
        """
        self._check_combination(incremental, X_val, y_val)
        continuing = self._continues(incremental)
        hidden = self._hidden_layer_sizes()
        activations = self._hidden_activations(len(hidden))
        rates = self._dropout_rates(len(hidden))
        # X and y apart, so that every message says which one is wrong.
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, "
                "but the target y is None."
            )
        with _about("X"):
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=not continuing,
            )
        with _about("y"):
            y = _check_y(y, multi_output=True, estimator=self)
        if X.shape[0] != y.shape[0]:
            raise ValueError(
                "X and y have inconsistent numbers of samples: X has "
                f"{X.shape[0]} and y has {y.shape[0]}."
            )
        if sp.issparse(X):
            X = X.tocsr()  # row batches of a CSC matrix are slow to take
        if continuing and X.dtype != self.coefs_[0].dtype:
            raise ValueError(
                f"X has dtype {X.dtype}, but the model was fitted in "
                f"{self.coefs_[0].dtype} and its weights keep that dtype. Cast X "
                f"to {self.coefs_[0].dtype}, or set warm_start=False to start afresh."
            )
        with _about("y"):
            Y, y = self._encode_targets(y, continuing, incremental, **kw)
        if Y.dtype.kind == "f":
            # Real-valued targets train in the dtype of X, as the network does:
            # P - Y must not turn float32 gradients into float64.
            Y = Y.astype(X.dtype, copy=False)
        sample_weight = self._training_weights(sample_weight, X, y)
        alpha = self.alpha
        if sample_weight is not None:
            # J = (sum s_i l_i + alpha/2 |W|^2) / sum s_i is unchanged when the
            # weights and alpha are scaled together. Weights brought below 1
            # keep sum s_i from overflowing (a uniform 1e308 did), and a power
            # of two keeps every product exact: parity holds bit for bit.
            # Scaled in float64, then cast: float32 weights of 1e300 overflow.
            exponent = np.frexp(sample_weight.max())[1]
            sample_weight = np.ldexp(sample_weight, -exponent).astype(X.dtype)
            alpha = float(np.ldexp(alpha, -exponent))
        validation = None
        if X_val is not None:
            validation = self._validation_set(X_val, y_val, X)

        layer_sizes = [X.shape[1], *hidden, Y.shape[1]]
        rng = check_random_state(self.random_state)
        net = self._starting_network(layer_sizes, activations, X.dtype, continuing, rng)

        stochastic = self.solver in _STOCHASTIC_SOLVERS
        rows = None
        if stochastic and self.early_stopping and validation is None:
            rows, validation = self._split_validation(X, Y, y, sample_weight, rng)
        dropout = self._dropout_for(rates, rng) if stochastic else None
        validating = stochastic and validation is not None
        return _Plan(
            X=X,
            Y=Y,
            y=y,
            sample_weight=sample_weight,
            alpha=alpha,
            rows=rows,
            validation=validation if stochastic else None,
            net=net,
            optimizer=self._optimizer_for(net, continuing, incremental)
            if stochastic
            else None,
            monitor=self._monitor_for(continuing) if stochastic else None,
            history=self._history_for(continuing, validating),
            dropout=dropout,
            rng=rng,
            loader=None,
        )

    def _starting_network(self, layer_sizes, activations, dtype, continuing, rng):
        """The network training starts from: the fitted weights, or new ones."""
        if continuing:
            self._check_same_layers(layer_sizes)
        net = self._build_network(layer_sizes, activations, dtype)
        if continuing:
            net.set_params(self.coefs_, self.intercepts_)
        else:
            self._draw_initial_weights(net, rng)
        return net

    @staticmethod
    def _dropout_for(rates, rng):
        """``(generator, rates)`` for the trainer, or None without dropout."""
        if not any(rates):
            return None
        # A generator of its own, seeded from random_state, so that
        # dropout=0 draws exactly what scikit-learn draws.
        seed = rng.randint(np.iinfo(np.int32).max)
        return (np.random.default_rng(seed), rates)

    def _history_for(self, continuing, validating):
        """The curves this fit extends: the fitted ones, or new ones."""
        history = History()
        if continuing:
            history = History(
                self.loss_curve_,
                self.validation_scores_,
                self.validation_loss_curve_,
                self.t_,
            )
        return history.continued(validating)

    def _check_combination(self, incremental, X_val, y_val):
        """Refuse parameter combinations that cannot train, before any work."""
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: there is no "
                "held-out data between calls. Use fit, or set early_stopping=False "
                "(an early-stopping fit can be continued by partial_fit then)."
            )
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        for callback in self.callbacks or ():
            if not callable(callback):
                raise TypeError(
                    f"Each of callbacks must be callable as callback(estimator, "
                    f"info), got {callback!r}."
                )
        rates = self._dropout_rates(len(self._hidden_layer_sizes()))
        if any(rates) and self.solver == "lbfgs":
            raise ValueError(
                "dropout needs a stochastic solver: L-BFGS minimises one fixed "
                "full-batch objective, with no batches to drop units from. Use "
                "solver='adam' or 'sgd', or dropout=0."
            )

    def _train(self, plan, incremental, fit_tasks_owner):
        """Run the trainer on the plan, with the view showing its progress."""
        net, history = plan.net, plan.history
        # numpy's kernels or compiled ones (the same results), chosen once a
        # fit; a small network never imports numba.
        kernels = compiled_kernels(net.params.size)
        if kernels is not None:
            net.use_kernels(kernels)
            if plan.optimizer is not None:
                plan.optimizer.kernels = kernels
        # The view shows the model as trained so far: its weights are views
        # of the network's, its curves the lists training extends.
        self.coefs_, self.intercepts_ = net.W[1:], net.b[1:]
        self.n_layers_, self.n_outputs_ = len(net.layer_sizes), net.layer_sizes[-1]
        self.out_activation_ = net.output.name
        self.loss_curve_ = history.loss_curve
        self.validation_scores_ = history.validation_scores
        self.validation_loss_curve_ = history.validation_loss_curve
        self.t_, self.n_iter_ = history.t, 0
        self._optimizer, self._monitor = plan.optimizer, plan.monitor

        users = _UserCallbacks(self, self.callbacks or ())
        if incremental:
            max_epochs = 1
        elif plan.optimizer is None:
            # The next iteration's task begins when one ends; after the last,
            # one never runs (as in scikit-learn's LogisticRegression).
            max_epochs = self.max_iter + 1
        else:
            max_epochs = self.max_iter
        fit_tasks = _FitTasks(
            fit_tasks_owner,
            plan.X,
            plan.y,
            plan.sample_weight,
            max_epochs,
            self._fitted_copy,
        )
        listeners = [_ViewProgress(self, history), fit_tasks, users]
        if self.verbose:
            listeners.insert(0, VerbosePrinter())
        loader = plan.loader
        if loader is None and plan.optimizer is not None:
            loader = BatchLoader(
                plan.X,
                plan.Y,
                plan.sample_weight,
                plan.rows,
                self._batch_size(
                    plan.X.shape[0] if plan.rows is None else len(plan.rows)
                ),
            )
        trainer = Trainer(
            max_iter=self.max_iter,
            alpha=plan.alpha,
            # A block loader shuffles blocks, then rows within each, itself.
            shuffle=self.shuffle and plan.loader is None,
            rng=plan.rng,
            listeners=listeners,
            single_epoch=incremental,
            run_to_max_iter=self.learning_rate == "cosine",
        )
        try:
            if plan.optimizer is None:
                result = trainer.run_lbfgs(
                    net,
                    plan.X,
                    plan.Y,
                    plan.sample_weight,
                    self.max_fun,
                    self.tol,
                    history,
                )
            else:
                result = trainer.run(
                    net,
                    plan.optimizer,
                    self._schedule_for(plan, incremental),
                    loader,
                    plan.monitor,
                    history,
                    self._validation_scorer(plan.validation),
                    plan.dropout,
                )
        finally:
            users.fit_ended()
        fit_tasks.fit_ended()
        return result

    def _finish(self, plan, result):
        """Set the view's final attributes, and warn about how training ended."""
        history = plan.history
        self.n_iter_, self.t_ = result.n_iter, history.t
        self.loss_ = result.loss
        if self.loss_ is None and plan.X is not None:
            # No epoch completed (the first diverged, or was interrupted): the
            # loss is that of the weights kept, the ones training started from.
            # (Not computed for a block source: it would take a pass over it.)
            # Data that made the epoch overflow may overflow here too (inf -
            # inf in a layer gives NaN): the loss is then too large for floats.
            with np.errstate(over="ignore", invalid="ignore"):
                loss = plan.net.loss_and_gradient(
                    plan.X, plan.Y, plan.sample_weight, plan.alpha
                )[0]
            self.loss_ = float(loss) if not np.isnan(loss) else np.inf
        stochastic = plan.optimizer is not None
        if stochastic and plan.monitor.quantity == "training loss":
            self.best_loss_ = plan.monitor.best
        elif stochastic:
            self.best_loss_ = None
        else:
            self.best_loss_ = min(history.loss_curve, default=self.loss_)
        self.best_validation_score_ = None
        if stochastic and self.early_stopping and history.validation_scores:
            self.best_validation_score_ = max(history.validation_scores)
        if result.diverged:
            # Its state overflowed; a later warm start begins a new one.
            self._optimizer = None
        self._warn_about(result)

    def _warn_about(self, result):
        if result.interrupted:
            warn(
                "Training interrupted by user: the model keeps what it learned "
                f"in {result.n_iter} epoch(s).",
                UserWarning,
            )
        if result.diverged:
            warn(
                f"Training diverged at epoch {result.n_iter + 1}: the loss or the "
                "weights became non-finite or exploded. Training stopped and the "
                "weights before that epoch were kept. The learning rate "
                f"(learning_rate_init={self.learning_rate_init}) is probably too "
                "high, or the features are not scaled (try StandardScaler in a "
                "Pipeline).",
                TrainingDivergedWarning,
            )
        elif result.unstable:
            warn(
                f"Training ended with a loss of {result.loss:.4g}, more than 10 "
                f"times the lowest it reached: it is unstable. The learning rate "
                f"(learning_rate_init={self.learning_rate_init}) is probably too "
                "high, or the features are not scaled (try StandardScaler in a "
                "Pipeline).",
                TrainingDivergedWarning,
            )
        if result.reached_max_iter and not result.diverged:
            warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        elif result.lbfgs_status and not (
            result.stopped_by_callback or result.diverged
        ):
            warn(
                f"lbfgs failed to converge after {result.n_iter} iteration(s) "
                f"(status={result.lbfgs_status}):\n{result.lbfgs_message}\n\n"
                "Increase the number of iterations (max_iter) or scale the data "
                "as shown in https://scikit-learn.org/stable/modules/"
                "preprocessing.html",
                ConvergenceWarning,
            )

    def _fitted_copy(self):
        """The fitted attributes as trained so far, with copies of the weights.

        For ``sklearn.callback`` hooks that ask for a fitted estimator: the
        weights keep moving after the hook returns.
        """
        fitted = {k: v for k, v in vars(self).items() if _is_fitted_attribute(k)}
        fitted["coefs_"] = [W.copy() for W in self.coefs_]
        fitted["intercepts_"] = [b.copy() for b in self.intercepts_]
        fitted["loss_curve_"] = list(self.loss_curve_)
        return fitted

    # ------------------------------------------- from parameters to network

    def _hidden_layer_sizes(self):
        hidden = self.hidden_layer_sizes
        if not hasattr(hidden, "__iter__"):
            hidden = [hidden]
        hidden = list(hidden)
        if not all(isinstance(n, Integral) and n > 0 for n in hidden):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers, got {hidden}."
            )
        return hidden

    def _hidden_activations(self, n_hidden):
        names = self.activation
        if isinstance(names, str):
            names = [names] * n_hidden
        names = list(names)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation has {len(names)} names for {n_hidden} hidden layers; "
                "give one name per hidden layer, or a single name for all."
            )
        unknown = [n for n in names if n not in ACTIVATIONS]
        if unknown:
            raise ValueError(
                f"Unknown activation(s) {unknown}; choose from {sorted(ACTIVATIONS)}."
            )
        return [ACTIVATIONS[n] for n in names]

    def _dropout_rates(self, n_hidden):
        rates = np.atleast_1d(np.asarray(self.dropout, dtype=float))
        if rates.ndim != 1 or len(rates) not in (1, n_hidden):
            raise ValueError(
                f"dropout must be one rate or one per hidden layer ({n_hidden}), "
                f"got {self.dropout!r}."
            )
        if not np.all((rates >= 0) & (rates < 1)):
            raise ValueError(f"dropout rates must be in [0, 1), got {self.dropout!r}.")
        return tuple(float(r) for r in np.broadcast_to(rates, (n_hidden,)))

    def _build_network(self, layer_sizes, activations, dtype):
        """The one builder of networks, for fit, validation and gradient checks."""
        return Network(layer_sizes, activations, self._output_layer(), dtype)

    def _draw_initial_weights(self, net, rng):
        # Glorot-uniform, drawing from the random state in scikit-learn's order
        # (W then b, layer by layer) so that a seed means the same weights. The
        # output layer takes the factor of the last hidden activation, as
        # scikit-learn takes its one activation's for every layer.
        factors = [f.glorot_factor for f in net.f[1:]]
        if not factors and isinstance(self.activation, str):
            factors = [ACTIVATIONS[self.activation].glorot_factor]
        factors.append(factors[-1] if factors else 6.0)
        for k, factor in zip(range(1, net.n_layers + 1), factors, strict=False):
            fan_in, fan_out = net.W[k].shape
            bound = np.sqrt(factor / (fan_in + fan_out))
            net.W[k][...] = rng.uniform(-bound, bound, (fan_in, fan_out))
            net.b[k][...] = rng.uniform(-bound, bound, fan_out)

    def _check_same_layers(self, layer_sizes):
        expected = list(itertools.pairwise(layer_sizes))
        actual = [tuple(W.shape) for W in self.coefs_]
        if actual != expected:
            raise ValueError(
                f"The current coefs_ have shapes {actual}, but the network needs "
                f"{expected}: hidden_layer_sizes or the number of features changed "
                "since the last fit (or the number of outputs). Set "
                "warm_start=False to start afresh."
            )

    def _training_problem(self, X, y, sample_weight=None):
        """The network and data of the objective ``fit`` minimises, for tools.

        With a fitted estimator, the network holds its current weights; else
        the weights ``fit`` would start from. Nothing on the estimator changes.

        Returns
        -------
        plan : _Plan
            With ``net``, ``X``, ``Y``, ``sample_weight`` and ``dropout``.
        """
        view = self._shallow_copy()
        if hasattr(self, "coefs_"):
            view.warm_start = True
        view._validate_params()
        return view._plan(X, y, sample_weight, incremental=False)

    # ----------------------------------------------------------- optimizer

    def _optimizer_for(self, net, continuing, incremental):
        """A new optimizer with today's parameters, continuing a kept one.

        A kept optimizer (``partial_fit``, or a warm start with
        ``keep_optimizer_state``) lends its progress only to an optimizer of
        the same solver; changed hyperparameters always apply.
        """
        if self.solver == "sgd":
            optimizer = SGD(
                net.params.size,
                net.dtype,
                self.learning_rate_init,
                self.momentum,
                self.nesterovs_momentum,
            )
        else:
            optimizer = Adam(
                net.params.size,
                net.dtype,
                self.learning_rate_init,
                self.beta_1,
                self.beta_2,
                self.epsilon,
            )
        kept = getattr(self, "_optimizer", None) if continuing else None
        keep = incremental or (self.warm_start and self.keep_optimizer_state)
        if keep and type(kept) is type(optimizer):
            optimizer.continue_from(kept)
        return optimizer

    def _schedule_for(self, plan, incremental):
        schedule = SCHEDULES[self.learning_rate](
            self.learning_rate_init, power_t=self.power_t, max_iter=self.max_iter
        )
        if self.warm_start and self.keep_optimizer_state and not incremental:
            # A kept optimizer holds the last fit's final rate, which 'cosine'
            # has decayed to 0: set the rate of this fit's first epoch.
            schedule.epoch_ended(plan.optimizer, 0, plan.history.t)
        return schedule

    def _monitor_for(self, continuing):
        if self.early_stopping:
            quantity = f"validation {self.early_stopping_metric}"
        else:
            quantity = "training loss"
        rules = (quantity, self.tol, self.n_iter_no_change, self.early_stopping)
        kept = getattr(self, "_monitor", None) if continuing else None
        if kept is None:
            return PlateauMonitor(*rules)
        return kept.continued(*rules)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped",
                UserWarning,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    # ------------------------------------------------------------ the data

    def _training_weights(self, sample_weight, X, y):
        """Validated float64 sample weights; subclasses multiply in class weights."""
        if sample_weight is not None:
            with _about("sample_weight"):
                sample_weight = _check_sample_weight(
                    sample_weight, X, dtype=np.float64, ensure_non_negative=True
                )
            self._check_weight_sum(sample_weight)
        return sample_weight

    @staticmethod
    def _check_weight_sum(sample_weight):
        # max, not sum: the same test for non-negative weights, and a sum of
        # huge weights overflows.
        if not sample_weight.max() > 0:
            raise ValueError(
                "The sample weights (times class weights) sum to zero: there is "
                "nothing to learn from. Give some samples a positive weight."
            )

    def _validation_set(self, X_val, y_val, X):
        with _about("X_val"):
            X_val = validate_data(
                self,
                X_val,
                accept_sparse=["csr", "csc"],
                dtype=X.dtype,
                reset=False,
            )
        y_val = self._validate_y_val(y_val)
        if len(y_val) != X_val.shape[0]:
            raise ValueError(
                f"X_val has {X_val.shape[0]} samples but y_val has {len(y_val)}."
            )
        _warn_if_rescaled(X, X_val)
        if self.solver == "lbfgs":
            warn(
                "X_val and y_val are only used by the stochastic solvers "
                "('sgd', 'adam'); solver='lbfgs' ignores them.",
                UserWarning,
            )
        return X_val, y_val, None

    def _split_validation(self, X, Y, y, sample_weight, rng):
        # Split indices, not X: only the validation rows are copied. The
        # indices are those train_test_split(X, y, ...) would use, so the
        # split matches scikit-learn's for the same random state.
        n_samples = X.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n_samples))
        stratify = self._stratify(Y)
        n_classes = 0 if stratify is None else len(np.unique(stratify, axis=0))
        if n_val < max(2, n_classes) or n_samples - n_val < max(1, n_classes):
            raise ValueError(
                f"validation_fraction={self.validation_fraction} of {n_samples} "
                f"samples holds out {n_val} for early stopping, too few to "
                f"validate on"
                + (f" with {n_classes} classes (stratified)" if n_classes else "")
                + ": at least 2 are needed, and one per class. Increase "
                "validation_fraction, pass X_val and y_val, or use more data."
            )
        rows, val_rows = train_test_split(
            np.arange(n_samples),
            random_state=rng,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        sw_val = None if sample_weight is None else sample_weight[val_rows]
        return rows, (X[val_rows], y[val_rows], sw_val)

    def _validation_scorer(self, validation):
        """``scorer(net) -> (score, loss)`` on the validation set, or None."""
        if validation is None:
            return None
        X_val, y_val, sw_val = validation

        def scorer(net):
            return self._validation_metrics(net.predict(X_val), y_val, sw_val)

        return scorer

    # ------------------------------------------------------------- predict

    def _forward(self, X, pre_activation=False):
        """The output layer's values for validated ``X``, or its ``z_L``.

        The output is the fitted one (``out_activation_``), not the one the
        parameters (``loss``) now ask for. Never NaN or inf: features near the
        float maximum overflow a layer (and ``inf - inf`` gives NaN), or an
        exp output, which is refused with a message instead of numpy's
        warnings and a non-finite prediction.
        """
        output = OUTPUT_LAYERS[self.out_activation_].activation
        with np.errstate(over="ignore", invalid="ignore"):
            out = predict_output(
                X,
                self.coefs_,
                self.intercepts_,
                self._hidden_activations(len(self.coefs_) - 1),
                _identity if pre_activation else output,
            )
        if not np.isfinite(out).all():
            raise ValueError(
                "X holds values so large that the network's forward pass "
                "overflowed (not finite in float64/float32). Scale X as the "
                "training data were scaled."
            )
        return out

    def _validate_X(self, X):
        with _about("X"):
            return validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
