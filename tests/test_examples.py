"""The gallery examples run as plain scripts and reach what their text claims."""

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(name, monkeypatch, with_matplotlib=True):
    """Run ``examples/<name>`` as ``__main__``; return its namespace and figures.

    Plots go to the non-interactive Agg backend and ``plt.show`` does nothing;
    ``with_matplotlib=False`` makes ``import matplotlib`` fail instead.
    """
    monkeypatch.chdir(EXAMPLES)
    if not with_matplotlib:
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
        return runpy.run_path(str(EXAMPLES / name), run_name="__main__"), []
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.switch_backend("Agg")
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    plt.close("all")
    try:
        namespace = runpy.run_path(str(EXAMPLES / name), run_name="__main__")
        figures = [plt.figure(n) for n in plt.get_fignums()]
        return namespace, [(len(f.axes), f.get_size_inches()) for f in figures]
    finally:
        plt.close("all")


def test_every_example_is_tested():
    tested = {
        "plot_tutorial_circles.py",
        "plot_grid_search.py",
        "plot_onnx_export.py",
        "plot_scaling_out.py",
    }
    assert {p.name for p in EXAMPLES.glob("plot_*.py")} == tested


def test_tutorial_circles(monkeypatch, capsys):
    ns, figures = _run("plot_tutorial_circles.py", monkeypatch)
    assert ns["held_out_accuracy"] >= 0.97

    # The fixed backward pass is the finite-difference gradient; the
    # tutorial's is 2n times too large for weights and 2 times for biases.
    W, b, true = ns["W"], ns["b"], ns["true"]
    n = len(ns["X"])
    for bugs, weight_factor, bias_factor in ((False, 1, 1), (True, 2 * n, 2)):
        dW, db = ns["backprop"](W, b, tutorial_bugs=bugs)
        for k in (1, 2, 3):
            for grad, factor, name in (
                (dW, weight_factor, "W"),
                (db, bias_factor, "b"),
            ):
                np.testing.assert_allclose(
                    grad[k], factor * true[f"{name}{k}"], rtol=1e-5, atol=1e-9 * factor
                )

    # The tutorial's own training never settles (see the seed README).
    accuracy = ns["tutorial_accuracy"]
    assert len(accuracy) == 150 and accuracy[0] == 0.5 and accuracy[-1] < 0.7
    # The kept restart is the one with the lowest training loss.
    assert ns["clf"].loss_ == min(c.loss_ for c in ns["restarts"])
    assert "ok: max relative error" in capsys.readouterr().out
    # One figure: tutorial accuracy, loss curve, decision boundary.
    assert len(figures) == 1 and figures[0][0] >= 3


def test_tutorial_circles_without_matplotlib(monkeypatch):
    ns, _ = _run("plot_tutorial_circles.py", monkeypatch, with_matplotlib=False)
    assert ns["plt"] is None
    assert ns["held_out_accuracy"] >= 0.97


@pytest.mark.slow
def test_grid_search(monkeypatch):
    ns, figures = _run("plot_grid_search.py", monkeypatch)
    ours, theirs = ns["ours"], ns["theirs"]
    # Same objective, initialisation and updates: the same score for every
    # candidate, so the same choice.
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )
    assert len(ours.cv_results_["params"]) == 8
    assert ours.best_score_ > 0.95
    assert ours.score(ns["X_test"], ns["y_test"]) > 0.95
    assert len(figures) == 1


def test_onnx_export(monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    ns, figures = _run("plot_onnx_export.py", monkeypatch)
    # The oracle is predict_proba: float32 arithmetic, nothing more.
    assert ns["max_difference"] < 1e-5
    assert ns["label_agreement"] == 1.0
    assert ns["pipeline"].score(ns["X_test"], ns["y_test"]) > 0.9
    assert len(figures) == 1 and figures[0][0] == 2


def test_onnx_export_without_onnxruntime_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"backprop-mlp\[onnx\]"):
        _run("plot_onnx_export.py", monkeypatch)


@pytest.mark.slow
def test_scaling_out(monkeypatch):
    pytest.importorskip("distributed")
    ns, figures = _run("plot_scaling_out.py", monkeypatch)
    # The search on the cluster scored every candidate as a serial one.
    assert ns["same_scores"]
    assert len(ns["serial"].cv_results_["params"]) == 4
    # Out of core: every block and no validation row, early stopping with
    # the best epoch's weights kept.
    blocks, clf = ns["blocks"], ns["clf"]
    assert sum(blocks.n_rows) == len(ns["X_train"]) - len(ns["y_val"])
    assert clf.n_iter_ < clf.max_iter
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.95
    assert len(clf.loss_curve_) == len(clf.validation_loss_curve_) == clf.n_iter_
    assert ns["test_accuracy"] > 0.9
    assert len(figures) == 1
