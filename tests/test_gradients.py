"""Tests of back-propagation: ``Network.loss_and_gradient`` against oracles.

Oracles:

- central finite differences of the loss over the whole flat parameter vector;
- an independent re-implementation of the objective and of the per-layer
  equations of the :mod:`backprop_mlp._network` docstring, written here with
  textbook formulas (activation derivatives by finite differences);
- invariances that a correct *mean* objective has and the classic tutorial
  bugs break (duplicating the batch, integer sample weights as repeated rows).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from backprop_mlp._activations import ACTIVATIONS
from backprop_mlp._losses import LOGISTIC_OUTPUT, SOFTMAX_OUTPUT
from backprop_mlp._network import Network, count_params
from backprop_mlp._operations import operations_for

# Every test runs on numpy's kernels, and on the compiled ones when numba is
# installed.
pytestmark = pytest.mark.usefixtures("kernel_path")

N_SAMPLES, N_FEATURES, HIDDEN = 7, 5, (4, 3)
HIDDEN_NAMES = sorted(ACTIVATIONS)
TARGETS = ["binary", "multiclass", "multilabel"]
KINKED = {"relu", "leaky_relu", "elu"}
FD_STEP = 1e-6
GRAD_RTOL = 1e-6


# ----------------------------------------------------------------- helpers


def make_problem(target, seed=0, n_samples=N_SAMPLES, dtype=np.float64):
    """A small random batch and indicator targets.

    Parameters
    ----------
    target : {'binary', 'multiclass', 'multilabel'}
    seed : int, default=0
    n_samples : int, default=N_SAMPLES
    dtype : dtype, default=np.float64

    Returns
    -------
    X : ndarray of shape (n_samples, N_FEATURES)
    Y : ndarray of bool of shape (n_samples, n_outputs)
        One column for binary, one-hot rows (every class present) for
        multiclass, independent columns for multilabel.
    output : OutputLayer
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, N_FEATURES)).astype(dtype)
    if target == "binary":
        Y = (np.arange(n_samples) % 2 == 0)[:, None]
        output = LOGISTIC_OUTPUT
    elif target == "multiclass":
        classes = rng.permutation(np.arange(n_samples) % 3)
        Y = np.eye(3, dtype=bool)[classes]
        output = SOFTMAX_OUTPUT
    else:
        Y = rng.rand(n_samples, 3) < 0.5
        output = LOGISTIC_OUTPUT
    return X, rng.permutation(Y), output


def make_network(activation, output, n_outputs, seed=0, dtype=np.float64):
    """A network 5 -> 4 -> 3 -> n_outputs with random moderate parameters.

    Weights are uniform in [-0.8, 0.8], so that with standard-normal inputs the
    output probabilities stay far from the eps-clipping of the log-loss.

    Parameters
    ----------
    activation : str or list of str
        One hidden activation for both hidden layers, or one per layer.
    output : OutputLayer
    n_outputs : int
    seed : int, default=0
    dtype : dtype, default=np.float64

    Returns
    -------
    net : Network
    """
    names = [activation] * len(HIDDEN) if isinstance(activation, str) else activation
    sizes = [N_FEATURES, *HIDDEN, n_outputs]
    net = Network(
        sizes,
        [ACTIVATIONS[name] for name in names],
        output,
        dtype=dtype,
        ops=operations_for(count_params(sizes), dtype),  # see the kernel_path fixture
    )
    rng = np.random.RandomState(1000 + seed)
    net.params[...] = rng.uniform(-0.8, 0.8, net.params.size)
    return net


def make_masks(net, n_samples, rate=0.4, seed=0):
    """Fixed inverted-dropout masks for every hidden layer.

    Parameters
    ----------
    net : Network
    n_samples : int
    rate : float, default=0.4
    seed : int, default=0

    Returns
    -------
    masks : list
        ``masks[k]`` of shape ``(n_samples, n_k)`` with entries 0 or
        ``1 / (1 - rate)`` for hidden layers; None for the input and output.
    """
    rng = np.random.RandomState(2000 + seed)
    masks = [None] * (net.n_layers + 1)
    for k in range(1, net.n_layers):
        keep = rng.rand(n_samples, net.layer_sizes[k]) >= rate
        keep[0] = True  # at least one row passes everything
        masks[k] = keep / (1 - rate)
    return masks


def numerical_gradient(net, X, Y, h=FD_STEP, **kwargs):
    """Central finite differences of the loss over every entry of ``params``.

    Parameters
    ----------
    net : Network
        Its ``params`` are perturbed one at a time and restored.
    X, Y
        The batch, as for :meth:`Network.loss_and_gradient`.
    h : float, default=FD_STEP
    **kwargs
        ``sample_weight``, ``alpha``, ``masks``: passed through unchanged, so
        both evaluations see the same dropout mask.

    Returns
    -------
    grad : ndarray of shape (n_params,)
    """
    theta = net.params.copy()
    grad = np.empty_like(theta)
    for i in range(theta.size):
        net.params[i] = theta[i] + h
        plus, _ = net.loss_and_gradient(X, Y, **kwargs)
        net.params[i] = theta[i] - h
        minus, _ = net.loss_and_gradient(X, Y, **kwargs)
        net.params[i] = theta[i]
        grad[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, b):
    """``||a - b|| / max(||a||, ||b||)``, the relative error of two vectors."""
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b))


def assert_gradient_correct(net, X, Y, **kwargs):
    """Assert that back-propagation matches finite differences of the loss.

    Checks the whole flat vector (relative error below ``GRAD_RTOL``) and every
    entry (within ``GRAD_RTOL`` relative to the largest gradient entry).
    """
    _, grad = net.loss_and_gradient(X, Y, **kwargs)
    grad = grad.copy()  # the network's buffer, overwritten by the next call
    fd = numerical_gradient(net, X, Y, **kwargs)
    assert np.abs(grad).max() > 1e-3, "degenerate test: gradient is ~0"
    assert relative_error(grad, fd) < GRAD_RTOL
    np.testing.assert_allclose(grad, fd, rtol=0, atol=GRAD_RTOL * np.abs(fd).max())


def reference_forward_backward(net, X, Y, sample_weight=None, alpha=0.0, masks=None):
    """The objective and per-layer gradients from the textbook equations.

    Written independently of the network's code: dense matrices, the output
    probabilities and log-loss from their definitions, the activation
    derivatives by central differences of the activation functions.

    Parameters
    ----------
    net : Network
        Only its weights ``W[k]``, biases ``b[k]``, hidden activation
        functions and output type are read.
    X : ndarray or sparse matrix
    Y : ndarray of bool
    sample_weight : ndarray or None, default=None
    alpha : float, default=0.0
    masks : list or None, default=None

    Returns
    -------
    loss : float
    dW, db, dz : list of ndarray
        ``dW[k]``, ``db[k]``, ``dz[k]`` for ``k = 1 .. L``; index 0 is None.
    a : list of ndarray
        ``a[k]`` for ``k = 0 .. L``, after dropout.
    """
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    L = net.n_layers
    s = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    z, a, fprime = [None] * (L + 1), [X] + [None] * L, [None] * (L + 1)
    for k in range(1, L + 1):
        z[k] = a[k - 1] @ net.W[k] + net.b[k]
        if k < L:
            f = net.f[k].function
            a[k] = f(z[k].copy())
            h = 1e-6
            fprime[k] = (f(z[k] + h) - f(z[k] - h)) / (2 * h)
            if masks is not None and masks[k] is not None:
                a[k] = a[k] * masks[k]
                fprime[k] = fprime[k] * masks[k]
    if net.output is SOFTMAX_OUTPUT:
        e = np.exp(z[L] - z[L].max(axis=1, keepdims=True))
        P = e / e.sum(axis=1, keepdims=True)
        per_sample = -np.log(P[Y])
    else:
        P = 1 / (1 + np.exp(-z[L]))
        per_sample = -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)
    a[L] = P
    weights_sq = sum((net.W[k] ** 2).sum() for k in range(1, L + 1))
    loss = (s @ per_sample + 0.5 * alpha * weights_sq) / s.sum()

    dz, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    dz[L] = (P - Y) * (s / s.sum())[:, None]
    for k in range(L, 0, -1):
        dW[k] = a[k - 1].T @ dz[k] + alpha / s.sum() * net.W[k]
        db[k] = dz[k].sum(axis=0)
        if k > 1:
            dz[k - 1] = (dz[k] @ net.W[k].T) * fprime[k - 1]
    return loss, dW, db, dz, a


# ------------------------------------------------- finite-difference checks


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", HIDDEN_NAMES)
def test_gradient_matches_finite_differences(activation, target):
    """Back-propagation equals central differences of the loss, for every hidden
    activation and every output type (logistic 1 column, softmax, logistic
    several columns)."""
    X, Y, output = make_problem(target)
    net = make_network(activation, output, Y.shape[1])
    assert_gradient_correct(net, X, Y)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "gelu"])
def test_gradient_with_l2_penalty(activation, target):
    """With alpha > 0 the penalty alpha/(2n) ||W||^2 is differentiated too."""
    X, Y, output = make_problem(target, seed=1)
    net = make_network(activation, output, Y.shape[1], seed=1)
    assert_gradient_correct(net, X, Y, alpha=0.7)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "swish"])
def test_gradient_with_sample_weight(activation, target):
    """Weighted mean objective: non-uniform weights (one zero), with alpha."""
    X, Y, output = make_problem(target, seed=2)
    net = make_network(activation, output, Y.shape[1], seed=2)
    sample_weight = np.random.RandomState(2).uniform(0.2, 3, N_SAMPLES)
    sample_weight[3] = 0
    assert_gradient_correct(net, X, Y, sample_weight=sample_weight, alpha=0.3)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", HIDDEN_NAMES)
def test_gradient_with_dropout_masks(activation, target):
    """With fixed dropout masks (0 or 1/(1-p)), the gradient is that of the
    masked network: same masks in every evaluation."""
    X, Y, output = make_problem(target, seed=3)
    net = make_network(activation, output, Y.shape[1], seed=3)
    masks = make_masks(net, N_SAMPLES)
    assert_gradient_correct(net, X, Y, masks=masks, alpha=0.1)


@pytest.mark.parametrize("target", TARGETS)
def test_gradient_with_dropout_on_one_layer_only(target):
    """A None entry in the mask list means no dropout on that layer."""
    X, Y, output = make_problem(target, seed=4)
    net = make_network("tanh", output, Y.shape[1], seed=4)
    masks = make_masks(net, N_SAMPLES, rate=0.5, seed=4)
    masks[1] = None
    assert_gradient_correct(net, X, Y, masks=masks)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", ["logistic", "relu", "elu"])
def test_gradient_with_sparse_csr_input(activation, target):
    """CSR input: finite differences agree, and loss and gradient equal those of
    the same data as a dense array."""
    X, Y, output = make_problem(target, seed=5)
    X[np.random.RandomState(5).rand(*X.shape) < 0.5] = 0
    X_csr = sp.csr_matrix(X)
    net = make_network(activation, output, Y.shape[1], seed=5)
    sample_weight = np.linspace(0.5, 2, N_SAMPLES)
    kwargs = dict(sample_weight=sample_weight, alpha=0.2)
    assert_gradient_correct(net, X_csr, Y, **kwargs)
    loss_sparse, grad_sparse = net.loss_and_gradient(X_csr, Y, **kwargs)
    grad_sparse = grad_sparse.copy()
    loss_dense, grad_dense = net.loss_and_gradient(X, Y, **kwargs)
    assert loss_sparse == pytest.approx(loss_dense, rel=1e-14)
    np.testing.assert_allclose(grad_sparse, grad_dense, rtol=1e-12, atol=1e-15)


def test_gradient_with_mixed_activations_per_layer():
    """Each hidden layer uses its own activation's derivative."""
    X, Y, output = make_problem("multiclass", seed=6)
    net = make_network(["softplus", "leaky_relu"], output, Y.shape[1], seed=6)
    assert_gradient_correct(net, X, Y, alpha=0.05)


def test_gradient_without_hidden_layers():
    """L = 1 (logistic regression): dW_1 = X^T dz_1 and no backward beyond."""
    X, Y, output = make_problem("multiclass", seed=7)
    net = Network([N_FEATURES, Y.shape[1]], [], output)
    net.params[...] = np.random.RandomState(7).uniform(-0.8, 0.8, net.params.size)
    assert_gradient_correct(net, X, Y, alpha=0.1)


@pytest.mark.parametrize("target", TARGETS)
def test_gradient_finite_differences_many_seeds(target, global_random_seed):
    """Finite differences agree for random data and parameters of any seed."""
    X, Y, output = make_problem(target, seed=global_random_seed)
    net = make_network("tanh", output, Y.shape[1], seed=global_random_seed)
    sample_weight = np.random.RandomState(global_random_seed).uniform(0.5, 2, len(X))
    assert_gradient_correct(net, X, Y, sample_weight=sample_weight, alpha=0.2)


# ---------------------------------------------- equations, layer by layer


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", HIDDEN_NAMES)
def test_loss_matches_reference_objective(activation, target):
    """The loss equals the weighted mean log-loss plus alpha/(2 sum s) ||W||^2,
    computed here from the definitions."""
    X, Y, output = make_problem(target, seed=8)
    net = make_network(activation, output, Y.shape[1], seed=8)
    sample_weight = np.random.RandomState(8).uniform(0.5, 2, N_SAMPLES)
    masks = make_masks(net, N_SAMPLES, seed=8)
    for kwargs in [{}, dict(sample_weight=sample_weight, alpha=0.4, masks=masks)]:
        loss, _ = net.loss_and_gradient(X, Y, **kwargs)
        expected, *_ = reference_forward_backward(net, X, Y, **kwargs)
        assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", HIDDEN_NAMES)
def test_per_layer_gradients_follow_the_equations(activation, target):
    """Layer by layer: dW_k = a_{k-1}^T dz_k (+ alpha/n W_k), db_k = column sums
    of dz_k, with dz_k from an independent backward pass; dW_1 = X^T dz_1."""
    X, Y, output = make_problem(target, seed=9)
    net = make_network(activation, output, Y.shape[1], seed=9)
    masks = make_masks(net, N_SAMPLES, seed=9)
    sample_weight = np.random.RandomState(9).uniform(0.5, 2, N_SAMPLES)
    alpha = 0.3
    net.loss_and_gradient(X, Y, sample_weight, alpha, masks)
    _, dW, db, dz, a = reference_forward_backward(
        net, X, Y, sample_weight, alpha, masks
    )
    for k in range(1, net.n_layers + 1):
        np.testing.assert_allclose(net.a[k], a[k], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(net.db[k], dz[k].sum(axis=0), rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(
            net.dW[k],
            a[k - 1].T @ dz[k] + alpha / sample_weight.sum() * net.W[k],
            rtol=1e-7,
            atol=1e-10,
        )
        np.testing.assert_allclose(net.dW[k], dW[k], rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(net.db[k], db[k], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(
        net.dW[1],
        X.T @ dz[1] + alpha / sample_weight.sum() * net.W[1],
        rtol=1e-7,
        atol=1e-10,
    )


@pytest.mark.parametrize("target", TARGETS)
def test_output_delta_is_weighted_mean_of_p_minus_y(target):
    """At the output, db_L = sum_i s_i (p_i - y_i) / sum_i s_i and
    dW_L = a_{L-1}^T diag(s / sum s) (P - Y): the canonical-link gradient."""
    X, Y, output = make_problem(target, seed=10)
    net = make_network("relu", output, Y.shape[1], seed=10)
    s = np.random.RandomState(10).uniform(0.5, 2, N_SAMPLES)
    net.loss_and_gradient(X, Y, sample_weight=s)
    P = net.predict(X)
    L = net.n_layers
    delta = (P - Y) * (s / s.sum())[:, None]
    np.testing.assert_allclose(net.db[L], delta.sum(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.dW[L], net.a[L - 1].T @ delta, rtol=1e-12)


def test_gradient_layout_is_sklearn_pack_order():
    """``grad`` is all weight matrices (row-major), then all bias vectors, the
    views ``dW[k]``, ``db[k]`` pointing into it."""
    X, Y, output = make_problem("multiclass")
    net = make_network("tanh", output, Y.shape[1])
    _, grad = net.loss_and_gradient(X, Y, alpha=0.1)
    packed = np.concatenate(
        [net.dW[k].ravel() for k in range(1, net.n_layers + 1)]
        + [net.db[k] for k in range(1, net.n_layers + 1)]
    )
    np.testing.assert_array_equal(grad, packed)
    assert net.n_coefs == sum(net.W[k].size for k in range(1, net.n_layers + 1))


# --------------------------------------------- the tutorial's known bugs


@pytest.mark.parametrize("target", TARGETS)
def test_logistic_hidden_layer_derivative_not_off_by_two(target):
    """A sigmoid derivative of 2 a (1 - a) or a (1 - a) / 2 would scale every
    hidden-layer gradient by 2 or 1/2; compare each layer separately with finite
    differences so that a wrong factor cannot hide in the norm."""
    X, Y, output = make_problem(target, seed=11)
    net = make_network("logistic", output, Y.shape[1], seed=11)
    _, grad = net.loss_and_gradient(X, Y)
    grad = grad.copy()
    fd = numerical_gradient(net, X, Y)
    W_hidden = slice(0, net.W[1].size + net.W[2].size)
    assert relative_error(grad[W_hidden], fd[W_hidden]) < GRAD_RTOL
    b_start = net.n_coefs
    b_hidden = slice(b_start, b_start + sum(HIDDEN))
    assert relative_error(grad[b_hidden], fd[b_hidden]) < GRAD_RTOL


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", ["logistic", "relu"])
def test_loss_and_gradient_unchanged_by_duplicating_the_batch(activation, target):
    """The objective is a mean over samples: the batch stacked twice gives the
    same loss and the same gradient, for weights and biases alike. A summed loss
    doubles, and 'dW summed while db averaged' doubles dW only."""
    X, Y, output = make_problem(target, seed=12)
    net = make_network(activation, output, Y.shape[1], seed=12)
    loss, grad = net.loss_and_gradient(X, Y)
    grad = grad.copy()
    loss2, grad2 = net.loss_and_gradient(np.vstack([X, X]), np.vstack([Y, Y]))
    assert loss2 == pytest.approx(loss, rel=1e-12)
    n = net.n_coefs
    np.testing.assert_allclose(grad2[:n], grad[:n], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(grad2[n:], grad[n:], rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("target", TARGETS)
def test_loss_and_gradient_are_means_over_samples(target):
    """J(batch) is the mean of the one-sample objectives, and so is its gradient
    (for weights and biases alike), when alpha = 0."""
    X, Y, output = make_problem(target, seed=13)
    net = make_network("tanh", output, Y.shape[1], seed=13)
    loss, grad = net.loss_and_gradient(X, Y)
    grad = grad.copy()
    losses, grads = [], []
    for i in range(N_SAMPLES):
        single_loss, single_grad = net.loss_and_gradient(X[i : i + 1], Y[i : i + 1])
        losses.append(single_loss)
        grads.append(single_grad.copy())
    assert loss == pytest.approx(np.mean(losses), rel=1e-12)
    np.testing.assert_allclose(grad, np.mean(grads, axis=0), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("target", TARGETS)
def test_l2_penalty_term_and_gradient(target):
    """Turning alpha on adds exactly alpha/(2n) ||W||^2 to the loss and
    alpha/n W to the weight gradient, and nothing to the bias gradient."""
    X, Y, output = make_problem(target, seed=14)
    net = make_network("gelu", output, Y.shape[1], seed=14)
    alpha, n = 0.9, N_SAMPLES
    loss0, grad0 = net.loss_and_gradient(X, Y)
    grad0 = grad0.copy()
    loss1, grad1 = net.loss_and_gradient(X, Y, alpha=alpha)
    w = net.params[: net.n_coefs]
    assert loss1 - loss0 == pytest.approx(alpha / (2 * n) * (w @ w), rel=1e-10)
    np.testing.assert_allclose(
        grad1[: net.n_coefs] - grad0[: net.n_coefs], alpha / n * w, rtol=1e-9
    )
    np.testing.assert_array_equal(grad1[net.n_coefs :], grad0[net.n_coefs :])


@pytest.mark.parametrize("target", TARGETS)
def test_integer_sample_weights_equal_repeated_rows(target):
    """A sample weight of m counts as m copies of the row, penalty included
    (the normaliser is the sum of the weights, as in scikit-learn)."""
    X, Y, output = make_problem(target, seed=15)
    net = make_network("relu", output, Y.shape[1], seed=15)
    counts = np.array([1, 2, 0, 3, 1, 1, 2])
    loss_w, grad_w = net.loss_and_gradient(
        X, Y, sample_weight=counts.astype(float), alpha=0.5
    )
    grad_w = grad_w.copy()
    rows = np.repeat(np.arange(N_SAMPLES), counts)
    loss_r, grad_r = net.loss_and_gradient(X[rows], Y[rows], alpha=0.5)
    assert loss_w == pytest.approx(loss_r, rel=1e-12)
    np.testing.assert_allclose(grad_w, grad_r, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("target", TARGETS)
def test_scaling_all_sample_weights_changes_nothing(target):
    """The log-loss is a weighted mean: multiplying every weight by the same
    constant leaves loss and gradient unchanged when alpha = 0 (the penalty,
    divided by sum(s), is not invariant), and unit weights equal no weights."""
    X, Y, output = make_problem(target, seed=16)
    net = make_network("swish", output, Y.shape[1], seed=16)
    s = np.random.RandomState(16).uniform(0.5, 2, N_SAMPLES)
    loss1, grad1 = net.loss_and_gradient(X, Y, sample_weight=s)
    grad1 = grad1.copy()
    loss2, grad2 = net.loss_and_gradient(X, Y, sample_weight=7.5 * s)
    assert loss2 == pytest.approx(loss1, rel=1e-12)
    np.testing.assert_allclose(grad2, grad1, rtol=1e-10, atol=1e-15)
    loss3, grad3 = net.loss_and_gradient(X, Y, alpha=0.3)
    grad3 = grad3.copy()
    loss4, grad4 = net.loss_and_gradient(X, Y, sample_weight=np.ones(7), alpha=0.3)
    assert loss4 == pytest.approx(loss3, rel=1e-14)
    np.testing.assert_allclose(grad4, grad3, rtol=1e-13, atol=1e-16)


# ------------------------------------------------------------------ float32


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", HIDDEN_NAMES)
def test_float32_gradient_close_to_float64(activation, target):
    """In float32 the gradient keeps float32 and matches the float64 one at the
    same parameters to float32 accuracy."""
    X, Y, output = make_problem(target, seed=17)
    net64 = make_network(activation, output, Y.shape[1], seed=17)
    net32 = make_network(activation, output, Y.shape[1], seed=17, dtype=np.float32)
    net32.params[...] = net64.params
    masks = make_masks(net64, N_SAMPLES, seed=17)
    masks32 = [None if m is None else m.astype(np.float32) for m in masks]
    s = np.random.RandomState(17).uniform(0.5, 2, N_SAMPLES)
    loss64, grad64 = net64.loss_and_gradient(X, Y, s, 0.2, masks)
    loss32, grad32 = net32.loss_and_gradient(
        X.astype(np.float32), Y, s.astype(np.float32), 0.2, masks32
    )
    assert grad32.dtype == np.float32
    assert net32.a[-1].dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(grad32, grad64, rtol=0, atol=1e-5 * abs(grad64).max())
