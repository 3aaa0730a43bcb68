"""BackpropMLPClassifier: what classification adds to the shared base."""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import unique_labels

from ._base import BaseBackpropMLP, _is_stochastic
from ._targets import LabelEncoding, encode_labels
from ._warnings import TrainingDivergedWarning

__all__ = ["BackpropMLPClassifier", "TrainingDivergedWarning"]


def _labels_from_output(binarizer, P):
    """The labels of network outputs ``P``, as scikit-learn's MLPClassifier."""
    if P.shape[1] == 1:
        P = P.ravel()
    return binarizer.inverse_transform(P)


class BackpropMLPClassifier(ClassifierMixin, BaseBackpropMLP):
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
        ``schedule_horizon`` epochs (``max_iter`` when None). Unlike
        scikit-learn, schedules also apply to 'adam'.

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

    warm_start : bool or 'continue', default=False
        False: each ``fit`` starts from new weights. True: ``fit`` starts a
        new training run from the current ``coefs_`` and ``intercepts_``, as
        scikit-learn does (a new optimizer state, the random streams seeded
        afresh from ``random_state``). 'continue': ``fit`` continues the
        same training run for ``max_iter`` more epochs, exactly: a fit of
        ``a`` epochs continued by one of ``b`` is the fit of ``a + b`` epochs,
        bit for bit (the optimizer state, the schedule, the shuffling and
        dropout streams, the validation split and the early-stopping monitor
        all go on). See the user guide, "Continuing a training run".

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

    schedule_horizon : int or None, default=None
        The number of epochs over which ``learning_rate='cosine'`` decays to
        zero, counted from the start of the training run (continued fits
        included): a fixed horizon makes a continued run follow one schedule.
        None: each fit decays over its own ``max_iter`` epochs, so that a
        continued fit restarts the decay (a warm restart).

    keep_optimizer_state : bool, default='deprecated'
        Deprecated since 0.2, to be removed in 0.4: use
        ``warm_start='continue'``, which ``warm_start=True`` with
        ``keep_optimizer_state=True`` now means.

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
        The validation accuracy after each epoch, when validating; NaN for
        the epochs of an earlier fit that did not validate. None when no
        epoch validated.
    validation_loss_curve_ : list of float or None
        The validation log-loss after each epoch, as ``validation_scores_``.
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
        The number of epochs (iterations for 'lbfgs') the weights have been
        trained for, over every fit and ``partial_fit`` that continued them:
        ``len(loss_curve_)``. (scikit-learn's counts only the last ``fit``.)
    n_layers_ : int
        The number of layers, input and output included.
    n_outputs_ : int
        The number of output units.
    out_activation_ : str
        'logistic' (binary, multilabel) or 'softmax' (multiclass).

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The implementation in scikit-learn,
        which this one matches number for number.
    sklearn.neural_network.MLPRegressor : The multilayer perceptron of
        scikit-learn for regression.
    check_gradients : Back-propagation against finite differences, layer by
        layer.
    LossCurveDisplay : The training and validation curves of a fitted model.
    ProgressBar : A progress report over the epochs, for ``callbacks``.

    Notes
    -----
    The gradient is computed by back-propagation [1]_; the initial weights are
    drawn from Glorot and Bengio's uniform distribution [2]_; the default
    solver is Adam [3]_.

    References
    ----------
    .. [1] D. E. Rumelhart, G. E. Hinton and R. J. Williams, "Learning
       representations by back-propagating errors", Nature 323, 533-536,
       1986. https://doi.org/10.1038/323533a0
    .. [2] X. Glorot and Y. Bengio, "Understanding the difficulty of training
       deep feedforward neural networks", Proceedings of the 13th
       International Conference on Artificial Intelligence and Statistics
       (AISTATS), PMLR 9, 249-256, 2010.
       https://proceedings.mlr.press/v9/glorot10a.html
    .. [3] D. P. Kingma and J. Ba, "Adam: A method for stochastic
       optimization", 2014. https://arxiv.org/abs/1412.6980

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
        **BaseBackpropMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
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
        return self._fit((X, y, sample_weight), X_val=X_val, y_val=y_val)

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
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs every label at once and is not "
                "supported by partial_fit; pass a dict of class weights instead."
            )
        return self._fit((X, y, sample_weight), incremental=True, classes=classes)

    # ------------------------------------------------------------ targets

    def _target_encoding(self):
        return LabelEncoding(self._label_binarizer)

    def _encode_targets(self, y, fitted, incremental, classes=None):
        return encode_labels(y, fitted, incremental, classes)

    def _training_weights(self, sample_weight, y, encoding):
        if self.class_weight is None:
            return sample_weight
        class_weight = self._class_weight_per_sample(
            y, sample_weight, encoding.classes
        ).astype(float)
        if sample_weight is not None:
            class_weight *= sample_weight
        return class_weight

    def _class_weight_per_sample(self, y, sample_weight, classes):
        if y.ndim != 1:
            # Multilabel: per column, multiplied, as scikit-learn weighs outputs.
            return compute_sample_weight(self.class_weight, y)
        _, y_index = np.unique(y, return_inverse=True)
        if self.class_weight == "balanced":
            # As scikit-learn's linear models: classes are counted by sample
            # weight, so weights and class weights compose.
            counts = np.bincount(y_index, weights=sample_weight).astype(float)
            per_class = np.divide(
                counts.sum(),
                len(counts) * counts,
                out=np.zeros_like(counts),
                where=counts > 0,
            )
            return per_class[y_index]
        unknown = [c for c in self.class_weight if c not in set(classes)]
        if unknown:
            raise ValueError(
                f"class_weight has labels {unknown} that are not classes; the "
                f"classes are {classes.tolist()}."
            )
        # Looked up per label, so that a batch of partial_fit missing a class
        # is weighted as that class would be in the whole data.
        weights = np.array([float(self.class_weight.get(c, 1.0)) for c in classes])
        return weights[np.searchsorted(classes, y)]

    def _stratify(self, Y):
        # As scikit-learn: stratified for single-output (binary) targets only.
        return Y if Y.shape[1] == 1 else None

    def _validate_y_val(self, y_val, encoding):
        y_val = np.asarray(y_val)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        unseen = np.setdiff1d(unique_labels(y_val), encoding.classes)
        if len(unseen):
            raise ValueError(f"y_val has labels {unseen} not seen in y.")
        return y_val

    def _validation_metrics(self, P, y, sample_weight, encoding):
        loss = encoding.output.loss(encoding.encode(y), P.copy(), sample_weight)
        y_pred = _labels_from_output(encoding.binarizer, P)
        return accuracy_score(y, y_pred, sample_weight=sample_weight), loss

    # ------------------------------------------------------------ predict

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
        model = self._fitted_model()
        P = model._forward(model._validate_X(X))
        return _labels_from_output(model._label_binarizer, P)

    def predict_proba(self, X):
        """Probability estimates.

        Logistic outputs (binary and multilabel targets) are clipped to
        ``[eps, 1 - eps]`` of their dtype, as the training loss clips them:
        a probability is never exactly 0 or 1. Softmax rows sum to 1.

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
        model = self._fitted_model()
        P = model._forward(model._validate_X(X))
        if len(model.classes_) == 1:
            # One class seen: it is certain, and there is one column for it.
            return np.ones_like(P)
        if model.out_activation_ == "logistic":
            eps = np.finfo(P.dtype).eps
            np.clip(P, eps, 1 - eps, out=P)
        if model._is_binary():
            return np.hstack([1 - P, P])
        return P

    def predict_log_proba(self, X):
        """Log of probability estimates, computed in log space.

        From the output pre-activations ``z``: ``log sigmoid(z) =
        -log(1 + exp(-z))`` for logistic outputs (clipped as
        :meth:`predict_proba` clips), and ``z - logsumexp(z)`` for softmax. It
        is finite everywhere, and equals ``log(predict_proba(X))`` wherever
        that is finite, without its ``-inf`` where a probability underflows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``.
        """
        model = self._fitted_model()
        Z = model._forward(model._validate_X(X), pre_activation=True)
        if len(model.classes_) == 1:
            return np.zeros_like(Z)
        if model.out_activation_ == "softmax":
            # Shifted first, as softmax shifts: z - logsumexp(z) would round
            # a large z (float32: 1e4 to within 1e-3) before subtracting.
            Z -= Z.max(axis=1, keepdims=True)
            return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        eps = np.finfo(Z.dtype).eps
        bounds = np.log(Z.dtype.type(eps)), np.log1p(Z.dtype.type(-eps))
        log_p = np.clip(-np.logaddexp(0, -Z), *bounds)
        if model._is_binary():
            log_not_p = np.clip(-np.logaddexp(0, Z), *bounds)
            return np.hstack([log_not_p, log_p])
        return log_p

    def _is_binary(self):
        return self.n_outputs_ == 1 and self._label_binarizer.y_type_ == "binary"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
