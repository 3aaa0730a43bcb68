"""LossCurveDisplay draws exactly the curves the estimator recorded."""

import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier, LossCurveDisplay

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def pyplot():
    """matplotlib's pyplot on the Agg backend; every figure closed afterwards."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(autouse=True)
def _close_figures(request):
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=150, n_features=5, random_state=0)


def _xy(line):
    return np.asarray(line.get_xdata()), np.asarray(line.get_ydata())


def test_from_estimator_draws_the_recorded_curves(pyplot, data):
    X, y = data
    clf = BackpropMLPClassifier(
        (8,), early_stopping=True, max_iter=25, random_state=0
    ).fit(X, y)
    display = LossCurveDisplay.from_estimator(clf)
    assert [line.get_label() for line in display.lines_] == [
        "training loss",
        "validation loss",
        "validation score",
    ]
    curves = [clf.loss_curve_, clf.validation_loss_curve_, clf.validation_scores_]
    epochs = np.arange(1, clf.n_iter_ + 1)
    for line, curve in zip(display.lines_, curves, strict=True):
        x, values = _xy(line)
        assert_array_equal(values, curve)
        assert_array_equal(x, epochs)
    # Losses on the left axis, the score on its twin.
    assert display.lines_[0].axes is display.ax_
    assert display.lines_[1].axes is display.ax_
    assert display.lines_[2].axes is display.score_ax_
    assert display.score_ax_ is not display.ax_
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_title() == "BackpropMLPClassifier"
    assert display.ax_.get_xlabel() == "epoch"
    # One legend naming all three curves and the best epoch.
    best = 1 + int(np.argmax(clf.validation_scores_))
    legend = display.ax_.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "training loss",
        "validation loss",
        "validation score",
        f"best epoch ({best})",
    ]
    assert_array_equal(display.best_line_.get_xdata(), [best, best])


def test_without_validation_only_the_training_loss(pyplot, data):
    X, y = data
    clf = BackpropMLPClassifier((8,), max_iter=10, random_state=0).fit(X, y)
    assert clf.validation_scores_ is None
    display = LossCurveDisplay.from_estimator(clf)
    assert len(display.lines_) == 1
    assert display.score_ax_ is None
    assert_array_equal(_xy(display.lines_[0])[1], clf.loss_curve_)
    # Without early stopping, the mark is at the lowest training loss.
    best = 1 + int(np.argmin(clf.loss_curve_))
    assert display.best_epoch == best
    assert_array_equal(display.best_line_.get_xdata(), [best, best])


@pytest.mark.parametrize("metric", ["score", "loss"])
def test_the_marked_epoch_is_the_one_early_stopping_kept(pyplot, data, metric):
    """The kept weights are those of a fit stopped at the marked epoch."""
    X, y = data
    params = dict(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        early_stopping_metric=metric,
        learning_rate_init=0.05,
        n_iter_no_change=5,
        max_iter=200,
        random_state=0,
    )
    clf = BackpropMLPClassifier(**params).fit(X, y)
    display = LossCurveDisplay.from_estimator(clf)
    best = display.best_epoch
    assert 1 <= best < clf.n_iter_  # it stopped after its best epoch
    curve = clf.validation_loss_curve_ if metric == "loss" else clf.validation_scores_
    pick = np.argmin if metric == "loss" else np.argmax
    assert best == 1 + int(pick(curve))
    # The same split and shuffles, run for exactly ``best`` epochs.
    oracle = BackpropMLPClassifier(**(params | {"max_iter": best}))
    oracle.set_params(n_iter_no_change=10_000).fit(X, y)
    for kept, at_best in zip(clf.coefs_, oracle.coefs_, strict=True):
        np.testing.assert_array_equal(kept, at_best)


def test_the_legend_hides_no_curve_of_either_axis(pyplot):
    """Falling losses, a rising score and the best-epoch line leave no room.

    The legend goes below the axes. matplotlib's loc="best" on the loss axes
    alone would put it over the score curve on the twin axes.
    """
    epochs = np.arange(1, 41)
    loss = 0.3 + np.exp(-epochs / 4)
    score = 0.5 + 0.45 * (1 - np.exp(-epochs / 8))
    display = LossCurveDisplay(
        loss_curve=loss,
        validation_loss_curve=loss + 0.05,
        validation_scores=score,
        best_epoch=30,
    ).plot()
    figure = display.figure_
    figure.canvas.draw()
    box = display.ax_.get_legend().get_window_extent()

    def hidden(lines):
        count = 0
        for line in lines:
            x, y = _xy(line)
            # Every point of every segment, in pixels.
            xs = np.interp(
                np.linspace(0, len(x) - 1, 50 * len(x)), np.arange(len(x)), x
            )
            ys = np.interp(
                np.linspace(0, len(y) - 1, 50 * len(y)), np.arange(len(y)), y
            )
            px = line.get_transform().transform(np.column_stack([xs, ys]))
            count += sum(box.contains(*p) for p in px)
        return count

    lines = [*display.lines_, display.best_line_]
    assert hidden(lines) == 0
    assert box.y1 < display.ax_.get_window_extent().y0  # below the axes
    # What loc="best" picks on the loss axes does hide the score curve.
    display.ax_.legend(handles=lines, loc="best")
    figure.canvas.draw()
    box = display.ax_.get_legend().get_window_extent()
    assert hidden(display.lines_[:2]) == 0 and hidden(display.lines_[2:]) > 0


def test_lbfgs_counts_iterations(pyplot, data):
    X, y = data
    clf = BackpropMLPClassifier((8,), solver="lbfgs", max_iter=15, random_state=0)
    clf.fit(X, y)
    display = LossCurveDisplay.from_estimator(clf)
    assert display.ax_.get_xlabel() == "L-BFGS iteration"
    assert_array_equal(_xy(display.lines_[0])[1], clf.loss_curve_)


def test_the_legend_takes_a_free_corner_when_there_is_one(pyplot):
    # A falling loss alone leaves the upper right empty.
    display = LossCurveDisplay(loss_curve=1 / np.arange(1, 30)).plot()
    display.figure_.canvas.draw()
    box = display.ax_.get_legend().get_window_extent()
    frame = display.ax_.get_window_extent()
    assert frame.x0 < box.x0 and box.x1 < frame.x1
    assert frame.y0 < box.y0 and box.y1 < frame.y1
    assert box.x0 > (frame.x0 + frame.x1) / 2 and box.y0 > (frame.y0 + frame.y1) / 2


def test_given_axes_name_and_style(pyplot, data):
    X, y = data
    clf = BackpropMLPClassifier(
        (8,), early_stopping=True, max_iter=10, random_state=0
    ).fit(X, y)
    fig, ax = pyplot.subplots()
    display = LossCurveDisplay.from_estimator(
        clf,
        ax=ax,
        name="my net",
        loss_kw={"color": "black", "label": "train"},
        validation_score_kw={"linestyle": ":"},
    )
    assert display.ax_ is ax and display.figure_ is fig
    assert ax.get_title() == "my net"
    assert display.lines_[0].get_color() == "black"
    assert display.lines_[0].get_label() == "train"
    assert display.lines_[2].get_linestyle() == ":"


def test_scikit_learn_mlp_and_pipelines(pyplot, data):
    X, y = data
    mlp = MLPClassifier((8,), early_stopping=True, max_iter=10, random_state=0)
    mlp.fit(X, y)
    display = LossCurveDisplay.from_estimator(mlp)
    # scikit-learn records no validation loss: two curves.
    assert [line.get_label() for line in display.lines_] == [
        "training loss",
        "validation score",
    ]
    assert_array_equal(_xy(display.lines_[1])[1], mlp.validation_scores_)
    pipe = make_pipeline(
        StandardScaler(), BackpropMLPClassifier((8,), max_iter=10, random_state=0)
    ).fit(X, y)
    display = LossCurveDisplay.from_estimator(pipe)
    assert_array_equal(_xy(display.lines_[0])[1], pipe[-1].loss_curve_)


def test_plot_from_curves_aligns_shorter_validation_curves_to_the_end(pyplot):
    display = LossCurveDisplay(
        loss_curve=[1.0, 0.8, 0.6, 0.5, 0.45],
        validation_loss_curve=[0.7, 0.65],
        validation_scores=[0.8, 0.85],
        estimator_name="warm-started",
    ).plot()
    assert_array_equal(_xy(display.lines_[0])[0], [1, 2, 3, 4, 5])
    assert_array_equal(_xy(display.lines_[1])[0], [4, 5])
    assert_array_equal(_xy(display.lines_[2]), [[4, 5], [0.8, 0.85]])
    # Plotting again on new axes redraws everything there.
    _, ax = pyplot.subplots()
    assert display.plot(ax=ax).ax_ is ax


def test_unfitted_and_curveless_estimators_raise(pyplot, data):
    X, _ = data
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(BackpropMLPClassifier())
    with pytest.raises(ValueError, match="no loss_curve_"):
        LossCurveDisplay.from_estimator(StandardScaler().fit(X))
    with pytest.raises(ValueError, match="one-dimensional"):
        LossCurveDisplay(loss_curve=[[1.0, 2.0]]).plot()


def test_matplotlib_is_optional(monkeypatch):
    """Without matplotlib, plotting says what is missing; nothing else needs it."""
    display = LossCurveDisplay(loss_curve=[1.0, 0.5])
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="requires matplotlib"):
        display.plot()
