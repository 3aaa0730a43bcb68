"""The gallery examples run as plain scripts and reach what their text claims."""

import ast
import importlib.util
import itertools
import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from _extras import modules_left_out

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
        "plot_solvers.py",
        "plot_alpha_sweep.py",
        "plot_class_weight.py",
        "plot_early_stopping_validation.py",
        "plot_dropout.py",
        "plot_digits_weights.py",
        "plot_gradient_check.py",
        "plot_regression.py",
        "plot_search_fast.py",
    }
    assert {p.name for p in EXAMPLES.glob("plot_*.py")} == tested


def _imported_modules(script):
    """The top-level names of the modules a script imports, wherever it does."""
    names = set()
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return {name.partition(".")[0] for name in names}


def test_the_docs_extra_installs_what_the_examples_import():
    """The docs build runs every example, in an environment made by
    ``pip install -e ".[docs]"``: that extra must bring what they import."""
    left_out = modules_left_out("docs")
    for script in sorted(EXAMPLES.glob("plot_*.py")):
        imported = _imported_modules(script)
        not_here = {m for m in imported if importlib.util.find_spec(m) is None}
        assert not not_here, f"{script.name}: not installed here: {not_here}"
        missing = sorted(imported & left_out)
        assert not missing, f"{script.name} imports {missing}: not in the extra"


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
def test_solvers(monkeypatch):
    ns, figures = _run("plot_solvers.py", monkeypatch)
    models = ns["models"]
    assert list(models) == ["sgd", "sgd + momentum", "adam", "lbfgs"]
    # The same initial weights: every solver starts from the same loss.
    first = [m.loss_curve_[0] for m in models.values()]
    final = {name: m.loss_curve_[-1] for name, m in models.items()}
    # Momentum beats plain SGD; L-BFGS goes lowest of all.
    assert final["sgd + momentum"] < final["sgd"] / 5
    assert final["lbfgs"] == min(final.values())
    assert all(f < start / 10 for f, start in zip(final.values(), first, strict=True))
    assert all(m.score(ns["X_test"], ns["y_test"]) > 0.95 for m in models.values())
    assert len(figures) == 1


@pytest.mark.slow
def test_alpha_sweep(monkeypatch):
    ns, figures = _run("plot_alpha_sweep.py", monkeypatch)
    # The penalty shrinks the weights, monotonically in alpha.
    norms = ns["weight_norms"]
    assert all(a > b for a, b in itertools.pairwise(norms))
    # And the training fit with them: the smallest alpha fits best.
    train = [m.score(ns["X_train"], ns["y_train"]) for m in ns["models"]]
    assert train[0] == max(train) and train[-1] == min(train)
    assert len(figures) == 1 and figures[0][0] == 4


@pytest.mark.slow
def test_class_weight(monkeypatch):
    ns, figures = _run("plot_class_weight.py", monkeypatch)
    unweighted, balanced = ns["recalls"]["None"], ns["recalls"]["balanced"]
    # The minority's recall rises with the weights, the majority's falls.
    assert balanced[1] > unweighted[1] + 0.2
    assert balanced[0] < unweighted[0]
    assert balanced.mean() > unweighted.mean()
    assert len(figures) == 1


@pytest.mark.slow
def test_early_stopping_validation(monkeypatch):
    from sklearn.metrics import log_loss

    ns, figures = _run("plot_early_stopping_validation.py", monkeypatch)
    stopped, full = ns["stopped"], ns["full"]
    assert stopped.n_iter_ < full.n_iter_ == 150
    # The kept weights are those of the lowest loss on the X_val passed in.
    kept = log_loss(ns["y_val"], stopped.predict_proba(ns["X_val"]))
    assert kept == pytest.approx(min(stopped.validation_loss_curve_), rel=1e-9)
    assert ns["best"] < stopped.n_iter_
    # Stopping there beats training on, on data neither has seen.
    X_test, y_test = ns["X_test"], ns["y_test"]
    assert log_loss(y_test, stopped.predict_proba(X_test)) < log_loss(
        y_test, full.predict_proba(X_test)
    )
    assert len(figures) == 1


@pytest.mark.slow
def test_dropout(monkeypatch):
    ns, figures = _run("plot_dropout.py", monkeypatch)
    gaps = ns["gaps"]
    assert gaps[0.5] < gaps[0.0] - 0.05
    assert len(figures) == 1


@pytest.mark.slow
def test_digits_weights(monkeypatch):
    ns, figures = _run("plot_digits_weights.py", monkeypatch)
    assert ns["weights"] is ns["clf"].coefs_[0]
    assert ns["weights"].shape == (64, 16)
    assert ns["clf"].score(ns["X_test"], ns["y_test"]) > 0.95
    # 16 images and a colour bar.
    assert len(figures) == 1 and figures[0][0] == 17


def test_gradient_check(monkeypatch, capsys):
    from backprop_mlp._activations import ACTIVATIONS

    logistic = ACTIVATIONS["logistic"]
    ns, figures = _run("plot_gradient_check.py", monkeypatch)
    correct, buggy = ns["correct"], ns["buggy"]
    assert correct.ok and correct.max_error < 1e-7
    assert not buggy.ok
    # A factor 2 in f' of layer 1: error 1/3 there, none in the output layer.
    assert buggy.errors["W1"] == pytest.approx(1 / 3, rel=1e-4)
    assert buggy.errors["W2"] < 1e-7
    # The example puts the true derivative back.
    assert ACTIVATIONS["logistic"] is logistic
    assert "<- MISMATCH" in capsys.readouterr().out
    assert len(figures) == 1


@pytest.mark.slow
def test_regression(monkeypatch, capsys):
    ns, figures = _run("plot_regression.py", monkeypatch)
    # Every activation fits the clean curve well.
    assert min(ns["r2"].values()) > 0.98
    out = capsys.readouterr().out
    # MLPRegressor's fits are as good, and the first iterations agree.
    for r2 in re.findall(r"MLPRegressor's R² ([\d.]+)", out):
        assert float(r2) > 0.98
    gaps = re.findall(r"differ by ([\de.+-]+)", out)
    assert len(gaps) == 3 and max(float(g) for g in gaps) < 1e-10
    # One figure: the samples, the true curve and four fits.
    assert len(figures) == 1


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


@pytest.mark.slow
def test_search_fast(monkeypatch):
    ns, figures = _run("plot_search_fast.py", monkeypatch)
    ours, retrained = ns["ours"], ns["retrained"]
    # Continuing equals retraining: scikit-learn's search, which retrains,
    # scores every row the same.
    np.testing.assert_array_equal(
        ours.cv_results_["mean_test_score"], retrained.cv_results_["mean_test_score"]
    )
    assert ns["same"] and ours.cv_results_["continued"].any()
    assert ours.best_params_ == retrained.best_params_
    # Hyperband finds what the full grid finds.
    full = ns["results"]["GridSearchCV\n(MLPClassifier)"]
    hyperband = ns["results"]["our Hyperband\n(continued)"]
    assert hyperband[1] >= full[1] - 0.01
    assert len(ns["results"]) == 5
    assert len(figures) == 1
