"""BackpropMLPRegressor beyond parity: bad input, and the shared features.

Each feature the classifier has beyond scikit-learn (a validation set and
its loss curve, early stopping on the validation loss, kept optimizer state,
cosine schedules, callbacks, the loss-curve display) works on the regressor,
checked against an independent computation: scikit-learn's ``r2_score``, the
loss written out, a single longer fit, the recorded curves.
"""

import io
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

from backprop_mlp import BackpropMLPRegressor, LossCurveDisplay, ProgressBar

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] * X[:, 3]])
    return X, Y + rng.normal(scale=0.05, size=Y.shape)


def small(**params):
    return BackpropMLPRegressor(
        **{"hidden_layer_sizes": (6,), "learning_rate_init": 0.01, **params},
        random_state=0,
    )


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad, match", [(np.nan, "y contains NaN"), (np.inf, "inf")])
def test_non_finite_targets_are_refused(data, bad, match):
    X, Y = data
    y = Y[:, 0].copy()
    y[5] = bad
    with pytest.raises(ValueError, match=match):
        small().fit(X, y)


def test_string_targets_look_like_classification(data):
    X, _ = data
    y = np.array(["cat", "dog"] * 60)
    for labels in (y, y.astype(object)):
        with pytest.raises(ValueError, match=r"looks like classification.*BackpropMLP"):
            small().fit(X, labels)


def test_categorical_targets_look_like_classification(data):
    pd = pytest.importorskip("pandas")
    X, _ = data
    y = pd.Series(pd.Categorical([1, 2, 3] * 40))  # numeric categories too
    with pytest.raises(ValueError, match=r"categorical.*BackpropMLPClassifier"):
        small().fit(X, y)
    with pytest.raises(ValueError, match="y_val is categorical"):
        small().fit(X, np.arange(120.0), X_val=X[:30], y_val=y[:30])


@pytest.mark.parametrize(
    "as_text", [lambda y: y.astype(object), lambda y: y.astype(str)]
)
def test_numbers_written_as_text_are_targets(data, as_text):
    """A column of numbers read as text, in an object or a str array alike, is
    regression on those numbers (``repr`` keeps every digit of a float)."""
    X, Y = data
    a = small(max_iter=3).fit(X, as_text(Y[:, 0].astype(str)))
    b = small(max_iter=3).fit(X, Y[:, 0])
    assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_target_far_too_large_for_a_network_warns(data, solver):
    X, Y = data
    y = Y[:, 0] / Y[:, 0].std() * 1e20
    with pytest.warns(UserWarning, match=r"y spreads over about .*e\+20.*Scale"):
        small(solver=solver, max_iter=5).fit(X, y)
    # The same target, scaled as the warning says, raises nothing of the kind.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        small(solver=solver, max_iter=5).fit(X, y / 1e20)


@pytest.mark.parametrize(
    "y_val, fit",
    [
        (np.zeros(30), "X_val"),  # Poisson counts that are all zero
        (None, "constant y"),
    ],
)
def test_a_constant_validation_target_is_refused_for_the_score(data, y_val, fit):
    """Its R² is 0 or undefined every epoch: early stopping would stop at its
    first chance, with a poor model and no word."""
    X, Y = data
    reg = small(early_stopping=True, loss="poisson", max_iter=50)
    if fit == "X_val":
        with pytest.raises(ValueError, match=r"y_val is constant \(\[0.0\]\).*'loss'"):
            reg.fit(X, np.abs(Y[:, 0]), X_val=X[:30], y_val=y_val)
    else:
        with pytest.raises(ValueError, match=r"the validation split is constant"):
            reg.fit(X, np.full(len(X), 3.0))
    assert not hasattr(reg, "coefs_")
    # Watching the loss instead is fine: it varies with the predictions.
    reg.set_params(early_stopping_metric="loss").fit(X, np.full(len(X), 3.0))
    assert len(set(reg.validation_loss_curve_)) > 1


def test_predict_uses_the_fitted_activations_not_the_parameter(data):
    X, Y = data
    reg = small(max_iter=20).fit(X, Y)
    before = reg.predict(X)
    reg.set_params(activation="tanh")
    assert_array_equal(reg.predict(X), before)
    # The oracle: the forward pass by hand, with the fitted relu.
    hidden = np.maximum(X @ reg.coefs_[0] + reg.intercepts_[0], 0)
    assert_allclose(before, hidden @ reg.coefs_[1] + reg.intercepts_[1], rtol=1e-12)


def test_negative_targets_with_poisson_are_refused(data):
    X, Y = data
    with pytest.raises(ValueError, match=r"loss='poisson' needs non-negative.*y has"):
        small(loss="poisson").fit(X, Y[:, 0])
    with pytest.raises(ValueError, match=r"non-negative.*y_val"):
        small(loss="poisson").fit(X, np.abs(Y), X_val=X[:5], y_val=Y[:5])


def test_targets_of_the_wrong_length_are_refused(data):
    X, Y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        small().fit(X, Y[:-1])
    with pytest.raises(ValueError, match="X_val has 30 samples but y_val has 29"):
        small().fit(X, Y, X_val=X[:30], y_val=Y[:29])


def test_predict_uses_the_fitted_output_not_the_loss_parameter(data):
    """Found by the property battery: set_params(loss='poisson') on a fitted
    squared-error model made predict exponentiate its outputs. Predictions
    follow out_activation_, as scikit-learn's do; the new loss applies from
    the next fit."""
    X, Y = data
    reg = small(max_iter=2).fit(X, Y)
    before = reg.predict(X)
    assert (before < 0).any()  # exp would make them all positive
    reg.set_params(loss="poisson")
    assert_array_equal(reg.predict(X), before)
    assert reg.score(X, Y) == r2_score(Y, before)


def test_a_validation_set_of_one_sample_is_refused(data):
    """Found by the property battery: R² of one sample is undefined, and
    r2_score warned every epoch without naming y_val (validation_scores_ NaN).
    The internal split refuses fewer than two validation samples too."""
    X, Y = data
    reg = small(max_iter=2)
    with pytest.raises(ValueError, match=r"y_val has 1 sample.*at least 2"):
        reg.fit(X, Y, X_val=X[:1], y_val=Y[:1])
    assert not hasattr(reg, "coefs_")
    reg.fit(X, Y, X_val=X[:2], y_val=Y[:2])  # two are enough
    assert np.isfinite(reg.validation_scores_).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.DataConversionWarning")
def test_a_different_number_of_outputs_is_refused(data):
    X, Y = data
    reg = small(solver="sgd").partial_fit(X, Y)
    with pytest.raises(ValueError, match=r"y has 1 output.*fitted on 2.*partial_fit"):
        reg.partial_fit(X, Y[:, :1])
    warm = small(warm_start=True, max_iter=2).fit(X, Y)
    with pytest.raises(ValueError, match=r"y has 1 output.*fitted on 2 by fit"):
        warm.fit(X, Y[:, 0])
    with pytest.raises(ValueError, match=r"y_val has 1 output.*fitted on 2"):
        small().fit(X, Y, X_val=X[:10], y_val=Y[:10, 0])


def test_a_failed_fit_leaves_the_fitted_model_unchanged(data):
    X, Y = data
    reg = small(max_iter=3).fit(X, Y)
    coefs = [W.copy() for W in reg.coefs_]
    with pytest.raises(ValueError):
        reg.fit(X, np.full(len(X), np.nan))
    assert_array_equal(reg.coefs_[0], coefs[0])


# ------------------------------------------------------- shared features


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_validation_set_scored_by_r2_and_loss(data, loss):
    """X_val, y_val: after each epoch, validation_scores_ is the R² and
    validation_loss_curve_ the loss (without penalty) of the model's
    predictions, as a callback recomputes them."""
    X, Y = data
    Y = np.exp(Y / 2) if loss == "poisson" else Y
    X_val, Y_val = X[:30] + 0.1, Y[:30]
    seen = []

    def record(est, info):
        P = est.predict(X_val)
        if loss == "poisson":
            value = np.mean((Y_val * np.log(Y_val / P) - Y_val + P).sum(axis=1))
        else:
            value = np.mean(0.5 * ((Y_val - P) ** 2).sum(axis=1))
        seen.append((r2_score(Y_val, P), value))

    reg = small(loss=loss, max_iter=6, callbacks=[record])
    reg.fit(X, Y, X_val=X_val, y_val=Y_val)
    assert_allclose(reg.validation_scores_, [s for s, _ in seen], rtol=1e-12)
    assert_allclose(reg.validation_loss_curve_, [v for _, v in seen], rtol=1e-12)


def test_early_stopping_on_validation_loss_keeps_the_best_epoch(data):
    X, Y = data
    predictions = []
    reg = small(
        early_stopping=True,
        early_stopping_metric="loss",
        n_iter_no_change=2,
        tol=0.0,
        learning_rate_init=0.3,
        max_iter=100,
        callbacks=[lambda est, info: predictions.append(est.predict(X))],
    ).fit(X, Y)
    assert reg.n_iter_ < 100, "precondition: stopped early"
    best = int(np.argmin(reg.validation_loss_curve_))
    assert_allclose(reg.predict(X), predictions[best], rtol=1e-12)
    assert reg.best_validation_score_ == max(reg.validation_scores_)


def test_cosine_schedule_and_per_layer_activations_with_dropout(data):
    """Cosine decay reaches a zero learning rate at max_iter; per-layer and
    extra activations and dropout train, and the same seed repeats the fit."""
    X, Y = data
    params = dict(
        hidden_layer_sizes=(8, 6),
        activation=["gelu", "swish"],
        dropout=[0.2, 0.1],
        solver="sgd",
        learning_rate="cosine",
        learning_rate_init=0.05,
        max_iter=30,
        random_state=0,
    )
    reg = BackpropMLPRegressor(**params).fit(X, Y)
    assert reg.n_iter_ == 30 and reg._optimizer.learning_rate == pytest.approx(0)
    assert reg.loss_curve_[-1] < 0.5 * reg.loss_curve_[0]
    again = BackpropMLPRegressor(**params).fit(X, Y)
    assert_array_equal(again.predict(X), reg.predict(X))


def test_progress_bar_and_display_show_the_regressor_curves(data):
    pytest.importorskip("matplotlib").use("Agg")
    import matplotlib.pyplot as plt

    X, Y = data
    out = io.StringIO()
    reg = small(
        early_stopping=True,
        max_iter=5,
        callbacks=[ProgressBar(file=out, min_interval=0)],
    ).fit(X, Y)
    assert "5/5" in out.getvalue()
    display = LossCurveDisplay.from_estimator(reg)
    curves = [reg.loss_curve_, reg.validation_loss_curve_, reg.validation_scores_]
    for line, curve in zip(display.lines_, curves, strict=True):
        assert_array_equal(line.get_ydata(), curve)
    assert display.ax_.get_title() == "BackpropMLPRegressor"
    plt.close("all")


def test_sklearn_callbacks_see_the_model_of_each_epoch(data):
    sklearn_callback = pytest.importorskip("sklearn.callback")
    from test_callbacks import RecordingCallback

    assert sklearn_callback is not None
    X, Y = data
    predictions = []
    reg = small(
        max_iter=4, callbacks=[lambda est, info: predictions.append(est.predict(X))]
    )
    recorder = RecordingCallback()
    reg.set_callbacks(recorder).fit(X, Y)
    fitted = [
        f
        for event, ctx, f in recorder.events
        if event == "end" and ctx.task_name == "epoch"
    ]
    assert len(fitted) == len(predictions) == 4
    for model, P in zip(fitted, predictions, strict=True):
        assert_allclose(model.predict(X), P, rtol=1e-12)
