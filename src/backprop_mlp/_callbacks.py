"""Per-epoch callbacks: a live progress bar, and the bridge to ``sklearn.callback``.

Two callback mechanisms reach :class:`~backprop_mlp.BackpropMLPClassifier`:

- its own ``callbacks`` parameter: plain callables ``callback(estimator, info)``
  run after every epoch, on any scikit-learn version. :class:`ProgressBar` is one.
  A callback may also define ``on_fit_end(estimator)``, called once when
  training ends (normally or not), to release what it holds.
- scikit-learn's experimental ``sklearn.callback`` API (scikit-learn >= 1.9):
  ``clf.set_callbacks(sklearn.callback.ProgressBar())``. The estimator reports
  its fit as one task with one subtask per epoch (per iteration for 'lbfgs')
  through :class:`_FitTasks`; on older scikit-learn there is no such API and
  nothing is reported.

Both, and ``verbose`` printing (:class:`VerbosePrinter`), are listeners of the
trainer (:class:`~backprop_mlp._training.Listener`): objects with
``epoch_begins()`` and ``epoch_ended(record)``, the latter returning True to
stop training.
"""

import math
import os
import sys
import time

from ._training import Listener

__all__ = ["ProgressBar"]

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin as _CallbackSupportMixin
except ImportError:  # pragma: no cover - scikit-learn < 1.9 has no callback API

    class _CallbackSupportMixin:
        """Stand-in for ``sklearn.callback.CallbackSupportMixin``: no callbacks."""


class ProgressBar:
    """A progress report over epochs, for the ``callbacks`` parameter.

    On a terminal it redraws a single line in place after every epoch (every
    iteration for ``solver='lbfgs'``), with a carriage return: the epoch out
    of ``max_iter``, the training loss and, when the estimator validates, the
    validation score and loss, and the elapsed time. The line is ended when
    training ends. On anything else (a log file, a notebook's captured
    output, CI) redrawing in place would pile every draw into one enormous
    line, so it writes the same text as whole lines instead, and only a few:
    one at each tenth of ``max_iter``, one whenever ``line_interval`` seconds
    have passed without one, and the last epoch's. It never stops training.

    A copy writes where the original writes, as far as the copy can reach:
    ``copy.deepcopy`` and :func:`~sklearn.base.clone` (which deep-copies the
    ``callbacks`` parameter) share the original's stream, as a stream belongs
    to its process. Pickle, joblib (which pickles the callbacks it sends to
    worker processes) and skops save a path as the path, and ``sys.stdout``
    or ``sys.stderr`` as the loading process's own; any other stream (an open
    file, a ``StringIO``) cannot leave its process, so it is not saved, and
    the loaded bar writes to the loading process's standard error. To keep
    writing to a log file from worker processes or after saving, pass its
    path.

    Parameters
    ----------
    width : int, default=30
        The number of characters of the bar itself.
    file : file-like, str, path-like or None, default=None
        Where to write; None means ``sys.stderr`` at the time of writing. A
        stream is a terminal when its ``isatty()`` says so, checked at each
        fit's first epoch. A path names a file that each write appends to
        (opened and closed again, so that it is never left open); a file is
        not a terminal.
    min_interval : float, default=0.1
        On a terminal, the minimum number of seconds between two redraws, so
        that thousands of fast epochs do not flood it; the last epoch is
        always drawn.
    line_interval : float, default=10.0
        Elsewhere, the number of seconds after which a line is written even
        if training has not reached the next tenth of ``max_iter``.

    See Also
    --------
    sklearn.callback.ProgressBar : The progress bar of scikit-learn (>= 1.9,
        with rich), set with ``clf.set_callbacks``; it also shows the progress
        of meta-estimators.
    LossCurveDisplay : The curves of the same losses and scores, after fit.

    Examples
    --------
    A ``StringIO`` is not a terminal: a line at each tenth of ``max_iter``
    (every 4 epochs here) and at the last epoch.

    >>> import io
    >>> from sklearn.datasets import make_blobs
    >>> from backprop_mlp import BackpropMLPClassifier, ProgressBar
    >>> X, y = make_blobs(n_samples=60, centers=2, random_state=0)
    >>> out = io.StringIO()
    >>> def stop_at_10(estimator, info):  # a callback returning True stops
    ...     return info["epoch"] == 10
    >>> clf = BackpropMLPClassifier(
    ...     hidden_layer_sizes=(4,), max_iter=40, random_state=0,
    ...     callbacks=[ProgressBar(file=out, width=10), stop_at_10],
    ... ).fit(X, y)
    >>> for line in out.getvalue().splitlines():
    ...     print(line.split(" loss")[0])
    epoch  4/40 [=>        ]
    epoch  8/40 [==>       ]
    epoch 10/40 [==>       ]
    """

    def __init__(self, *, width=30, file=None, min_interval=0.1, line_interval=10.0):
        self.width = width
        self.file = file
        self.min_interval = min_interval
        self.line_interval = line_interval
        self._reset()

    def _reset(self):
        self._start = None  # time the current fit's first epoch ended
        self._terminal = True  # whether the stream is a terminal, per fit
        self._last_draw = -math.inf
        self._last_tenth = 0  # the tenth of max_iter of the last line written
        self._line = None  # the latest line, drawn or not
        self._drawn = True  # whether _line is on screen
        self._width_on_screen = 0

    def __call__(self, estimator, info):
        """Report the epoch that just ended, if it is time to.

        Parameters
        ----------
        estimator : BackpropMLPClassifier
            The estimator being trained.
        info : dict
            The epoch's 'epoch', 'loss', 'validation_score' and
            'validation_loss'.

        Returns
        -------
        stop : bool
            Always False.
        """
        now = time.perf_counter()
        if self._start is None:
            self._start = now
            self._terminal = not _is_path(self.file) and _is_terminal(self._stream())
            if not self._terminal:  # the line_interval counts from here
                self._last_draw = now
        total = max(int(getattr(estimator, "max_iter", info["epoch"])), 1)
        self._line = self._format(info, total, now - self._start)
        self._drawn = False
        tenth = 10 * info["epoch"] // total
        if self._terminal:
            due = now - self._last_draw >= self.min_interval
        else:
            due = tenth > self._last_tenth or now - self._last_draw >= (
                self.line_interval
            )
        if info["epoch"] >= total or due:
            self._draw()
            self._last_draw = now
            self._last_tenth = tenth
        return False

    def on_fit_end(self, estimator):
        """Write the last epoch if it was skipped, end the line, and reset.

        Parameters
        ----------
        estimator : BackpropMLPClassifier
            The estimator whose training ended.
        """
        if self._line is not None:
            if not self._drawn:
                self._draw()
            if self._terminal:
                self._write("\n")
        self._reset()

    def _format(self, info, total, elapsed):
        epoch = info["epoch"]
        done = min(epoch / total, 1.0)
        filled = round(done * self.width)
        arrow = ">" if 0 < filled < self.width else ""
        bar = ("=" * filled + arrow).ljust(self.width)[: self.width]
        digits = len(str(total))
        parts = [f"epoch {epoch:>{digits}}/{total} [{bar}]", f"loss {info['loss']:.6g}"]
        if info.get("validation_score") is not None:
            parts.append(f"val score {info['validation_score']:.4f}")
        if info.get("validation_loss") is not None:
            parts.append(f"val loss {info['validation_loss']:.6g}")
        parts.append(f"{elapsed:.1f}s")
        return " ".join(parts)

    def _draw(self):
        if not self._terminal:
            self._write(self._line + "\n")
        else:
            # Pad with spaces so that a shorter line fully covers a longer one.
            padding = " " * max(self._width_on_screen - len(self._line), 0)
            self._write("\r" + self._line + padding)
            self._width_on_screen = len(self._line)
        self._drawn = True

    def _stream(self):
        return sys.stderr if self.file is None else self.file

    def _write(self, text):
        if _is_path(self.file):
            # Off a terminal writes are rare: opening the file for each costs
            # nothing, and a bar that never holds it open pickles as a path.
            with open(self.file, "a", encoding="utf-8") as file:
                file.write(text)
            return
        file = self._stream()
        file.write(text)
        file.flush()

    def __repr__(self):
        return (
            f"{type(self).__name__}(width={self.width}, file={self.file!r}, "
            f"min_interval={self.min_interval}, line_interval={self.line_interval})"
        )

    # The rule of the class docstring: copies share the stream; a saved bar
    # keeps its parameters (not a fit's progress) and a file only by a name
    # that means the same in the loading process.
    def __deepcopy__(self, memo):
        return type(self)(**self._parameters())

    def __getstate__(self):
        state = self._parameters()
        state["file"], state["standard_stream"] = _portable_file(self.file)
        return state

    def __setstate__(self, state):
        # Older pickles saved a fit's progress, and any stream that pickled.
        parameters = {k: state[k] for k in _PARAMETERS if k in state}
        file = parameters.get("file")
        if state.get("standard_stream") == "stdout":
            parameters["file"] = sys.stdout
        elif not _is_path(file):
            parameters["file"] = None
        self.__init__(**parameters)

    def _parameters(self):
        return {name: getattr(self, name) for name in _PARAMETERS}


_PARAMETERS = ("width", "file", "min_interval", "line_interval")


def _is_path(file):
    return isinstance(file, str | os.PathLike)


def _portable_file(file):
    """``(file, standard_stream)``: what of ``file`` another process can use.

    A path, or the name of a standard stream: stderr is None (the default,
    standard error at the time of writing), stdout is named. Other streams
    are not saved.
    """
    if _is_path(file):
        return os.fspath(file), None
    if file is sys.stdout:
        return None, "stdout"
    return None, None


def _is_terminal(stream):
    """Whether ``stream`` is an interactive terminal (a closed one is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class VerbosePrinter(Listener):
    """Print one line per epoch, as ``verbose=True`` asks, in scikit-learn's words.

    A listener of the trainer, like the others: it prints the training loss,
    the validation metrics when validating, and what a plateau decided.
    """

    def epoch_ended(self, record):
        """Print the epoch's record.

        Parameters
        ----------
        record : EpochRecord

        Returns
        -------
        stop : bool
            Always False.
        """
        print(f"Iteration {record.epoch}, loss = {record.loss:.8f}")
        if record.validation_score is not None:
            print(
                f"Validation score: {record.validation_score:f}, "
                f"validation loss: {record.validation_loss:f}"
            )
        if record.plateau is not None:
            print(f"{record.plateau} {_decided(record.decision)}")
        return False


def _decided(decision):
    """What a schedule decided at a plateau, in scikit-learn's words."""
    if decision.rate_too_small:
        return "Learning rate too small. Stopping."
    if decision.stop:
        return "Stopping."
    return f"Setting learning rate to {decision.learning_rate:f}"


class _UserCallbacks(Listener):
    """Call the ``callbacks`` parameter's callables after each epoch.

    Parameters
    ----------
    view : estimator
        What callbacks receive: the estimator as trained so far, a copy that
        the fit commits when it ends (see :mod:`backprop_mlp._base`).
    callbacks : list of callable
    """

    def __init__(self, view, callbacks):
        self.view = view
        self.callbacks = list(callbacks)

    def epoch_ended(self, record):
        """Call every callback; any of them returning True stops training."""
        info = record.as_info()
        stop = False
        for callback in self.callbacks:
            stop = bool(callback(self.view, info)) or stop
        return stop

    def fit_ended(self):
        """Call the optional ``on_fit_end(estimator)`` of each callback."""
        for callback in self.callbacks:
            on_fit_end = getattr(callback, "on_fit_end", None)
            if on_fit_end is not None:
                on_fit_end(self.view)


class _FitTasks(Listener):
    """Report one fit to the ``sklearn.callback`` callbacks.

    A listener of the trainer. With no callback set through ``set_callbacks``
    (or a scikit-learn without the callback API) every method returns at
    once: no context is made.

    The fit is one task whose subtasks are epochs ('sgd', 'adam') or L-BFGS
    iterations, so ``sklearn.callback.ProgressBar`` shows one bar over epochs.
    ``setup`` and ``teardown`` are scikit-learn's business: ``_fit_context``
    tears down what ``_init_callback_context`` set up.

    Parameters
    ----------
    estimator : BaseBackpropMLP
        The estimator whose ``fit`` runs (not a copy: scikit-learn keeps the
        callback context on it).
    X : ndarray or sparse matrix
        The validated training data, passed on to the hooks.
    y : ndarray
        The training targets, passed on to the hooks.
    sample_weight : ndarray or None
        Passed on to the hooks as ``metadata``.
    max_epochs : int
        The number of subtasks at most.
    fitted_attributes : callable
        Returns the fitted attributes of the model as trained so far, for
        the hooks that ask for a fitted estimator.
    """

    def __init__(self, estimator, X, y, sample_weight, max_epochs, fitted_attributes):
        self.estimator = estimator
        self._ctx = self._epoch_ctx = None
        if not getattr(estimator, "_skl_callbacks", None):
            return
        metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
        self._kwargs = {"X": X, "y": y, "metadata": metadata}
        self._fitted_attributes = fitted_attributes
        self._ctx = estimator._init_callback_context(max_subtasks=max_epochs)
        self._ctx.call_on_fit_task_begin(estimator=estimator, **self._kwargs)

    def fit_ended(self):
        """End the fit's task (only when training ended without an error)."""
        if self._ctx is None:
            return
        if self._epoch_ctx is not None:
            # An epoch begun but never run (L-BFGS stopped): an empty task.
            self._epoch_ctx.call_on_fit_task_end(estimator=self.estimator)
        self._ctx.call_on_fit_task_end(
            estimator=self.estimator,
            reconstruction_attributes=self._fitted_attributes,
            **self._kwargs,
        )

    def epoch_begins(self):
        """Begin the next epoch's task, unless one is already open."""
        if self._ctx is None or self._epoch_ctx is not None:
            return
        self._epoch_ctx = self._ctx.subcontext(task_name="epoch")
        self._epoch_ctx.call_on_fit_task_begin(
            estimator=self.estimator,
            reconstruction_attributes=self._fitted_attributes,
            **self._kwargs,
        )

    def epoch_ended(self, record):
        """End the open epoch's task.

        Returns
        -------
        stop : bool
            Whether a callback asked to stop training.
        """
        if self._epoch_ctx is None:
            return False
        ctx, self._epoch_ctx = self._epoch_ctx, None
        return ctx.call_on_fit_task_end(
            estimator=self.estimator,
            reconstruction_attributes=self._fitted_attributes,
            **self._kwargs,
        )
