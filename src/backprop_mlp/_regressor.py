"""BackpropMLPRegressor: what regression adds to the shared base."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from ._base import BaseBackpropMLP, _is_stochastic
from ._diagnostics import warn_if_target_scale_is_extreme
from ._targets import (
    RealEncoding,
    check_outputs,
    encode_real_targets,
    output_for_loss,
    real_targets,
    refuse_categorical,
)

__all__ = ["BackpropMLPRegressor"]


class BackpropMLPRegressor(RegressorMixin, BaseBackpropMLP):
    """Multilayer-perceptron regressor trained by back-propagation in numpy.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`: the same
    parameters, defaults, fitted attributes, objective and update rules, so
    both give the same model from the same weights. It shares its network,
    optimizers and training loop with
    :class:`~backprop_mlp.BackpropMLPClassifier`, and with it everything that
    estimator adds to scikit-learn's: dropout, more and per-layer
    activations, validation loss and a user-supplied validation set,
    learning-rate schedules for every stochastic solver, and callbacks.

    The objective is the mean of the loss over samples (weighted by
    ``sample_weight``), summed over outputs, plus ``alpha / (2 n)`` times the
    sum of the squared weights (``n`` the number of samples, or the sum of
    the sample weights). For a single output it is scikit-learn's objective;
    for several, scikit-learn 1.9 reports the squared error *averaged* over
    outputs while following the gradient of their sum (its issue #8349), and
    ``loss_curve_`` here is that sum.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        'squared_error': identity output (``out_activation_='identity'``)
        and half the squared error ``(y - p)**2 / 2``. 'poisson': exponential
        output (``out_activation_='exp'``, a log link: predictions are
        positive) and half the Poisson deviance ``y log(y / p) - y + p``;
        targets must be non-negative.

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
        Learning-rate schedule of the stochastic solvers, as for
        :class:`~backprop_mlp.BackpropMLPClassifier`; unlike scikit-learn,
        schedules also apply to 'adam'.

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
        dropout, consumed as scikit-learn consumes it.

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
        Whether to stop when the validation R² (or loss, see
        ``early_stopping_metric``) stops improving, and restore the best
        weights. The validation set is ``validation_fraction`` of the training
        data (not stratified, as in scikit-learn), or the ``X_val, y_val``
        passed to ``fit``.

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

    dropout : float or array-like of float, default=0.0
        Dropout rate of the hidden layers, one for all or one per hidden
        layer, in [0, 1). Inverted dropout: nothing changes at prediction.

    early_stopping_metric : {'score', 'loss'}, default='score'
        What early stopping watches on the validation set: the R²
        (scikit-learn's behaviour) or the validation loss.

    schedule_horizon : int or None, default=None
        The number of epochs over which ``learning_rate='cosine'`` decays to
        zero, counted from the start of the training run; see
        :class:`~backprop_mlp.BackpropMLPClassifier`.

    keep_optimizer_state : bool, default='deprecated'
        Deprecated since 0.2, to be removed in 0.4: use
        ``warm_start='continue'``.

    callbacks : list of callable or None, default=None
        Called as ``callback(estimator, info)`` after every epoch (or L-BFGS
        iteration); see :class:`~backprop_mlp.BackpropMLPClassifier`. With
        scikit-learn >= 1.9, ``set_callbacks`` also accepts
        ``sklearn.callback`` callbacks.

    Attributes
    ----------
    loss_ : float
        The objective at the end of training.
    best_loss_ : float or None
        The lowest training loss reached (None with early stopping).
    loss_curve_ : list of float
        The training objective after each epoch (each L-BFGS iteration).
    validation_scores_ : list of float or None
        The validation R² after each epoch, when validating; NaN for the
        epochs of an earlier fit that did not validate. None when no epoch
        validated.
    validation_loss_curve_ : list of float or None
        The validation loss after each epoch, as ``validation_scores_``.
    best_validation_score_ : float or None
        The best validation R², when validating.
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
        The number of epochs (iterations for 'lbfgs') the weights have been
        trained for, over every fit and ``partial_fit`` that continued them:
        ``len(loss_curve_)``. (scikit-learn's counts only the last ``fit``.)
    n_layers_ : int
        The number of layers, input and output included.
    n_outputs_ : int
        The number of outputs.
    out_activation_ : str
        'identity' (squared error) or 'exp' (Poisson).

    See Also
    --------
    sklearn.neural_network.MLPRegressor : scikit-learn's implementation.
    BackpropMLPClassifier : The classifier on the same core.

    Examples
    --------
    >>> import numpy as np
    >>> from backprop_mlp import BackpropMLPRegressor
    >>> X = np.linspace(-3, 3, 200).reshape(-1, 1)
    >>> y = np.sin(X).ravel()
    >>> reg = BackpropMLPRegressor(hidden_layer_sizes=(16,), activation="tanh",
    ...                            solver="lbfgs", random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.99
    True
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **BaseBackpropMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
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
        dropout=0.0,
        early_stopping_metric="score",
        schedule_horizon=None,
        keep_optimizer_state="deprecated",
        callbacks=None,
    ):
        self._store_params(locals())

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None):
        """Fit the model to data matrix X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values: real numbers (non-negative for
            ``loss='poisson'``).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            A validation set, used instead of an internal split: scored after
            every epoch (``validation_scores_``, ``validation_loss_curve_``)
            and, with ``early_stopping=True``, watched for stopping.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), \
                default=None
            The targets of ``X_val``.

        Returns
        -------
        self : BackpropMLPRegressor
            The fitted estimator.
        """
        return self._fit((X, y, sample_weight), X_val=X_val, y_val=y_val)

    @available_if(_is_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values, with as many outputs as on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : BackpropMLPRegressor
            The updated estimator.
        """
        return self._fit((X, y, sample_weight), incremental=True)

    # ------------------------------------------------------------ targets

    def _fit(self, source, **kwargs):
        if not hasattr(source, "n_rows"):
            # Before validation, which turns a categorical column into plain
            # codes or strings and loses the sign of a classification problem.
            refuse_categorical(source[1], "y")
        return super()._fit(source, **kwargs)

    def _target_encoding(self):
        return RealEncoding(output_for_loss(self.loss), self.n_outputs_)

    def _encode_targets(self, y, fitted, incremental, classes=None):
        encoding = RealEncoding(output_for_loss(self.loss), None)
        if fitted is not None and fitted.output is not encoding.output:
            raise ValueError(
                f"loss={self.loss!r} needs the output activation "
                f"{encoding.output.name!r}, but the model was fitted with "
                f"{fitted.output.name!r}. Set warm_start=False to start afresh."
            )
        n_outputs = None if fitted is None else fitted.n_outputs
        Y, y = encode_real_targets(y, self.loss, n_outputs, incremental, self)
        if fitted is None:
            warn_if_target_scale_is_extreme(y)
        return RealEncoding(encoding.output, Y.shape[1]), Y, y

    def _stratify(self, Y):
        return None  # as scikit-learn: regression splits are not stratified

    def _validate_y_val(self, y_val, encoding):
        refuse_categorical(y_val, "y_val")
        y_val = real_targets(y_val, "y_val", self.loss, self)
        check_outputs(
            1 if y_val.ndim == 1 else y_val.shape[1], encoding.n_outputs, "y_val"
        )
        if len(y_val) < 2:
            # R² of one sample is undefined: r2_score would warn every epoch
            # without naming y_val, and validation_scores_ would hold NaN.
            # The internal split refuses fewer than 2 validation samples too.
            raise ValueError(
                f"y_val has {len(y_val)} sample(s): the validation R² needs at "
                "least 2. Pass a larger validation set."
            )
        self._check_validation_target(y_val, "y_val")
        return y_val

    def _check_validation_target(self, y_val, name):
        """Refuse a constant validation target when early stopping watches R²."""
        if not (self.early_stopping and self.early_stopping_metric == "score"):
            return
        Y = y_val.reshape(len(y_val), -1)
        if np.all(Y == Y[:1]):
            raise ValueError(
                f"{name} is constant ({Y[0].tolist()}): its R² is 0 or undefined "
                "at every epoch, so early stopping on the score would stop at "
                "its first chance with a poor model. Use "
                "early_stopping_metric='loss', or a validation set whose target "
                "varies."
            )

    def _validation_metrics(self, P, y, sample_weight, encoding):
        loss = encoding.output.loss(y.reshape(len(y), -1), P, sample_weight)
        if not np.isfinite(P).all():
            return np.nan, loss  # as scikit-learn, whose r2_score would raise
        y_pred = P.ravel() if P.shape[1] == 1 else P
        return r2_score(y, y_pred, sample_weight=sample_weight), loss

    # ------------------------------------------------------------ predict

    def predict(self, X):
        """Predict using the multilayer perceptron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        model = self._fitted_model()
        P = model._forward(model._validate_X(X))
        return P.ravel() if P.shape[1] == 1 else P

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Multi-output for both losses; but check_regressor_multioutput feeds
        # make_regression's negative targets whatever positive_only says, so
        # the Poisson loss, which must refuse them, does not claim the tag.
        # getattr: unpickling asks for the tags before the state is restored.
        poisson = getattr(self, "loss", None) == "poisson"
        tags.target_tags.multi_output = not poisson
        tags.target_tags.positive_only = poisson
        return tags
