"""Tests of the activation functions, their derivatives and softmax.

Oracles: central finite differences of each function, closed forms (the
logistic function, ``log1p(exp(z))``, the exact erf-based GELU, ...), and the
invariances of softmax.
"""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import erf

from backprop_mlp._activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, softmax

ALL_NAMES = sorted(ACTIVATIONS)
# Activations whose derivative jumps at 0: finite differences must stay away.
KINKED = {"relu", "leaky_relu", "elu"}
# The central-difference step and the tolerance of its comparison: the
# truncation error is O(h**2) and the rounding error O(eps / h), both well below
# rtol * |f'| except where f' itself crosses zero, which atol covers.
STEP = 1e-5
RTOL = 1e-6
ATOL = 1e-9
# Points of the safety tests: huge, moderate and zero pre-activations.
EXTREMES = [-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4]


def evaluate(name, z):
    """Apply one activation and its derivative, the way the network does.

    Parameters
    ----------
    name : str
        A key of ``ACTIVATIONS``.
    z : ndarray
        Pre-activations; not modified.

    Returns
    -------
    a : ndarray
        ``f(z)``.
    d : ndarray or scalar
        ``f'(z)``, computed from ``z`` and ``a``.
    """
    act = ACTIVATIONS[name]
    a = act.function(z.copy())
    return a, act.derivative(z.copy(), a)


def finite_difference(name, z, h=STEP):
    """Central finite difference ``(f(z + h) - f(z - h)) / 2h``, element-wise.

    Parameters
    ----------
    name : str
        A key of ``ACTIVATIONS``.
    z : ndarray of float64
    h : float, default=STEP

    Returns
    -------
    fd : ndarray of float64
    """
    f = ACTIVATIONS[name].function
    return (f(z + h) - f(z - h)) / (2 * h)


def away_from_kinks(name, z):
    """The entries of ``z`` at least ``1e-3`` away from the activation's kink."""
    return z[np.abs(z) > 1e-3] if name in KINKED else z


def sigmoid(z):
    """``1 / (1 + exp(-z))``, the textbook formula, for moderate ``z``."""
    return 1 / (1 + np.exp(-z))


def exact_gelu(z):
    """GELU with the Gaussian CDF, ``z Phi(z)`` (not the tanh approximation)."""
    return 0.5 * z * (1 + erf(z / np.sqrt(2)))


def exact_gelu_derivative(z):
    """``Phi(z) + z phi(z)``, the derivative of :func:`exact_gelu`."""
    return 0.5 * (1 + erf(z / np.sqrt(2))) + z * np.exp(-0.5 * z * z) / np.sqrt(
        2 * np.pi
    )


# ---------------------------------------------------------------- registry


def test_registry_names_and_glorot_factors():
    """All documented activations exist, usable in hidden layers, with sklearn's
    Glorot factors (2 for logistic, 6 for everything else)."""
    expected = {
        "identity",
        "logistic",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "softplus",
        "gelu",
        "swish",
    }
    assert set(ACTIVATIONS) == expected
    assert set(HIDDEN_ACTIVATIONS) == expected
    for name, act in ACTIVATIONS.items():
        assert act.name == name
        assert act.glorot_factor == (2.0 if name == "logistic" else 6.0)


# ------------------------------------------------------ derivative vs FD


@pytest.mark.parametrize("name", ALL_NAMES)
def test_derivative_matches_finite_differences_on_grid(name):
    """f'(z) agrees with central differences of f on a grid over [-6, 6]."""
    z = away_from_kinks(name, np.linspace(-6, 6, 1201))
    _, d = evaluate(name, z)
    d = np.broadcast_to(d, z.shape)
    np.testing.assert_allclose(d, finite_difference(name, z), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ALL_NAMES)
@settings(max_examples=60, deadline=None)
@given(z=st.floats(min_value=-8.0, max_value=8.0))
def test_derivative_matches_finite_differences_property(name, z):
    """Property: at any float in [-8, 8] (off the kinks), f' equals the central
    difference of f to a relative 1e-6."""
    if name in KINKED:
        assume(abs(z) > 1e-3)
    z = np.array([z])
    _, d = evaluate(name, z)
    d = np.broadcast_to(d, z.shape)
    np.testing.assert_allclose(d, finite_difference(name, z), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(KINKED))
def test_derivative_one_sided_at_kink(name):
    """Just left and right of 0, the kinked activations' derivatives equal the
    one-sided finite differences (slope 1 on the right; 0, 0.01, 1 on the left)."""
    left_slope = {"relu": 0.0, "leaky_relu": 0.01, "elu": 1.0}[name]
    f = ACTIVATIONS[name].function
    z = np.array([-1e-3, 1e-3])
    _, d = evaluate(name, z)
    h = 1e-7
    right = (f(z[1:] + h) - f(z[1:])) / h
    left = (f(z[:1]) - f(z[:1] - h)) / h
    np.testing.assert_allclose(np.broadcast_to(d, z.shape), [left[0], right[0]])
    np.testing.assert_allclose(d[0], left_slope, rtol=2e-3)
    assert d[1] == 1


def test_relu_subgradient_at_zero_is_zero_as_sklearn():
    """scikit-learn takes relu'(0) = 0; parity needs the same choice."""
    z = np.zeros(3)
    _, d = evaluate("relu", z)
    np.testing.assert_array_equal(np.broadcast_to(d, z.shape), 0)


# -------------------------------------------------------- numerical safety


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ALL_NAMES)
def test_function_and_derivative_safe_at_extremes(name, dtype):
    """For |z| up to 1e4, f and f' raise no warning and no floating-point flag
    (overflow, underflow, invalid, divide) and return finite values."""
    z = np.array(EXTREMES, dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        a, d = evaluate(name, z)
    assert np.all(np.isfinite(a))
    assert np.all(np.isfinite(d))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ALL_NAMES)
def test_dtype_preserved(name, dtype):
    """f(z) has the dtype of z, and f'(z) never promotes it: multiplying the
    derivative into a float32 gradient keeps it float32 (a bool mask or the
    scalar 1 are fine)."""
    z = np.linspace(-3, 3, 13).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, d = evaluate(name, z)
    assert a.dtype == dtype
    assert a.shape == z.shape
    assert np.result_type(z, d) == dtype
    assert np.shape(d) in {(), z.shape}


@pytest.mark.parametrize("name", ALL_NAMES)
def test_function_does_not_overwrite_input(name):
    """Hidden activations must leave z intact: back-propagation needs z_k."""
    z = np.linspace(-3, 3, 13)
    z_before = z.copy()
    a = ACTIVATIONS[name].function(z)
    ACTIVATIONS[name].derivative(z, a)
    np.testing.assert_array_equal(z, z_before)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_limits_at_extremes(name):
    """At z = +-1e4 the functions reach their asymptotes: no NaN from inf/inf."""
    z = np.array([-1e4, 1e4])
    a, d = evaluate(name, z)
    d = np.broadcast_to(d, z.shape)
    expected_a = {
        "identity": [-1e4, 1e4],
        "logistic": [0.0, 1.0],
        "tanh": [-1.0, 1.0],
        "relu": [0.0, 1e4],
        "leaky_relu": [-100.0, 1e4],
        "elu": [-1.0, 1e4],
        "softplus": [0.0, 1e4],
        "gelu": [0.0, 1e4],
        "swish": [0.0, 1e4],
    }[name]
    expected_d = {
        "identity": [1.0, 1.0],
        "logistic": [0.0, 0.0],
        "tanh": [0.0, 0.0],
        "relu": [0.0, 1.0],
        "leaky_relu": [0.01, 1.0],
        "elu": [0.0, 1.0],
        "softplus": [0.0, 1.0],
        "gelu": [0.0, 1.0],
        "swish": [0.0, 1.0],
    }[name]
    np.testing.assert_allclose(a, expected_a, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d, expected_d, rtol=1e-12, atol=1e-300)


# ------------------------------------------------------------ closed forms

MODERATE = np.linspace(-10, 10, 201)


def test_logistic_closed_form():
    """logistic(0) = 0.5, logistic = 1 / (1 + exp(-z)), derivative 0.25 at 0:
    the value an off-by-2 sigmoid derivative gets wrong."""
    a, d = evaluate("logistic", MODERATE)
    np.testing.assert_allclose(a, sigmoid(MODERATE), rtol=1e-14)
    np.testing.assert_allclose(d, sigmoid(MODERATE) * (1 - sigmoid(MODERATE)))
    a0, d0 = evaluate("logistic", np.zeros(1))
    assert a0[0] == 0.5
    assert d0[0] == 0.25


def test_tanh_closed_form():
    """tanh(z) = 2 sigmoid(2z) - 1 and tanh'(z) = 1 - tanh(z)**2."""
    a, d = evaluate("tanh", MODERATE)
    np.testing.assert_allclose(a, 2 * sigmoid(2 * MODERATE) - 1, atol=1e-15)
    np.testing.assert_allclose(d, 4 * sigmoid(2 * MODERATE) * sigmoid(-2 * MODERATE))


def test_piecewise_linear_closed_forms():
    """relu = max(z, 0); leaky_relu = z or 0.01 z; elu = z or exp(z) - 1."""
    z = MODERATE
    np.testing.assert_array_equal(evaluate("relu", z)[0], np.where(z > 0, z, 0))
    np.testing.assert_allclose(
        evaluate("leaky_relu", z)[0], np.where(z > 0, z, z / 100)
    )
    np.testing.assert_allclose(
        evaluate("elu", z)[0], np.where(z > 0, z, np.exp(z) - 1), atol=1e-15
    )
    np.testing.assert_array_equal(evaluate("identity", z)[0], z)


def test_softplus_closed_form():
    """softplus = log1p(exp(z)) for moderate z, log 2 at 0, and its derivative is
    the logistic function."""
    a, d = evaluate("softplus", MODERATE)
    np.testing.assert_allclose(a, np.log1p(np.exp(MODERATE)), rtol=1e-14)
    np.testing.assert_allclose(d, sigmoid(MODERATE), rtol=1e-14)
    assert evaluate("softplus", np.zeros(1))[0][0] == pytest.approx(np.log(2), 1e-15)


def test_gelu_close_to_exact_erf_gelu():
    """The tanh approximation stays within 1e-3 of z Phi(z), and so does its
    derivative of Phi(z) + z phi(z); GELU(0) = 0 and GELU'(0) = 1/2."""
    z = np.linspace(-8, 8, 3201)
    a, d = evaluate("gelu", z)
    np.testing.assert_allclose(a, exact_gelu(z), atol=1e-3)
    np.testing.assert_allclose(d, exact_gelu_derivative(z), atol=1e-3)
    a0, d0 = evaluate("gelu", np.zeros(1))
    assert a0[0] == 0 and d0[0] == 0.5


def test_gelu_is_the_tanh_approximation():
    """Hendrycks & Gimpel's formula, 0.5 z (1 + tanh(sqrt(2/pi)(z + 0.044715 z^3)))."""
    z = MODERATE
    c = np.sqrt(2 / np.pi)
    expected = 0.5 * z * (1 + np.tanh(c * (z + 0.044715 * z**3)))
    np.testing.assert_allclose(evaluate("gelu", z)[0], expected, rtol=1e-14, atol=0)


def test_swish_closed_form():
    """swish(z) = z sigmoid(z), swish'(z) = s + z s (1 - s)."""
    a, d = evaluate("swish", MODERATE)
    s = sigmoid(MODERATE)
    np.testing.assert_allclose(a, MODERATE * s, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(d, s + MODERATE * s * (1 - s), rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- softmax


def reference_softmax(z):
    """``exp(z) / sum(exp(z))`` row-wise, unshifted (moderate z only)."""
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_matches_definition():
    """Softmax equals exp(z) / sum exp(z) for moderate z; rows sum to 1."""
    z = np.random.RandomState(0).normal(scale=3, size=(6, 4))
    p = softmax(z.copy())
    np.testing.assert_allclose(p, reference_softmax(z), rtol=1e-14)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_safe_at_extremes(dtype):
    """Rows with +-1e4 and +-50 give finite probabilities, no warnings, rows
    summing to 1, the dtype of z, and the obvious limits.

    Underflow is the one floating-point event allowed: exp(-2e4) must flush to
    the probability 0, and numpy reports underflow only when asked to.
    """
    z = np.array(
        [[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [50.0, -50.0, 0.0], [1e4, 1e4, 0.0]],
        dtype=dtype,
    )
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        p = softmax(z.copy())
    assert p.dtype == dtype
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(p[0], [1, 0, 0], atol=1e-30)
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(p[3], [0.5, 0.5, 0], atol=1e-30)


def test_softmax_works_in_place():
    """Softmax is documented to overwrite z and return it."""
    z = np.array([[1.0, 2.0, 3.0]])
    assert softmax(z) is z


@settings(max_examples=50, deadline=None)
@given(
    z=arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(2, 6)),
        elements=st.floats(-30, 30),
    ),
    shift=st.floats(-1e3, 1e3),
)
def test_softmax_rows_sum_to_one_and_shift_invariant(z, shift):
    """Property: each row sums to 1, entries are in [0, 1], and adding the same
    constant to a row leaves its probabilities unchanged."""
    p = softmax(z.copy())
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-13)
    # Adding a constant to z is exact only up to rounding of z + shift, whose
    # error is about eps * |shift|; that perturbs each p by the same relative
    # amount.
    shifted = softmax(z + shift)
    np.testing.assert_allclose(shifted, p, rtol=1e-10, atol=1e-300)
