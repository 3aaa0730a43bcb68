"""The code blocks of the docs' pages run as printed and do what their text says.

Each block is taken from its page by its ``:name:``; the oracle is the same
thing done another way (by hand, or without the feature shown).
"""

import sys
import warnings
from collections import Counter

import numpy as np
import pytest
import sklearn
from _snippets import ROOT, rst_block, run_script
from sklearn.base import clone
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

DOCS = ROOT / "docs"
USER_GUIDE = DOCS / "user_guide.rst"

try:  # scikit-learn >= 1.9
    import sklearn.callback as sklearn_callback
except ImportError:  # pragma: no cover
    sklearn_callback = None

needs_sklearn_callback = pytest.mark.skipif(
    sklearn_callback is None, reason="sklearn.callback needs scikit-learn >= 1.9"
)


def _run(*blocks, page=USER_GUIDE):
    """Execute named blocks of a page in one namespace; fail on any warning."""
    namespace = {"__name__": "__main__"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in blocks:
            exec(
                compile(rst_block(page, name), f"{page.name}:{name}", "exec"), namespace
            )
    assert [str(w.message) for w in caught] == []
    return namespace


def test_front_page_snippet_runs_without_a_warning(tmp_path):
    """Run as a reader runs it: a fresh interpreter, Python's own filters."""
    done = run_script(rst_block(DOCS / "index.rst", "front-page"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    accuracy, r2 = map(float, done.stdout.split())
    assert accuracy > 0.99 and r2 > 0.999


def test_front_page_names_the_regressor_too():
    opening = (DOCS / "index.rst").read_text(encoding="utf-8").split(".. ", 1)[0]
    assert "classifier and regressor" in opening
    assert "BackpropMLPRegressor" in opening and "MLPRegressor`" in opening


def test_pipeline_routes_a_scaled_x_val():
    """The network validates on X_val scaled by the scaler fitted on X."""
    try:
        ns = _run("pipeline-x-val")
    finally:
        sklearn.set_config(enable_metadata_routing=False)
    routed = ns["pipe"]["mlp"]
    X_train, y_train, X_val, y_val = (
        ns[k] for k in ("X_train", "y_train", "X_val", "y_val")
    )

    def by_hand(X_val_given):
        return BackpropMLPClassifier(early_stopping=True, random_state=0).fit(
            scaler.transform(X_train), y_train, X_val=X_val_given, y_val=y_val
        )

    scaler = StandardScaler().fit(X_train)
    manual = by_hand(scaler.transform(X_val))
    np.testing.assert_array_equal(routed.validation_scores_, manual.validation_scores_)
    np.testing.assert_array_equal(
        routed.validation_loss_curve_, manual.validation_loss_curve_
    )
    # The comparison tells the two apart: an unscaled X_val scores otherwise.
    with pytest.warns(UserWarning, match="transform_input"):
        unscaled = by_hand(X_val)
    assert unscaled.validation_loss_curve_ != manual.validation_loss_curve_


def test_a_callback_object_records_nothing_through_clone():
    ns = _run("callbacks-copied")
    assert ns["recorder"].losses == []
    # The same recorder, fitted directly, records every iteration: the copy,
    # not the recorder, is what loses them.
    model = ns["model"].fit(ns["X"], ns["y"])
    assert ns["recorder"].losses == model.loss_curve_


def _folds(ns, **kwargs):
    """The snippet's cross-validation again, with no callback, keeping the fits."""
    mlp = clone(ns["mlp"]).set_params(callbacks=None)
    if sklearn_callback is not None:
        mlp.set_callbacks()
    model = make_pipeline(StandardScaler(), mlp)
    return cross_validate(
        model, ns["X"], ns["y"], cv=3, return_estimator=True, **kwargs
    )


def test_a_function_writing_to_a_shared_list_records_every_fold():
    ns = _run("callbacks-shared-list")
    folds = _folds(ns)["estimator"]
    assert ns["loss_curves"] == [fold[-1].loss_curve_ for fold in folds]


@pytest.mark.slow
@needs_sklearn_callback
def test_a_scoring_monitor_records_every_fold_from_worker_processes():
    ns = _run("callbacks-shared-list", "callbacks-scoring-monitor")
    X, y = ns["X"], ns["y"]
    recorded = Counter()
    for log in ns["monitor"].get_logs(select="all"):
        steps = [row for row in log.data if row["task_name"] == "epoch"]
        recorded[len(steps), steps[-1]["accuracy"]] += 1
    # Each fold's model, fitted in this process: its iterations and its
    # training accuracy. The workers finish in any order, hence the counts.
    folds = _folds(ns, return_indices=True)
    fits = zip(folds["estimator"], folds["indices"]["train"], strict=True)
    expected = Counter(
        (model[-1].n_iter_, model.score(X[train], y[train])) for model, train in fits
    )
    assert len(ns["loss_curves"]) == 3 and recorded == expected


@needs_sklearn_callback
def test_scikit_learn_progress_bar_with_rich(capsys):
    pytest.importorskip("rich")
    ns = _run("sklearn-progress-bar")
    out = capsys.readouterr().out
    assert "BackpropMLPClassifier - fit" in out and "100%" in out
    # Watching changes nothing: the same weights as a fit without the bar.
    plain = clone(ns["clf"])
    plain.set_callbacks()
    plain.fit(ns["X"], ns["y"])
    for ours, theirs in zip(ns["clf"][-1].coefs_, plain[-1].coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)


@needs_sklearn_callback
def test_scikit_learn_progress_bar_without_rich_says_so(monkeypatch):
    """As the guide says: without rich, ``ProgressBar()`` raises."""
    monkeypatch.setitem(sys.modules, "rich", None)
    with pytest.raises(ImportError, match="requires rich"):
        sklearn_callback.ProgressBar()


_SEARCHES = """
import joblib
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

X, y = load_digits(return_X_y=True)
X, y = X[:300], y[:300]
model = make_pipeline(StandardScaler(), BackpropMLPClassifier(max_iter=3))
# A learning rate of 1e4 diverges: that warning must stay.
grid = {"backpropmlpclassifier__learning_rate_init": [1e-3, 1e4]}
GridSearchCV(model, grid, cv=2, n_jobs=2).fit(X, y)
# joblib.Parallel of your own: scikit-learn passes no filters to these.
solvers = [{"backpropmlpclassifier__solver": s} for s in ("adam", "lbfgs")]
fits = [joblib.delayed(clone(model).set_params(**p).fit)(X, y) for p in solvers]
joblib.Parallel(n_jobs=2)(fits)
"""


@pytest.mark.slow
def test_quiet_search_silences_workers_and_keeps_divergence(tmp_path):
    tip = rst_block(DOCS / "practical.rst", "quiet-search")
    quiet = run_script(tip + _SEARCHES, tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "ConvergenceWarning:" not in quiet.stderr
    assert "TrainingDivergedWarning:" in quiet.stderr
    # The same searches without the tip warn, from the workers too.
    loud = run_script(_SEARCHES, tmp_path)
    assert "multiprocessing/process.py" in loud.stderr
    for message in ("Stochastic Optimizer", "lbfgs failed to converge"):
        assert f"ConvergenceWarning: {message}" in loud.stderr
    # And without its PYTHONWARNINGS, joblib.Parallel's workers warn.
    half = run_script(tip + 'del os.environ["PYTHONWARNINGS"]\n' + _SEARCHES, tmp_path)
    assert half.returncode == 0, half.stderr
    assert "ConvergenceWarning:" in half.stderr
