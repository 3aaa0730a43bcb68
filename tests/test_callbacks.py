"""ProgressBar, and scikit-learn's callback API (``set_callbacks``) over epochs."""

import copy
import io
import pickle
import re
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier, ProgressBar

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=5, random_state=0)


def _screen(text):
    """What a terminal shows of ``text``: each ``\\r`` returns to column 0."""
    lines = []
    for raw in text.split("\n"):
        row = []
        for segment in raw.split("\r"):
            row[: len(segment)] = segment
        lines.append("".join(row))
    return lines


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as ``sys.stderr`` in a console."""

    def isatty(self):
        return True


# --------------------------------------------------------------- ProgressBar


def test_progress_bar_shows_every_epoch_on_one_line(data):
    X, y = data
    out = _Terminal()
    clf = BackpropMLPClassifier(
        (6,),
        early_stopping=True,
        n_iter_no_change=100,
        max_iter=12,
        random_state=0,
        callbacks=[ProgressBar(file=out, min_interval=0)],
    ).fit(X, y)
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    draws = text[:-1].split("\r")[1:]
    assert len(draws) == clf.n_iter_ == 12
    for epoch, draw in enumerate(draws, start=1):
        assert draw.startswith(f"epoch {epoch:>2}/12 [")
        assert f" loss {clf.loss_curve_[epoch - 1]:.6g} " in draw
        assert f" val score {clf.validation_scores_[epoch - 1]:.4f} " in draw
        assert f" val loss {clf.validation_loss_curve_[epoch - 1]:.6g} " in draw
        assert re.search(r" \d+\.\ds\s*$", draw)
    assert "[" + "=" * 30 + "]" in draws[-1]
    assert "[===============>              ]" in draws[5]  # half way


def test_progress_bar_writes_to_stderr_by_default(data, capsys, monkeypatch):
    X, y = data
    BackpropMLPClassifier(
        (4,), solver="lbfgs", max_iter=5, random_state=0, callbacks=[ProgressBar()]
    ).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    # Captured stderr is no terminal: whole lines.
    assert captured.err.startswith("epoch 1/5 [")
    assert "\r" not in captured.err and captured.err.endswith("\n")
    # A terminal's stderr, looked up at each fit, gets the redrawn line.
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    BackpropMLPClassifier(
        (4,), solver="lbfgs", max_iter=5, random_state=0, callbacks=[ProgressBar()]
    ).fit(X, y)
    assert terminal.getvalue().startswith("\repoch 1/5 [")
    assert terminal.getvalue().count("\n") == 1


def test_progress_bar_off_a_terminal_writes_a_line_per_tenth(data):
    """A log file gets whole lines: one per tenth of max_iter, and the last."""
    X, y = data
    out = io.StringIO()
    clf = BackpropMLPClassifier(
        (6,),
        early_stopping=True,
        n_iter_no_change=1000,
        max_iter=95,
        random_state=0,
        callbacks=[ProgressBar(file=out)],
    ).fit(X, y)
    assert clf.n_iter_ == 95
    text = out.getvalue()
    assert "\r" not in text and text.endswith("\n")
    lines = text.splitlines()
    # Epochs 10, 19, 29, ... cross the tenths of 95; 95 is the last.
    expected = [e for e in range(1, 96) if 10 * e // 95 > 10 * (e - 1) // 95]
    assert expected == [10, 19, 29, 38, 48, 57, 67, 76, 86, 95]
    assert [int(line.split("/")[0].split()[-1]) for line in lines] == expected
    for epoch, line in zip(expected, lines, strict=True):
        assert line.startswith(f"epoch {epoch:>2}/95 [")
        assert f" loss {clf.loss_curve_[epoch - 1]:.6g} " in line
        assert f" val loss {clf.validation_loss_curve_[epoch - 1]:.6g} " in line


def test_progress_bar_off_a_terminal_adds_a_line_per_interval_and_the_last(data):
    X, y = data
    out = io.StringIO()
    stop_at_3 = lambda est, info: info["epoch"] == 3  # noqa: E731
    # line_interval=0: every epoch is due; the stop at 3 of 1000 still ends
    # with epoch 3 written once, with no stray line end.
    BackpropMLPClassifier(
        (4,),
        max_iter=1000,
        random_state=0,
        callbacks=[ProgressBar(file=out, line_interval=0), stop_at_3],
    ).fit(X, y)
    assert [line.split(" [")[0] for line in out.getvalue().splitlines()] == [
        "epoch    1/1000",
        "epoch    2/1000",
        "epoch    3/1000",
    ]
    # A long interval and no tenth reached: only the last epoch, at fit end.
    out = io.StringIO()
    BackpropMLPClassifier(
        (4,),
        max_iter=1000,
        random_state=0,
        callbacks=[ProgressBar(file=out, line_interval=3600), stop_at_3],
    ).fit(X, y)
    assert out.getvalue().count("\n") == 1
    assert out.getvalue().startswith("epoch    3/1000 [")


def test_progress_bar_treats_a_stream_without_isatty_as_a_file():
    class Sink:
        def __init__(self):
            self.parts = []

        def write(self, text):
            self.parts.append(text)

        def flush(self):
            pass

    sink = Sink()
    bar = ProgressBar(file=sink)
    est = BackpropMLPClassifier(max_iter=2)
    bar(est, {"epoch": 1, "loss": 0.5})
    bar(est, {"epoch": 2, "loss": 0.25})
    bar.on_fit_end(est)
    assert [p.split(" [")[0] for p in sink.parts] == ["epoch 1/2", "epoch 2/2"]
    assert all(p.endswith("\n") for p in sink.parts)


def test_progress_bar_throttles_but_always_shows_the_last_epoch(data):
    X, y = data
    out = _Terminal()
    stop_at_7 = lambda est, info: info["epoch"] == 7  # noqa: E731
    clf = BackpropMLPClassifier(
        (4,),
        max_iter=50,
        random_state=0,
        callbacks=[ProgressBar(file=out, min_interval=3600), stop_at_7],
    ).fit(X, y)
    assert clf.n_iter_ == 7
    draws = out.getvalue()[:-1].split("\r")[1:]
    assert [d.split(" [")[0] for d in draws] == ["epoch  1/50", "epoch  7/50"]
    assert f"loss {clf.loss_curve_[-1]:.6g}" in draws[-1]


def test_progress_bar_clears_a_longer_previous_line():
    out = _Terminal()
    bar = ProgressBar(file=out, min_interval=0)
    est = BackpropMLPClassifier(max_iter=3)
    long = {"epoch": 1, "loss": 0.123456789, "validation_score": 0.5}
    bar(est, {**long, "validation_loss": 0.987654321})
    bar(est, {"epoch": 2, "loss": 1.0, "validation_score": None})
    bar.on_fit_end(est)
    (line, after) = _screen(out.getvalue())
    assert line.rstrip() == line.rstrip(" ") and "val" not in line
    assert line.startswith("epoch 2/3 [") and after == ""


def test_progress_bar_ends_its_line_when_fit_fails(data):
    X, y = data
    out = _Terminal()

    def fail(estimator, info):
        if info["epoch"] == 2:
            raise RuntimeError("boom")

    clf = BackpropMLPClassifier(
        (4,), max_iter=10, callbacks=[ProgressBar(file=out, min_interval=0), fail]
    )
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(X, y)
    assert out.getvalue().endswith("\n")
    assert _screen(out.getvalue())[0].startswith("epoch  2/10")
    assert not hasattr(clf, "_fit_tasks")


def test_progress_bar_one_line_per_fit_and_partial_fit(data):
    X, y = data
    out = _Terminal()
    clf = BackpropMLPClassifier(
        (4,), max_iter=3, callbacks=[ProgressBar(file=out, min_interval=0)]
    )
    clf.fit(X, y)
    clf.fit(X, y)
    clf.partial_fit(X, y)
    lines = _screen(out.getvalue())
    assert lines[-1] == ""
    assert [line.split(" [")[0] for line in lines[:-1]] == [
        "epoch 3/3",
        "epoch 3/3",
        "epoch 1/3",
    ]


def test_progress_bar_never_stops_training(data):
    X, y = data
    bar = ProgressBar(file=io.StringIO())
    clf = BackpropMLPClassifier((4,), max_iter=6, callbacks=[bar]).fit(X, y)
    assert clf.n_iter_ == 6
    assert bar(clf, {"epoch": 1, "loss": 0.5}) is False


def test_progress_bar_clones_copies_and_pickles(data):
    X, y = data
    bar = ProgressBar(width=10, file=sys.stderr, min_interval=0.5)
    clf = BackpropMLPClassifier((4,), max_iter=2, callbacks=[bar])
    cloned = clone(clf)
    assert cloned.callbacks[0] is not bar
    assert cloned.callbacks[0].file is sys.stderr
    assert repr(cloned.callbacks[0]) == repr(bar)
    assert copy.deepcopy(bar).width == 10
    unpickled = pickle.loads(pickle.dumps(bar))
    assert unpickled.file is None  # the receiving process's stderr
    assert unpickled.min_interval == 0.5
    assert unpickled.line_interval == bar.line_interval == 10.0
    # A fitted estimator holding it pickles too.
    fitted = BackpropMLPClassifier((4,), max_iter=2, callbacks=[ProgressBar()])
    pickle.loads(pickle.dumps(fitted.fit(X, y)))


# ------------------------------------------------- sklearn.callback protocol

try:
    import sklearn.callback as sklearn_callback
except ImportError:  # scikit-learn < 1.9
    sklearn_callback = None

needs_sklearn_callback = pytest.mark.skipif(
    sklearn_callback is None, reason="sklearn.callback is new in scikit-learn 1.9"
)


class RecordingCallback:
    """A ``sklearn.callback.FitCallback`` recording every hook it gets."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after  # the epoch task_id whose end stops fit
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", context, None))

    def on_fit_task_begin(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self.events.append(("begin", context, metadata))

    def on_fit_task_end(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self.events.append(("end", context, fitted_estimator))
        return context.task_name == "epoch" and context.task_id == self.stop_after

    def teardown(self, estimator, context):
        self.events.append(("teardown", context, None))

    def tasks(self, kind):
        return [ctx for event, ctx, _ in self.events if event == kind]


class AutoPropagatedRecordingCallback(RecordingCallback):
    max_propagation_depth = None


@needs_sklearn_callback
@pytest.mark.parametrize(
    "solver, extra", [("adam", 0), ("sgd", 0), ("lbfgs", 1)], ids=str
)
def test_epochs_are_subtasks_of_the_fit_task(data, solver, extra):
    X, y = data
    recorder = RecordingCallback()
    clf = BackpropMLPClassifier((5,), solver=solver, max_iter=8, random_state=0)
    assert clf.set_callbacks(recorder) is clf
    clf.fit(X, y)
    assert [event for event, _, _ in recorder.events][:2] == ["setup", "begin"]
    assert [event for event, _, _ in recorder.events][-2:] == ["end", "teardown"]
    (root,) = {ctx for ctx in recorder.tasks("begin") if ctx.parent is None}
    assert root.task_name == "fit"
    assert root.max_subtasks == clf.max_iter + extra
    epochs = [ctx for ctx in recorder.tasks("begin") if ctx.parent is root]
    # L-BFGS begins an iteration's task when the previous one ends: one more
    # task begins than iterations run, and it is closed empty.
    assert len(epochs) == clf.n_iter_ + extra
    assert [ctx.task_id for ctx in epochs] == list(range(len(epochs)))
    assert {ctx.task_name for ctx in epochs} == {"epoch"}
    # Every task that began ends, children before their parent.
    assert sorted(map(id, recorder.tasks("end"))) == sorted(
        map(id, recorder.tasks("begin"))
    )
    assert recorder.tasks("end")[-1] is root
    assert not hasattr(clf, "_fit_tasks")
    assert not hasattr(clf, "_callback_fit_ctx")


@needs_sklearn_callback
def test_an_epoch_end_hook_can_stop_training(data):
    X, y = data
    clf = BackpropMLPClassifier((5,), max_iter=50, random_state=0)
    clf.set_callbacks(RecordingCallback(stop_after=2)).fit(X, y)
    assert clf.n_iter_ == 3


@needs_sklearn_callback
def test_fitted_estimator_is_the_model_at_the_end_of_each_epoch(data):
    X, y = data
    recorder = RecordingCallback()
    probas = []
    clf = BackpropMLPClassifier(
        (5,),
        max_iter=6,
        random_state=0,
        callbacks=[lambda est, info: probas.append(est.predict_proba(X))],
    )
    clf.set_callbacks(recorder).fit(X, y, sample_weight=np.ones(len(y)))
    ends = [
        (ctx, fitted)
        for event, ctx, fitted in recorder.events
        if event == "end" and ctx.task_name == "epoch"
    ]
    assert len(ends) == len(probas) == 6
    for (ctx, fitted), proba in zip(ends, probas, strict=True):
        assert fitted is not clf
        assert fitted.n_iter_ == ctx.task_id + 1
        assert_allclose(fitted.predict_proba(X), proba, rtol=1e-12)
    metadata = [m for event, _, m in recorder.events if event == "begin"]
    assert all("sample_weight" in m for m in metadata)


@needs_sklearn_callback
def test_partial_fit_is_one_task_of_one_epoch(data):
    X, y = data
    recorder = RecordingCallback()
    clf = BackpropMLPClassifier((5,), random_state=0).set_callbacks(recorder)
    clf.partial_fit(X, y, classes=np.unique(y))
    clf.partial_fit(X, y)
    roots = [ctx for ctx in recorder.tasks("begin") if ctx.parent is None]
    assert len(roots) == 2 and {root.max_subtasks for root in roots} == {1}
    assert len(recorder.tasks("begin")) == 4
    assert len(recorder.tasks("teardown")) == 2


@needs_sklearn_callback
def test_no_context_without_sklearn_callbacks(data, monkeypatch):
    """Our own `callbacks` alone never touch scikit-learn's machinery."""
    X, y = data

    def forbidden(self, *args, **kwargs):
        raise AssertionError("_init_callback_context called")

    monkeypatch.setattr(BackpropMLPClassifier, "_init_callback_context", forbidden)
    calls = []
    BackpropMLPClassifier(
        (4,), max_iter=3, callbacks=[lambda est, info: calls.append(1)]
    ).fit(X, y)
    assert calls == [1, 1, 1]


@needs_sklearn_callback
def test_callbacks_propagate_from_a_pipeline(data):
    X, y = data
    recorder = AutoPropagatedRecordingCallback()
    pipe = make_pipeline(
        StandardScaler(), BackpropMLPClassifier((5,), max_iter=4, random_state=0)
    )
    pipe.set_callbacks(recorder).fit(X, y)
    mlp_fit = [
        ctx
        for ctx in recorder.tasks("begin")
        if ctx.estimator_name == "BackpropMLPClassifier" and ctx.task_name == "fit"
    ]
    assert len(mlp_fit) == 1
    assert mlp_fit[0].source_estimator_name == "Pipeline"
    epochs = [ctx for ctx in recorder.tasks("begin") if ctx.parent is mlp_fit[0]]
    assert len(epochs) == pipe[-1].n_iter_ == 4
    # The propagated callback is removed from the step afterwards.
    assert not hasattr(pipe[-1], "_skl_callbacks")


@needs_sklearn_callback
def test_clone_keeps_sklearn_callbacks():
    recorder = RecordingCallback()
    clf = BackpropMLPClassifier().set_callbacks(recorder)
    assert clone(clf)._skl_callbacks == [recorder]


@needs_sklearn_callback
def test_scikit_learn_progress_bar(data, capsys):
    pytest.importorskip("rich")
    X, y = data
    clf = BackpropMLPClassifier((5,), max_iter=10, random_state=0)
    clf.set_callbacks(sklearn_callback.ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "BackpropMLPClassifier - fit" in out
    assert "100%" in out
