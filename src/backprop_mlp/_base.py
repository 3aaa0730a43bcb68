"""The estimators' shared base: parameters, the fit as a transaction, predict.

:class:`BaseBackpropMLP` is what :class:`~backprop_mlp.BackpropMLPClassifier`
and :class:`~backprop_mlp.BackpropMLPRegressor` share. A fit (``fit``,
``partial_fit``, :func:`~backprop_mlp.fit_blocks`) is a transaction in three
steps:

1. **Plan** (:func:`~backprop_mlp._planning.plan_fit`): validate everything
   and build what training starts from. The estimator is only read.
2. **Train**: the :class:`~backprop_mlp._training.Trainer` moves the network.
   Callbacks receive a *view*, a copy of the estimator on which the model as
   trained so far can already predict.
3. **Commit** (:meth:`BaseBackpropMLP._commit`): the fitted attributes
   (:func:`~backprop_mlp._planning.fitted_attributes`) replace the
   estimator's in one swap of its ``__dict__``. An exception before this
   step leaves a fitted estimator exactly as it was; a thread that predicts
   meanwhile sees the old model or the new one, never a mix or neither.

A subclass adds only what differs: how targets are validated and encoded
(:mod:`backprop_mlp._targets`), the validation metrics, stratification, and
prediction.
"""

import threading
import weakref
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
)
from sklearn.utils.validation import check_is_fitted

from ._activations import ACTIVATIONS
from ._callbacks import VerbosePrinter, _CallbackSupportMixin, _FitTasks, _UserCallbacks
from ._data import checked_X
from ._losses import OUTPUT_LAYERS
from ._network import predict_output
from ._outcomes import check_result, warn_about
from ._persistence import PersistenceMixin
from ._planning import activation_names, fitted_attributes, plan_fit
from ._schedules import SCHEDULES
from ._training import Listener, Trainer
from ._warnings import ContinuationWarning, warn

__all__ = ["BaseBackpropMLP"]

# Fitted state that does not end in "_": committed and replaced with the rest.
_PRIVATE_FITTED = (
    "_optimizer",
    "_monitor",
    "_label_binarizer",
    "_run",
    "_activation_names",
)

# One lock for every commit: a commit is a few dict operations, never worth a
# lock per instance (which would also have to survive pickling and clone).
_COMMIT_LOCK = threading.Lock()

# The estimators (and their training views) being fitted in each thread.
_fitting = threading.local()

# The parameters each estimator last passed validation with.
_validated = weakref.WeakKeyDictionary()


def _is_fitted_attribute(name):
    return name in _PRIVATE_FITTED or (name.endswith("_") and not name.startswith("__"))


def _identity(z):
    return z


def _is_stochastic(estimator):
    if estimator.solver not in ("sgd", "adam"):
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers "
            f"('sgd', 'adam'); solver={estimator.solver!r} is not stochastic."
        )
    return True


class _Guard:
    """Refuse a fit of an estimator that this thread is fitting already.

    A callback that calls ``fit`` on the estimator it receives (the training
    view) or on the one being fitted would mix two fits in one commit.
    """

    def __init__(self, estimator):
        self.ids = set()
        self.add(estimator)

    def add(self, estimator):
        """Count ``estimator`` among those being fitted in this thread."""
        active = _fitting.__dict__.setdefault("ids", set())
        if id(estimator) in active:
            raise RuntimeError(
                f"fit was called on a {type(estimator).__name__} that is being "
                "fitted: a callback cannot fit the estimator it receives (nor "
                "the one being trained). Fit a copy instead: "
                "sklearn.base.clone(estimator).fit(...)."
            )
        active.add(id(estimator))
        self.ids.add(id(estimator))

    def release(self):
        """Forget the estimators of this fit."""
        _fitting.ids -= self.ids


@contextmanager
def _guarded(estimator):
    guard = _Guard(estimator)
    try:
        yield guard
    finally:
        guard.release()


class _LiveView(Listener):
    """Keep the training view's fitted attributes at the last epoch."""

    def __init__(self, view, plan):
        self.view, self.plan = view, plan

    def epoch_ended(self, record):
        """Refresh the view's attributes; never stops training."""
        self.view.__dict__.update(fitted_attributes(self.plan))
        return False


# PersistenceMixin first: its __getstate__/__setstate__ wrap BaseEstimator's.
class BaseBackpropMLP(PersistenceMixin, _CallbackSupportMixin, BaseEstimator):
    """Shared base of the back-propagation estimators; not to be used directly.

    Subclasses implement ``_encode_targets``, ``_target_encoding``,
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
        "warm_start": ["boolean", StrOptions({"continue"})],
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
        "schedule_horizon": [Interval(Integral, 1, None, closed="left"), None],
        "keep_optimizer_state": ["boolean", StrOptions({"deprecated"})],
        "callbacks": [list, None],
    }

    @classmethod
    def _get_param_names(cls):
        # scikit-learn reads them off the __init__ signature at every
        # get_params, which every fit's parameter validation calls: a
        # continued fit of one epoch spent a tenth of its time there.
        names = cls.__dict__.get("_param_names")
        if names is None:
            names = super()._get_param_names()
            cls._param_names = names
        return names

    def _validate_params(self):
        """Validate the parameters, unless they are the objects last validated.

        scikit-learn validates every parameter at every fit; a search that
        continues a model one epoch at a time spent a tenth of each call there.
        The same objects are the same valid values: a constraint checks a
        value's type and range, which no change in place (of a list, say)
        can break without another check refusing it later.
        """
        params = self.get_params(deep=False)
        last = _validated.get(self)
        if last is not None and last.keys() == params.keys():
            if all(last[name] is value for name, value in params.items()):
                return
        super()._validate_params()
        _validated[self] = params

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

    def _fit(self, source, *, incremental=False, X_val=None, y_val=None, classes=None):
        """Plan, train and commit; see the module docstring.

        Parameters
        ----------
        source : tuple (X, y, sample_weight) or BlockSource
        incremental : bool, default=False
            Whether the call is ``partial_fit``.
        X_val, y_val, classes
            As for :func:`~backprop_mlp._planning.plan_fit`.

        Returns
        -------
        self
        """
        if getattr(self, "keep_optimizer_state", "deprecated") != "deprecated":
            warn(
                "keep_optimizer_state was deprecated in 0.2 and will be removed "
                "in 0.4. Use warm_start='continue', which continues the optimizer "
                "and the rest of the training run (its random streams, its "
                "validation split, its schedule): keep_optimizer_state=True with "
                "warm_start=True now does the same.",
                FutureWarning,
            )
        with _guarded(self) as guard:
            plan = plan_fit(
                self,
                source,
                incremental=incremental,
                X_val=X_val,
                y_val=y_val,
                classes=classes,
            )
            if plan.ended is not None:
                warn(
                    "warm_start='continue' trained no further epoch: the "
                    f"training run had ended, as one longer fit would have: "
                    f"{plan.ended}. To train on, start a new run from these "
                    "weights with warm_start=True (after divergence, with a "
                    "lower learning_rate_init).",
                    ContinuationWarning,
                )
                return self
            view = self._shallow_copy()
            guard.add(view)
            try:
                result = self._train(plan, view, incremental)
                check_result(plan, result, self.learning_rate_init)
            except BaseException:
                if plan.run is not None:
                    plan.run.rewind()  # the model's run shares its streams
                raise
            self._commit(fitted_attributes(plan, result))
        warn_about(result, self.learning_rate_init, self.max_iter)
        return self

    def _shallow_copy(self):
        """A new instance sharing this one's attributes.

        Not ``copy.copy``, which goes through ``__getstate__`` and
        ``__setstate__``: those stamp and check states that are saved and
        loaded, at the cost of a pass over the weights.
        """
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        return view

    def _commit(self, fitted):
        """Replace the fitted attributes with ``fitted``, in one swap.

        The parameters stay; every old fitted attribute goes (one the new
        model has no value for, ``feature_names_in_`` say, too). The new
        ``__dict__`` is made aside and swapped in: a reader sees the old
        state or the new one.
        """
        with _COMMIT_LOCK:
            state = {
                k: v for k, v in self.__dict__.items() if not _is_fitted_attribute(k)
            }
            state.update(fitted)
            self.__dict__ = state

    def _fitted_model(self):
        """The fitted model as it is now, unchanged by a commit meanwhile.

        Predictions read this snapshot: a commit replaces the estimator's
        ``__dict__`` rather than changing it, so the snapshot keeps one
        model's attributes whatever another thread commits.
        """
        check_is_fitted(self)
        model = object.__new__(type(self))
        model.__dict__ = self.__dict__
        return model

    def _train(self, plan, view, incremental):
        """Run the trainer on the plan; the view shows its progress."""
        view.__dict__.update(fitted_attributes(plan))
        callbacks = self.callbacks or ()
        listeners = []
        if self.verbose:
            listeners.append(VerbosePrinter())
        if callbacks or getattr(self, "_skl_callbacks", None):
            listeners.append(_LiveView(view, plan))
        stochastic = plan.optimizer is not None
        # The next L-BFGS iteration's task begins when one ends; after the
        # last, one never runs (as in scikit-learn's LogisticRegression).
        max_tasks = plan.max_epochs + (0 if stochastic else 1)
        fit_tasks = _FitTasks(
            self,
            plan.X,
            plan.y,
            plan.sample_weight,
            max_tasks,
            lambda: _copied(fitted_attributes(plan)),
        )
        users = _UserCallbacks(view, callbacks)
        listeners += [fit_tasks, users]
        trainer = Trainer(
            max_epochs=plan.max_epochs,
            alpha=plan.alpha,
            # A block loader shuffles blocks, then rows within each, itself.
            shuffle=self.shuffle and plan.X is not None,
            listeners=listeners,
            dropout_rates=plan.dropout_rates,
            budget_is_a_limit=not incremental and self.learning_rate != "cosine",
        )
        try:
            if not stochastic:
                result = trainer.run_lbfgs(
                    plan.net,
                    plan.X,
                    plan.Y,
                    plan.sample_weight,
                    self.max_fun,
                    self.tol,
                    plan.history,
                )
            else:
                result = trainer.run(
                    plan.net,
                    plan.optimizer,
                    plan.schedule,
                    plan.loader,
                    plan.monitor,
                    plan.history,
                    plan.run,
                    self._validation_scorer(plan),
                )
        finally:
            users.fit_ended()
        fit_tasks.fit_ended()
        return result

    def _validation_scorer(self, plan):
        """``scorer(net) -> (score, loss)`` on the validation set, or None."""
        if plan.validation is None:
            return None
        X_val, y_val, sw_val = plan.validation
        encoding = plan.encoding

        def scorer(net):
            return self._validation_metrics(net.predict(X_val), y_val, sw_val, encoding)

        return scorer

    def _training_problem(self, X, y, sample_weight=None):
        """The network and data of the objective ``fit`` minimises, for tools.

        With a fitted estimator, the network holds its current weights; else
        the weights ``fit`` would start from. Nothing on the estimator changes.

        Returns
        -------
        plan : TrainingPlan
            With ``net``, ``X``, ``Y``, ``sample_weight``, ``alpha``, ``run``
            and ``dropout_rates``.
        """
        self._validate_params()
        return plan_fit(self, (X, y, sample_weight), start="weights")

    # ------------------------------------------------------------ hooks

    def _training_weights(self, sample_weight, y, encoding):
        """The training weights; a classifier multiplies in its class weights."""
        return sample_weight

    def _check_validation_target(self, y_val, name):
        """Refuse a validation target that early stopping cannot watch."""

    # ------------------------------------------------------------- predict

    def _forward(self, X, pre_activation=False):
        """The output layer's values for validated ``X``, or its ``z_L``.

        Called on a snapshot (:meth:`_fitted_model`). The network is the
        fitted one (its activations and ``out_activation_``), not the one the
        parameters now ask for. Never NaN or inf: features near the float
        maximum overflow a layer (and ``inf - inf`` gives NaN), or an exp
        output, which is refused with a message instead of numpy's warnings
        and a non-finite prediction.
        """
        output = OUTPUT_LAYERS[self.out_activation_].activation
        names = getattr(self, "_activation_names", None)
        if names is None:  # a model saved before the names were kept
            names = activation_names(self.activation, len(self.coefs_) - 1)
        with np.errstate(over="ignore", invalid="ignore"):
            out = predict_output(
                X,
                self.coefs_,
                self.intercepts_,
                [ACTIVATIONS[name] for name in names],
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
        return checked_X(self, X, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _copied(attributes):
    """Fitted attributes with copies of what training keeps changing.

    For ``sklearn.callback`` hooks that ask for a fitted estimator: the
    weights keep moving after the hook returns.
    """
    attributes = dict(attributes)
    attributes["coefs_"] = [W.copy() for W in attributes["coefs_"]]
    attributes["intercepts_"] = [b.copy() for b in attributes["intercepts_"]]
    attributes["loss_curve_"] = list(attributes["loss_curve_"])
    return attributes
