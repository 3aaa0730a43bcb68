"""Gradient checking: back-propagation against central finite differences.

Back-propagation is the chain rule applied by hand, one layer at a time, and a
wrong derivative anywhere (an activation's, the output layer's, the L2
penalty's) does not make training fail: it makes it slower or worse, quietly.
:func:`check_gradients` compares every partial derivative of the training
objective that :meth:`~backprop_mlp._network.Network.loss_and_gradient`
returns with the central difference

.. math:: \\frac{\\partial J}{\\partial \\theta_i} \\approx
    \\frac{J(\\theta + \\varepsilon e_i) - J(\\theta - \\varepsilon e_i)}
    {2 \\varepsilon},

whose error is :math:`O(\\varepsilon^2)`, and reports the relative error of
each layer's weight matrix and bias vector.
"""

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils import check_random_state

from ._base import BaseBackpropMLP
from ._batches import dropout_masks
from ._classifier import BackpropMLPClassifier
from ._network import Network, layer_views

__all__ = ["GradientCheckResult", "LayerGradientCheck", "check_gradients"]


def _relative_error(backprop, numerical):
    """``||g - n|| / (||g|| + ||n||)``: 0 when equal, 1 when unrelated or opposite.

    Scale-free, so one threshold fits every layer; 0 when both are zero.
    """
    denominator = np.linalg.norm(backprop) + np.linalg.norm(numerical)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(backprop - numerical) / denominator)


@dataclass(frozen=True)
class LayerGradientCheck:
    """The gradient check of one layer's weights ``W_k`` and biases ``b_k``.

    Parameters
    ----------
    layer : int
        ``k``, from 1 (the first hidden layer) to the output layer.
    activation : str
        The activation of the layer's units: a hidden activation, or
        'logistic', 'softmax', 'identity' or 'exp' for the output layer.
    weights_error, biases_error : float
        Relative errors ``||g - n|| / (||g|| + ||n||)`` between the
        back-propagated gradient ``g`` and the finite differences ``n``, over
        the checked entries.
    backprop_weights, numerical_weights : ndarray of shape (n_{k-1}, n_k)
        ``dJ/dW_k`` by back-propagation and by finite differences (NaN where
        an entry was not checked).
    backprop_biases, numerical_biases : ndarray of shape (n_k,)
        The same for ``b_k``.
    """

    layer: int
    activation: str
    weights_error: float
    biases_error: float
    backprop_weights: np.ndarray = field(repr=False)
    numerical_weights: np.ndarray = field(repr=False)
    backprop_biases: np.ndarray = field(repr=False)
    numerical_biases: np.ndarray = field(repr=False)

    @property
    def max_error(self):
        """float: The larger of the weights' and the biases' errors."""
        return max(self.weights_error, self.biases_error)


@dataclass(frozen=True)
class GradientCheckResult:
    """What :func:`check_gradients` found, layer by layer.

    Printing it shows a table of the relative errors; an error above ``tol``
    is flagged. Typical values are ``1e-10`` to ``1e-8`` for a correct
    gradient in float64 and ``1e-3`` to ``1`` for a wrong one.

    Parameters
    ----------
    layers : list of LayerGradientCheck
        One entry per layer, ``layers[k - 1]`` for layer ``k``.
    loss : float
        The objective ``J`` at the parameters that were checked.
    eps : float
        The finite-difference step.
    tol : float
        The relative error above which an array is flagged.
    n_checked : int
        How many partial derivatives were compared.
    n_params : int
        How many parameters the network has.
    """

    layers: list
    loss: float
    eps: float
    tol: float
    n_checked: int
    n_params: int

    @property
    def errors(self):
        """dict: ``{'W1': error, 'b1': error, 'W2': ...}``, per array."""
        errors = {}
        for layer in self.layers:
            errors[f"W{layer.layer}"] = layer.weights_error
            errors[f"b{layer.layer}"] = layer.biases_error
        return errors

    @property
    def max_error(self):
        """float: The largest relative error over all layers."""
        return max(layer.max_error for layer in self.layers)

    @property
    def ok(self):
        """bool: Whether no relative error exceeds ``tol``."""
        return self.max_error <= self.tol

    def __repr__(self):
        verdict = "ok" if self.ok else "MISMATCH"
        lines = [
            f"GradientCheckResult({verdict}: max relative error "
            f"{self.max_error:.2e}, tol={self.tol:g}, eps={self.eps:g}, "
            f"loss={self.loss:.6g}, {self.n_checked}/{self.n_params} "
            "partial derivatives checked)",
            f"  {'layer':>5}  {'activation':<10}  {'weights':<10}  "
            f"{'rel. error':>10}  {'biases':<7}  {'rel. error':>10}",
        ]
        for layer in self.layers:
            shape = "x".join(str(n) for n in layer.backprop_weights.shape)
            lines.append(
                f"  {layer.layer:>5}  {layer.activation:<10}  {shape:<10}  "
                f"{layer.weights_error:>10.2e}  {layer.backprop_biases.size:<7}  "
                f"{layer.biases_error:>10.2e}{self._flag(layer)}"
            )
        return "\n".join(lines)

    def _flag(self, layer):
        return "  <- MISMATCH" if layer.max_error > self.tol else ""


def _as_float64(X):
    return X.astype(np.float64) if sp.issparse(X) else np.asarray(X, np.float64)


def _float64_problem(estimator, X, y, sample_weight):
    """The network and data ``fit`` trains on, with a float64 copy of the network.

    Central differences need double precision: with float32 the rounding error
    of J (~1e-7 relative) divided by 2 eps swamps the derivative.
    """
    if hasattr(estimator, "coefs_") and not sp.issparse(X):
        # A fitted model keeps its dtype; the data follow it.
        X = np.asarray(X, dtype=estimator.coefs_[0].dtype)
    problem = estimator._training_problem(X, y, sample_weight)
    net = problem.net
    net64 = Network(net.layer_sizes, net.f[1:], net.output, np.float64)
    net64.params[...] = net.params
    return problem, net64


def check_gradients(
    estimator_or_params,
    X,
    y,
    *,
    sample_weight=None,
    eps=1e-6,
    tol=1e-6,
    n_entries=None,
    random_state=0,
):
    """Compare back-propagation with central finite differences, layer by layer.

    The function checked is the training objective of the estimator on
    ``X, y``: for :class:`~backprop_mlp.BackpropMLPClassifier` the mean
    log-loss, weighted by ``sample_weight`` times the class weights, for
    :class:`~backprop_mlp.BackpropMLPRegressor` the mean half squared error
    or half Poisson deviance, each plus the L2 penalty ``alpha``. Its
    gradient by back-propagation
    (:meth:`Network.loss_and_gradient <backprop_mlp._network.Network.\
loss_and_gradient>`) is compared, entry by entry, with

    ``(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)``

    computed with the same function, in float64 whatever the model's dtype.
    With dropout, one set of masks is drawn and held fixed, so the check
    covers back-propagation through the masks too.

    Parameters
    ----------
    estimator_or_params : BackpropMLPClassifier, BackpropMLPRegressor or dict
        A fitted estimator (its current weights are checked), an unfitted one
        or a dict of constructor parameters of
        :class:`~backprop_mlp.BackpropMLPClassifier` (the initial weights
        ``fit`` would draw from ``random_state`` are checked, without
        training).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The input data. Keep it small: each checked entry costs two passes.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The labels, or the regression targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, as for ``fit``.
    eps : float, default=1e-6
        The finite-difference step. The error of a central difference is
        ``O(eps**2)`` plus a rounding error ``O(1e-16 / eps)``; ``1e-6``
        balances both in float64.
    tol : float, default=1e-6
        Relative errors above this are flagged in the result.
    n_entries : int or None, default=None
        Check at most this many randomly chosen entries of each weight matrix
        and bias vector (all of them when None), to check a large network
        quickly.
    random_state : int, RandomState instance or None, default=0
        Chooses the entries when ``n_entries`` is set, and draws the dropout
        masks.

    Returns
    -------
    result : GradientCheckResult
        The relative error of each layer's weights and biases, their maximum
        (``result.max_error``), whether all are below ``tol``
        (``result.ok``), and both gradients in full. Print it for a table.

    See Also
    --------
    GradientCheckResult : What it returns; printing it shows the table.
    BackpropMLPClassifier : The estimator whose objective is checked.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from backprop_mlp import check_gradients
    >>> X, y = make_moons(n_samples=40, noise=0.2, random_state=0)
    >>> result = check_gradients(
    ...     {"hidden_layer_sizes": (5, 3), "activation": "tanh", "random_state": 0},
    ...     X, y,
    ... )
    >>> result.ok, result.max_error < 1e-8
    (True, True)
    >>> sorted(result.errors)
    ['W1', 'W2', 'W3', 'b1', 'b2', 'b3']
    >>> [layer.activation for layer in result.layers]
    ['tanh', 'tanh', 'logistic']

    A regressor's objective, here the Poisson deviance of its exp output:

    >>> from backprop_mlp import BackpropMLPRegressor
    >>> reg = BackpropMLPRegressor(loss="poisson", hidden_layer_sizes=(4,),
    ...                            random_state=0)
    >>> result = check_gradients(reg, X, y)
    >>> result.ok, result.layers[-1].activation
    (True, 'exp')
    """
    if isinstance(estimator_or_params, dict):
        estimator = BackpropMLPClassifier(**estimator_or_params)
    elif isinstance(estimator_or_params, BaseBackpropMLP):
        estimator = estimator_or_params
    else:
        raise TypeError(
            "estimator_or_params must be a BackpropMLPClassifier, a "
            "BackpropMLPRegressor or a dict of the classifier's parameters, got "
            f"{type(estimator_or_params).__name__}."
        )
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}.")
    if n_entries is not None and not (
        isinstance(n_entries, Integral) and n_entries > 0
    ):
        raise ValueError(
            f"n_entries must be a positive int or None, got {n_entries!r}."
        )

    if not hasattr(estimator, "coefs_"):
        estimator = clone(estimator)
    problem, net = _float64_problem(estimator, X, y, sample_weight)
    X, Y = _as_float64(problem.X), problem.Y
    sample_weight = problem.sample_weight
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    rng = check_random_state(random_state)
    rates = problem.dropout_rates or ()
    masks = dropout_masks(
        np.random.default_rng(rng.randint(np.iinfo(np.int32).max)),
        rates,
        X.shape[0],
        net.layer_sizes,
        net.dtype,
    )

    def objective():
        return net.loss_and_gradient(X, Y, sample_weight, problem.alpha, masks)

    loss, grad = objective()
    backprop = grad.copy()  # the network reuses its gradient buffer
    numerical = np.full_like(backprop, np.nan)
    params = net.params
    # Index arrays laid out like params: where each W_k and b_k lives in it.
    where_W, where_b = layer_views(np.arange(params.size), net.layer_sizes)
    to_check = []
    for where in [*where_W[1:], *where_b[1:]]:
        where = where.ravel()
        if n_entries is not None and where.size > n_entries:
            where = rng.choice(where, n_entries, replace=False)
        to_check.append(where)
    for i in np.concatenate(to_check):
        theta = params[i]
        params[i] = theta + eps
        loss_plus = objective()[0]
        params[i] = theta - eps
        loss_minus = objective()[0]
        params[i] = theta
        numerical[i] = (loss_plus - loss_minus) / (2 * eps)

    backprop_W, backprop_b = layer_views(backprop, net.layer_sizes)
    numerical_W, numerical_b = layer_views(numerical, net.layer_sizes)
    names = [f.name for f in net.f[1:]] + [net.output.name]
    layers = []
    for k in range(1, net.n_layers + 1):
        checked_W = ~np.isnan(numerical_W[k])
        checked_b = ~np.isnan(numerical_b[k])
        layers.append(
            LayerGradientCheck(
                layer=k,
                activation=names[k - 1],
                weights_error=_relative_error(
                    backprop_W[k][checked_W], numerical_W[k][checked_W]
                ),
                biases_error=_relative_error(
                    backprop_b[k][checked_b], numerical_b[k][checked_b]
                ),
                backprop_weights=backprop_W[k],
                numerical_weights=numerical_W[k],
                backprop_biases=backprop_b[k],
                numerical_biases=numerical_b[k],
            )
        )
    return GradientCheckResult(
        layers=layers,
        loss=float(loss),
        eps=float(eps),
        tol=float(tol),
        n_checked=int(sum(where.size for where in to_check)),
        n_params=int(params.size),
    )
