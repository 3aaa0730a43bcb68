"""BackpropMLPClassifier: the scikit-learn face of the back-propagation core."""

import itertools
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._activations import ACTIVATIONS
from ._callbacks import _CallbackSupportMixin, _FitTasks
from ._kernels import compiled_kernels
from ._losses import LOGISTIC_OUTPUT, SOFTMAX_OUTPUT
from ._network import Network, predict_output
from ._optimizers import SGD, Adam
from ._schedules import SCHEDULES
from ._training import BatchLoader, minimize_lbfgs, train_epoch

__all__ = ["BackpropMLPClassifier", "TrainingDivergedWarning"]

_STOCHASTIC_SOLVERS = ("sgd", "adam")


class TrainingDivergedWarning(ConvergenceWarning):
    """Training stopped because the loss or the weights stopped being finite.

    The model keeps the last weights that were finite; the message names the
    likely cause (learning rate too high, features not scaled).
    """


# A run whose weights grow past this, or whose loss grows this many times past
# its lowest (and past 1), is diverging: a converging log-loss run does neither.
_MAX_ABS_WEIGHT = 1e12
_LOSS_GROWTH = 1e4


def _has_diverged(loss, lowest_loss, params):
    """Whether an epoch ended with non-finite or exploding loss or weights."""
    if not np.isfinite(loss) or loss > _LOSS_GROWTH * max(lowest_loss, 1.0):
        return True
    # NaN compares False, so this also catches non-finite weights; max and min
    # rather than abs, which would copy the weights every epoch.
    return not max(params.max(), -params.min()) < _MAX_ABS_WEIGHT


@contextmanager
def _interruptible():
    """Turn Ctrl-C during training into a warning, keeping the weights so far."""
    try:
        yield
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.", stacklevel=4)


def _is_stochastic(estimator):
    if estimator.solver not in _STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers "
            f"('sgd', 'adam'); solver={estimator.solver!r} is not stochastic."
        )
    return True


class BackpropMLPClassifier(_CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Multilayer-perceptron classifier trained by back-propagation in numpy.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, defaults, fitted attributes, objective and update rules, so
    both give the same model from the same weights. On top of it: class
    weights, dropout, more and per-layer activations, validation loss and a
    user-supplied validation set, learning-rate schedules for every stochastic
    solver, and per-epoch callbacks.

    The objective is the mean log-loss plus ``alpha / (2 n)`` times the sum of
    the squared weights (``n`` the number of samples, or the sum of the sample
    weights), exactly as in scikit-learn.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The number of units in each hidden layer.

    activation : str or list of str, default='relu'
        Activation of the hidden layers: one name for all of them, or a list
        with one name per hidden layer. Names: 'identity', 'logistic', 'tanh',
        'relu' (as scikit-learn), and 'leaky_relu' (slope 0.01), 'elu',
        'softplus', 'gelu' (tanh approximation) and 'swish'.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The optimizer: L-BFGS through ``scipy.optimize.minimize``, stochastic
        gradient descent with momentum, or Adam.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights.

    batch_size : int or 'auto', default='auto'
        Mini-batch size for the stochastic solvers; 'auto' is
        ``min(200, n_samples)``. Ignored by 'lbfgs'.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
            default='constant'
        Learning-rate schedule of the stochastic solvers. 'constant' keeps
        ``learning_rate_init``; 'invscaling' divides it by ``(t + 1) **
        power_t`` with ``t`` the samples seen; 'adaptive' divides it by 5 each
        time training stops improving; 'cosine' decays it to zero over
        ``max_iter`` epochs. Unlike scikit-learn, schedules also apply to
        'adam'.

    learning_rate_init : float, default=0.001
        The initial learning rate of the stochastic solvers.

    power_t : float, default=0.5
        The exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations ('lbfgs').

    shuffle : bool, default=True
        Whether to shuffle the samples in each epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, the early-stopping split, shuffling and
        dropout. It is consumed as scikit-learn consumes it, so the same seed
        gives both estimators the same initial weights.

    tol : float, default=1e-4
        Improvement below which an epoch counts as no improvement.

    verbose : bool, default=False
        Whether to print progress, one line per epoch or L-BFGS iteration.

    warm_start : bool, default=False
        Whether ``fit`` continues from the current ``coefs_`` and
        ``intercepts_`` instead of initialising new ones.

    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Whether to stop when the validation score (or loss, see
        ``early_stopping_metric``) stops improving, and restore the best
        weights. The validation set is ``validation_fraction`` of the training
        data (stratified for binary targets, as in scikit-learn), or the
        ``X_val, y_val`` passed to ``fit``.

    validation_fraction : float, default=0.1
        Share of the training data set aside for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Epochs without improvement of more than ``tol`` before stopping (or,
        with 'adaptive', lowering the learning rate).

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` as in
        scikit-learn's linear models: ``{label: weight}``, or 'balanced' for
        ``n_samples / (n_classes * np.bincount(y))``.

    dropout : float or array-like of float, default=0.0
        Dropout rate of the hidden layers, one for all or one per hidden
        layer, in [0, 1). Inverted dropout: kept units are scaled by ``1 / (1
        - rate)`` during training, so nothing changes at prediction.

    early_stopping_metric : {'score', 'loss'}, default='score'
        What early stopping watches on the validation set: the accuracy
        (scikit-learn's behaviour) or the log-loss.

    keep_optimizer_state : bool, default=False
        With ``warm_start``, whether a new ``fit`` continues with the
        optimizer's state (velocities, Adam's moments and step count, the
        adapted learning rate) instead of resetting it, as scikit-learn does.

    callbacks : list of callable or None, default=None
        Called as ``callback(estimator, info)`` after every epoch (or L-BFGS
        iteration), where ``info`` is a dict with 'epoch', 'loss',
        'validation_score' and 'validation_loss'. A callback returning True
        stops training. A callback may also have an ``on_fit_end(estimator)``
        method, called once when training ends, however it ends. See
        :class:`backprop_mlp.ProgressBar`. With scikit-learn >= 1.9,
        ``set_callbacks`` also accepts ``sklearn.callback`` callbacks (such as
        its ``ProgressBar``), which see each epoch as a subtask of the fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    loss_ : float
        The objective at the end of training.
    best_loss_ : float or None
        The lowest training loss reached (None with early stopping).
    loss_curve_ : list of float
        The training objective after each epoch (each L-BFGS iteration).
    validation_scores_ : list of float or None
        The validation accuracy after each epoch, when validating.
    validation_loss_curve_ : list of float or None
        The validation log-loss after each epoch, when validating.
    best_validation_score_ : float or None
        The best validation accuracy, when validating.
    t_ : int
        The number of training samples seen by the stochastic solver.
    coefs_ : list of ndarray
        ``coefs_[k]`` of shape ``(n_k, n_{k+1})``, the weights into layer k+1.
    intercepts_ : list of ndarray
        ``intercepts_[k]`` of shape ``(n_{k+1},)``, the biases of layer k+1.
    n_features_in_ : int
        The number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        The feature names seen in ``fit``, when they are all strings.
    n_iter_ : int
        The number of epochs (iterations for 'lbfgs') run.
    n_layers_ : int
        The number of layers, input and output included.
    n_outputs_ : int
        The number of output units.
    out_activation_ : str
        'logistic' (binary, multilabel) or 'softmax' (multiclass).

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's implementation.

    Examples
    --------
    >>> from sklearn.datasets import make_circles
    >>> from backprop_mlp import BackpropMLPClassifier
    >>> X, y = make_circles(n_samples=300, factor=0.5, noise=0.05, random_state=0)
    >>> clf = BackpropMLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs",
    ...                             random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
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
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "early_stopping_metric": [StrOptions({"score", "loss"})],
        "keep_optimizer_state": ["boolean"],
        "callbacks": [list, None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
        dropout=0.0,
        early_stopping_metric="score",
        keep_optimizer_state=False,
        callbacks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight
        self.dropout = dropout
        self.early_stopping_metric = early_stopping_metric
        self.keep_optimizer_state = keep_optimizer_state
        self.callbacks = callbacks

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None):
        """Fit the model to data matrix X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or a label indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            A validation set, used instead of an internal split: scored after
            every epoch (``validation_scores_``, ``validation_loss_curve_``)
            and, with ``early_stopping=True``, watched for stopping. In a
            Pipeline, route it with metadata routing and
            ``Pipeline(transform_input=["X_val"])``.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), \
                default=None
            The labels of ``X_val``.

        Returns
        -------
        self : BackpropMLPClassifier
            The fitted estimator.
        """
        return self._fit(
            X, y, sample_weight, incremental=False, X_val=X_val, y_val=y_val
        )

    @available_if(_is_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            All the classes that calls to ``partial_fit`` may see. Required on
            the first call, ignored afterwards.

        Returns
        -------
        self : BackpropMLPClassifier
            The updated estimator.
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight, incremental=True)

    def _fit(self, X, y, sample_weight, incremental, X_val=None, y_val=None):
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: there is no "
                "held-out data between calls. Use fit, or early_stopping=False."
            )
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs every label at once and is not "
                "supported by partial_fit; pass a dict of class weights instead."
            )
        for callback in self.callbacks or ():
            if not callable(callback):
                raise TypeError(
                    f"Each of callbacks must be callable as callback(estimator, "
                    f"info), got {callback!r}."
                )
        dropout = self._dropout_rates(len(self._hidden_layer_sizes()))
        if any(dropout) and self.solver == "lbfgs":
            raise ValueError(
                "dropout needs a stochastic solver: L-BFGS minimises one fixed "
                "full-batch objective, with no batches to drop units from. Use "
                "solver='adam' or 'sgd', or dropout=0."
            )
        net, X, Y, labels, sample_weight = self._init_network(
            X, y, sample_weight, incremental
        )
        # numpy's kernels or compiled ones (same results), chosen once a fit.
        kernels = compiled_kernels(net.params.size)
        if kernels is not None:
            net.f = kernels.activations(net.f)
        validation = None
        if X_val is not None or y_val is not None:
            validation = self._validate_validation_set(X_val, y_val)

        # Reports epochs to sklearn.callback callbacks (set_callbacks) and
        # calls on_fit_end of the `callbacks`, however training ends.
        with _FitTasks(self, X, labels, sample_weight, incremental):
            if self.solver == "lbfgs":
                if validation is not None:
                    warnings.warn(
                        "X_val and y_val are only used by the stochastic solvers "
                        "('sgd', 'adam'); solver='lbfgs' ignores them.",
                        UserWarning,
                        stacklevel=3,
                    )
                self._fit_lbfgs(net, X, Y, sample_weight)
            else:
                self._fit_stochastic(
                    net, X, Y, sample_weight, incremental, validation, dropout, kernels
                )
        return self

    def _init_network(self, X, y, sample_weight=None, incremental=False):
        """Validate the data and build the network training starts from.

        Everything ``fit`` does before its first epoch: new weights drawn from
        ``random_state`` (or, warm-starting, the current ones), and the sample
        weights times the class weights. ``coefs_`` and ``intercepts_`` become
        views of the returned network's parameters. ``check_gradients`` uses
        it on a clone to check the very network ``fit`` would train.

        Returns
        -------
        net : Network
        X : ndarray or sparse matrix
            The validated input.
        Y : ndarray of bool
            The indicator targets.
        labels : ndarray
            The validated labels.
        sample_weight : ndarray or None
            The training weights, class weights included.
        """
        hidden = self._hidden_layer_sizes()
        activations = self._hidden_activations(len(hidden))
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y, labels = self._validate_input(X, y, incremental, reset=first_pass)
        if not first_pass and X.dtype != self.coefs_[0].dtype:
            # The model's dtype is fixed by its first fit; a later batch of
            # another dtype must not silently switch it (and its optimizer).
            X = X.astype(self.coefs_[0].dtype)
        sample_weight = self._training_weights(sample_weight, X, labels)

        layer_sizes = [X.shape[1], *hidden, Y.shape[1]]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(layer_sizes, activations, X.dtype)
        else:
            self._check_warm_start_shapes(layer_sizes)
        net = Network(layer_sizes, activations, self._output_layer(), X.dtype)
        net.set_params(self.coefs_, self.intercepts_)
        # Training moves net.params; coefs_ and intercepts_ are views of it.
        self.coefs_, self.intercepts_ = net.W[1:], net.b[1:]
        return net, X, Y, labels, sample_weight

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

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if sp.issparse(X):
            # Row batches of a CSC matrix are slow to take.
            X = X.tocsr()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)

        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        f"classes as in the previous call to fit. Previously got "
                        f"{self.classes_}, `y` has {classes}."
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. `y` has {classes}."
                )
        # bool targets: P - Y then stays in the dtype of P (float32 or 64).
        Y = self._label_binarizer.transform(y).astype(bool)
        return X, Y, y

    def _class_weight_per_sample(self, y, sample_weight):
        if self.class_weight == "balanced" and y.ndim == 1:
            # As scikit-learn's linear models: classes are counted by sample
            # weight, so weights and class weights compose.
            _, y_index = np.unique(y, return_inverse=True)
            counts = np.bincount(y_index, weights=sample_weight).astype(float)
            per_class = np.divide(
                counts.sum(),
                len(counts) * counts,
                out=np.zeros_like(counts),
                where=counts > 0,
            )
            weights = per_class[y_index]
        else:
            weights = compute_sample_weight(self.class_weight, y)
        return weights

    def _training_weights(self, sample_weight, X, y):
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        if self.class_weight is not None:
            class_weight = self._class_weight_per_sample(y, sample_weight)
            class_weight = class_weight.astype(X.dtype)
            sample_weight = (
                class_weight if sample_weight is None else sample_weight * class_weight
            )
        if sample_weight is not None and not sample_weight.sum() > 0:
            raise ValueError(
                "The sample weights (times class weights) sum to zero: there is "
                "nothing to learn from. Give some samples a positive weight."
            )
        return sample_weight

    def _validate_validation_set(self, X_val, y_val):
        if X_val is None or y_val is None:
            raise ValueError("Pass both X_val and y_val, or neither.")
        X_val = validate_data(
            self,
            X_val,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        y_val = np.asarray(y_val)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        if len(y_val) != X_val.shape[0]:
            raise ValueError(
                f"X_val has {X_val.shape[0]} samples but y_val has {len(y_val)}."
            )
        unseen = np.setdiff1d(unique_labels(y_val), self.classes_)
        if len(unseen):
            raise ValueError(f"y_val has labels {unseen} not seen in y.")
        return X_val, y_val, None

    def _output_layer(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return SOFTMAX_OUTPUT
        return LOGISTIC_OUTPUT

    def _initialize(self, layer_sizes, activations, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = layer_sizes[-1]
        self.n_layers_ = len(layer_sizes)
        self.out_activation_ = self._output_layer().name
        # Glorot-uniform, drawing from the random state in scikit-learn's order
        # (W then b, layer by layer) so that a seed means the same weights. The
        # output layer takes the factor of the last hidden activation, as
        # scikit-learn takes its one activation's for every layer.
        factors = [act.glorot_factor for act in activations]
        if not factors and isinstance(self.activation, str):
            factors = [ACTIVATIONS[self.activation].glorot_factor]
        factors.append(factors[-1] if factors else 6.0)
        self.coefs_, self.intercepts_ = [], []
        for (fan_in, fan_out), factor in zip(
            itertools.pairwise(layer_sizes), factors, strict=False
        ):
            bound = np.sqrt(factor / (fan_in + fan_out))
            W = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
            b = self._random_state.uniform(-bound, bound, fan_out)
            self.coefs_.append(W.astype(dtype, copy=False))
            self.intercepts_.append(b.astype(dtype, copy=False))
        validating = self.early_stopping and self.solver in _STOCHASTIC_SOLVERS
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self.best_loss_ = None if validating else np.inf
        self.best_validation_score_ = -np.inf if validating else None
        self.validation_scores_ = [] if validating else None
        self.validation_loss_curve_ = [] if validating else None
        self._best_validation_loss = np.inf
        self._best_params = None
        self._optimizer = None

    def _check_warm_start_shapes(self, layer_sizes):
        expected = [(i, o) for i, o in itertools.pairwise(layer_sizes)]
        actual = [tuple(W.shape) for W in self.coefs_]
        if actual != expected:
            raise ValueError(
                f"The current coefs_ have shapes {actual}, but the network needs "
                f"{expected}: hidden_layer_sizes or the number of features changed "
                "since the last fit. Set warm_start=False to start afresh."
            )

    # -------------------------------------------------------- stochastic

    def _make_optimizer(self, net):
        if self.solver == "sgd":
            return SGD(
                net.params.size,
                net.dtype,
                self.learning_rate_init,
                self.momentum,
                self.nesterovs_momentum,
            )
        return Adam(
            net.params.size,
            net.dtype,
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
        )

    def _fit_stochastic(
        self, net, X, Y, sample_weight, incremental, validation, rates, kernels=None
    ):
        reuse = incremental or (self.warm_start and self.keep_optimizer_state)
        optimizer = getattr(self, "_optimizer", None)
        if (
            not reuse
            or optimizer is None
            or optimizer.n_params != net.params.size
            or optimizer.dtype != net.dtype
        ):
            optimizer = self._optimizer = self._make_optimizer(net)
        optimizer.kernels = kernels
        schedule = SCHEDULES[self.learning_rate](
            self.learning_rate_init, power_t=self.power_t, max_iter=self.max_iter
        )
        if self.warm_start and self.keep_optimizer_state and not incremental:
            # A kept optimizer holds the last fit's final rate, which 'cosine'
            # has decayed to 0: set the rate of this fit's first epoch.
            schedule.epoch_ended(optimizer, 0, self.t_)

        rows = None
        if self.early_stopping and validation is None:
            rows, validation = self._split_validation(X, Y, sample_weight)
        if validation is not None and self.validation_scores_ is None:
            self.validation_scores_, self.validation_loss_curve_ = [], []
        n_samples = X.shape[0] if rows is None else len(rows)
        batch_size = self._batch_size(n_samples)
        loader = BatchLoader(X, Y, sample_weight, rows, batch_size)
        dropout = None
        if any(rates):
            # A generator of its own, seeded from random_state, so that
            # dropout=0 draws exactly what scikit-learn draws.
            seed = self._random_state.randint(np.iinfo(np.int32).max)
            dropout = (np.random.default_rng(seed), rates)

        if self.early_stopping and self._best_params is None:
            self._best_params = net.params.copy()
            self.best_validation_score_ = -np.inf
        order = np.arange(n_samples)
        last_good = net.params.copy()
        lowest_loss = np.inf
        self.n_iter_ = 0
        # A diverging run overflows; it is detected after the epoch and
        # reported once, as a TrainingDivergedWarning, not as numpy noise.
        with np.errstate(over="ignore", invalid="ignore"), _interruptible():
            for _ in range(self.max_iter):
                self._fit_tasks.begin_epoch()
                if self.shuffle:
                    permutation = np.arange(n_samples)
                    self._random_state.shuffle(permutation)
                    order = order[permutation]
                loss = train_epoch(
                    net,
                    optimizer,
                    loader,
                    self.alpha,
                    order if self.shuffle else None,
                    dropout,
                )
                if _has_diverged(loss, lowest_loss, net.params):
                    net.params[...] = last_good
                    self._warn_diverged()
                    break
                last_good[...] = net.params
                lowest_loss = min(lowest_loss, loss)
                self.n_iter_ += 1
                self.t_ += n_samples
                self.loss_ = loss
                self.loss_curve_.append(loss)
                info = self._epoch_info(loss, validation)
                if self.verbose:
                    self._print_epoch(info)
                self._update_no_improvement_count(net, info)
                schedule.epoch_ended(optimizer, self.n_iter_, self.t_)
                if self._run_callbacks(info):
                    break
                if self._no_improvement_count > self.n_iter_no_change:
                    stop, message = schedule.on_plateau(optimizer)
                    if self.verbose:
                        print(f"{self._plateau_message()} {message}")
                    if stop:
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                # 'cosine' is meant to run all max_iter epochs, to a rate of 0.
                if self.n_iter_ == self.max_iter and self.learning_rate != "cosine":
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=4,
                    )

        if self.early_stopping:
            net.params[...] = self._best_params

    def _split_validation(self, X, Y, sample_weight):
        # Split indices, not X: only the validation rows are copied. The
        # indices are those train_test_split(X, y, ...) would use, so the
        # split matches scikit-learn's for the same random state.
        stratify = Y if Y.shape[1] == 1 else None
        rows, val_rows = train_test_split(
            np.arange(X.shape[0]),
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        if len(val_rows) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        y_val = self._label_binarizer.inverse_transform(Y[val_rows])
        sw_val = None if sample_weight is None else sample_weight[val_rows]
        return rows, (X[val_rows], y_val, sw_val)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped",
                stacklevel=2,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _epoch_info(self, loss, validation):
        info = {
            "epoch": self.n_iter_,
            "loss": loss,
            "validation_score": None,
            "validation_loss": None,
        }
        if validation is not None:
            X_val, y_val, sw_val = validation
            P = self._forward(X_val)
            score, val_loss = self._validation_metrics(P, y_val, sw_val)
            self.validation_scores_.append(score)
            self.validation_loss_curve_.append(val_loss)
            info.update(validation_score=score, validation_loss=val_loss)
        return info

    def _validation_metrics(self, P, y, sample_weight):
        Y = self._label_binarizer.transform(y).astype(bool)
        loss = self._output_layer().loss(Y, P.copy(), sample_weight)
        y_pred = self._labels_from_output(P)
        return accuracy_score(y, y_pred, sample_weight=sample_weight), loss

    def _update_no_improvement_count(self, net, info):
        if not self.early_stopping:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
            return
        score, val_loss = info["validation_score"], info["validation_loss"]
        # The monitored quantity, signed so that higher is better.
        if self.early_stopping_metric == "loss":
            monitored, best = -val_loss, -self._best_validation_loss
        else:
            monitored, best = score, self.best_validation_score_
        if monitored < best + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if monitored > best:
            self._best_params = net.params.copy()
        self._best_validation_loss = min(self._best_validation_loss, val_loss)
        self.best_validation_score_ = max(self.best_validation_score_, score)

    def _plateau_message(self):
        if self.early_stopping:
            what = "Validation " + self.early_stopping_metric
            return (
                f"{what} did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
        return (
            f"Training loss did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )

    def _print_epoch(self, info):
        print(f"Iteration {info['epoch']}, loss = {info['loss']:.8f}")
        if info["validation_score"] is not None:
            print(
                f"Validation score: {info['validation_score']:f}, "
                f"validation loss: {info['validation_loss']:f}"
            )

    def _run_callbacks(self, info):
        # The epoch's sklearn.callback task (set_callbacks) ends first.
        stop = self._fit_tasks.end_epoch()
        for callback in self.callbacks or ():
            stop = bool(callback(self, info)) or stop
        return stop

    def _warn_diverged(self):
        warnings.warn(
            f"Training diverged at epoch {self.n_iter_ + 1}: the loss or the "
            "weights became non-finite or exploded. Training stopped and the "
            "weights before that epoch were kept. The learning rate "
            f"(learning_rate_init={self.learning_rate_init}) is probably too high, "
            "or the features are not scaled (try StandardScaler in a Pipeline).",
            TrainingDivergedWarning,
            stacklevel=2,
        )

    # ------------------------------------------------------------ lbfgs

    def _fit_lbfgs(self, net, X, Y, sample_weight):
        self.n_iter_ = 0
        self.loss_curve_ = []
        best = {"loss": np.inf, "params": net.params.copy(), "stopped": False}

        def on_iteration(params, loss):
            self.n_iter_ += 1
            self.loss_curve_.append(loss)
            if np.isfinite(loss) and loss < best["loss"]:
                best["loss"], best["params"] = loss, params.copy()
            info = {
                "epoch": self.n_iter_,
                "loss": loss,
                "validation_score": None,
                "validation_loss": None,
            }
            if self.verbose:
                self._print_epoch(info)
            best["stopped"] = self._run_callbacks(info)
            if not best["stopped"]:
                # SciPy has no hook before an iteration: it begins here.
                self._fit_tasks.begin_epoch()
            return best["stopped"]

        self._fit_tasks.begin_epoch()
        # As for the stochastic solvers: overflow is reported once, below.
        with np.errstate(over="ignore", invalid="ignore"):
            result = minimize_lbfgs(
                net,
                X,
                Y,
                sample_weight,
                self.alpha,
                self.max_iter,
                self.max_fun,
                self.tol,
                on_iteration,
            )
        self.loss_ = float(result.fun)
        if not (np.isfinite(self.loss_) and np.isfinite(net.params).all()):
            net.params[...] = best["params"]
            self.loss_ = best["loss"]
            self._warn_diverged()
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)
        self.n_iter_ = min(int(result.nit), self.max_iter)
        if result.status != 0 and not best["stopped"]:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}):\n{result.message}\n\n"
                "Increase the number of iterations (max_iter) or scale the data "
                "as shown in https://scikit-learn.org/stable/modules/"
                "preprocessing.html",
                ConvergenceWarning,
                stacklevel=2,
            )

    # ---------------------------------------------------------- predict

    def _forward(self, X):
        """Output-layer probabilities for validated ``X``."""
        return predict_output(
            X,
            self.coefs_,
            self.intercepts_,
            self._hidden_activations(len(self.coefs_) - 1),
            self._output_layer(),
        )

    def _labels_from_output(self, P):
        if self.n_outputs_ == 1:
            P = P.ravel()
        return self._label_binarizer.inverse_transform(P)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted labels (an indicator matrix for multilabel targets).
        """
        check_is_fitted(self)
        return self._labels_from_output(self._forward(self._validate_X(X)))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``. For
            multilabel targets, the probability of each label independently.
        """
        check_is_fitted(self)
        P = self._forward(self._validate_X(X))
        if len(self.classes_) == 1:
            # One class seen: it is certain, and there is one column for it.
            return np.ones_like(P)
        if self.n_outputs_ == 1 and self._label_binarizer.y_type_ == "binary":
            return np.hstack([1 - P, P])
        return P

    def predict_log_proba(self, X):
        """Log of probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def _validate_X(self, X):
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
        tags.classifier_tags.multi_label = True
        return tags
