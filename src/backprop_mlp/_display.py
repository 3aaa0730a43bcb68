"""LossCurveDisplay: the training and validation curves of a fitted MLP."""

import numpy as np

try:
    from sklearn.utils._optional_dependencies import check_matplotlib_support
except ImportError:  # pragma: no cover - scikit-learn < 1.5 kept it here
    from sklearn.utils import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]


def _kept_epoch(estimator):
    """The epoch whose weights a fitted MLP kept, counted from 1.

    With early stopping, the epoch of the best validation score, or of the
    lowest validation loss when ``early_stopping_metric='loss'``: the weights
    training restores. Otherwise the epoch of the lowest training loss. Ties
    go to the first such epoch, as training keeps only strict improvements.

    Parameters
    ----------
    estimator : BackpropMLPClassifier or MLPClassifier
        Fitted, with a ``loss_curve_``.

    Returns
    -------
    epoch : int
    """
    n_epochs = len(estimator.loss_curve_)
    if getattr(estimator, "early_stopping_metric", "score") == "loss":
        curve = getattr(estimator, "validation_loss_curve_", None)
        sign = -1.0
    else:
        curve = getattr(estimator, "validation_scores_", None)
        sign = 1.0
    # 'lbfgs' ignores early_stopping and records no validation curve.
    if getattr(estimator, "early_stopping", False) and curve:
        # A validation curve shorter than the training curve covers its end.
        best = int(np.argmax(sign * np.asarray(curve, dtype=float)))
        return n_epochs - len(curve) + best + 1
    return int(np.argmin(estimator.loss_curve_)) + 1


def _curve(values, name):
    if values is None:
        return None
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {values.shape}.")
    return values


class LossCurveDisplay:
    """Loss (and validation) curves per epoch, scikit-learn's Display API.

    Draws the training loss, the validation loss if there is one, and the
    validation score if there is one, on a second y axis on the right, and
    marks the best epoch with a vertical line. One legend names every line;
    it goes in the first corner (or middle of a side) of the axes where it
    hides no curve of either y axis, and below the axes when there is no
    such place. Create it
    with :meth:`from_estimator`, or from the curves and call :meth:`plot`.
    Needs matplotlib.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The training objective after each epoch (``loss_curve_``).
    validation_loss_curve : array-like of shape (n_val_epochs,), default=None
        The validation loss after each epoch (``validation_loss_curve_``).
    validation_scores : array-like of shape (n_val_epochs,), default=None
        The validation score after each epoch (``validation_scores_``): the
        accuracy of a classifier, the R² of a regressor.
    estimator_name : str, default=None
        Shown as the title; none when None.
    best_epoch : int, default=None
        The epoch to mark, counted from 1 (by :meth:`from_estimator`: the one
        whose weights the estimator kept); no mark when None.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the losses.
    score_ax_ : matplotlib Axes or None
        The twin axes of the validation score, when there is one.
    figure_ : matplotlib Figure
        The figure holding the axes.
    lines_ : list of matplotlib Line2D
        The curves drawn, in this order: the training loss, then the
        validation loss and the validation score when present.
    best_line_ : matplotlib Line2D or None
        The vertical line at ``best_epoch``, when there is one.

    See Also
    --------
    BackpropMLPClassifier : Records the curves drawn here while it trains.
    ProgressBar : The same losses and scores, live, during training.
    sklearn.model_selection.LearningCurveDisplay : Scores against the number
        of training samples.

    Notes
    -----
    When the validation curves are shorter than the training curve (a
    validation set given to only the last of several warm-started fits), they
    are drawn against the last epochs.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_moons
    >>> from backprop_mlp import BackpropMLPClassifier, LossCurveDisplay
    >>> X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    >>> clf = BackpropMLPClassifier(
    ...     hidden_layer_sizes=(8,), max_iter=30, early_stopping=True,
    ...     learning_rate_init=0.01, random_state=0,
    ... ).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> [line.get_label() for line in display.lines_]
    ['training loss', 'validation loss', 'validation score']
    >>> display.best_epoch == 1 + int(np.argmax(clf.validation_scores_))
    True
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
        best_epoch=None,
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name
        self.best_epoch = best_epoch

    def plot(
        self,
        ax=None,
        *,
        name=None,
        loss_kw=None,
        validation_loss_kw=None,
        validation_score_kw=None,
        best_epoch_kw=None,
        xlabel="epoch",
    ):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw the losses on; a new figure when None.
        name : str, default=None
            The title; ``estimator_name`` when None.
        loss_kw, validation_loss_kw, validation_score_kw : dict, default=None
            Keyword arguments for ``ax.plot`` of each curve, overriding the
            defaults (labels, colours, line styles).
        best_epoch_kw : dict, default=None
            Keyword arguments for ``ax.axvline`` of the best-epoch mark.
        xlabel : str, default="epoch"
            The label of the x axis.

        Returns
        -------
        display : LossCurveDisplay
            This object, with ``ax_``, ``score_ax_``, ``figure_``, ``lines_``
            and ``best_line_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        loss = _curve(self.loss_curve, "loss_curve")
        val_loss = _curve(self.validation_loss_curve, "validation_loss_curve")
        val_score = _curve(self.validation_scores, "validation_scores")
        if ax is None:
            # Constrained layout makes room for a legend below the axes.
            _, ax = plt.subplots(layout="constrained")
        name = self.estimator_name if name is None else name

        def epochs(values):
            # Epochs are counted from 1; a shorter curve ends with the others.
            n_total = max(len(loss), len(values))
            return np.arange(n_total - len(values) + 1, n_total + 1)

        self.lines_ = []
        self.score_ax_ = None
        style = {"label": "training loss", "color": "C0"}
        (line,) = ax.plot(epochs(loss), loss, **(style | (loss_kw or {})))
        self.lines_.append(line)
        if val_loss is not None:
            style = {"label": "validation loss", "color": "C1"}
            (line,) = ax.plot(
                epochs(val_loss), val_loss, **(style | (validation_loss_kw or {}))
            )
            self.lines_.append(line)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("loss")
        if val_score is not None:
            self.score_ax_ = ax.twinx()
            style = {"label": "validation score", "color": "C2", "linestyle": "--"}
            (line,) = self.score_ax_.plot(
                epochs(val_score), val_score, **(style | (validation_score_kw or {}))
            )
            self.lines_.append(line)
            self.score_ax_.set_ylabel("validation score")
            # The losses' axes on top, with a see-through background, so that
            # their legend is drawn over the score curve, not under it.
            ax.set_zorder(self.score_ax_.get_zorder() + 1)
            ax.patch.set_visible(False)
        self.best_line_ = None
        handles = list(self.lines_)
        if self.best_epoch is not None:
            style = {
                "label": f"best epoch ({self.best_epoch})",
                "color": "0.35",
                "linestyle": ":",
            }
            self.best_line_ = ax.axvline(
                self.best_epoch, **(style | (best_epoch_kw or {}))
            )
            handles.append(self.best_line_)
        # matplotlib's loc="best" avoids only the lines of the legend's own
        # axes, and would cover the score curve on the twin axes.
        loc = _free_place(ax, handles)
        if loc is not None:
            ax.legend(handles=handles, loc=loc)
        else:  # every place inside hides some curve: below the axes
            below = ax.xaxis.get_tightbbox().y0
            below = ax.transAxes.inverted().transform((0, below))[1]
            ax.legend(
                handles=handles,
                loc="upper center",
                bbox_to_anchor=(0.5, below),
                ncols=2,
                frameon=False,
            )
        if name is not None:
            ax.set_title(name)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the curves recorded by a fitted estimator.

        Parameters
        ----------
        estimator : BackpropMLPClassifier, BackpropMLPRegressor, MLPClassifier, \
                MLPRegressor or Pipeline
            A fitted estimator with a ``loss_curve_`` (for a Pipeline, its
            last step's); ``validation_loss_curve_`` and
            ``validation_scores_`` are drawn when present and not None, and
            the epoch whose weights it kept is marked (see ``best_epoch``).
        ax : matplotlib Axes, default=None
            The axes to draw on; a new figure when None.
        name : str, default=None
            The title; the estimator's class name when None.
        **kwargs : dict
            Passed on to :meth:`plot`.

        Returns
        -------
        display : LossCurveDisplay
            The drawn display.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        model = estimator
        if not hasattr(model, "loss_curve_") and hasattr(model, "steps"):
            model = model.steps[-1][1]
        if not hasattr(model, "loss_curve_"):
            raise ValueError(
                f"{type(estimator).__name__} has no loss_curve_: only estimators "
                "trained epoch by epoch (sgd, adam, lbfgs) record one."
            )
        if getattr(model, "solver", None) == "lbfgs":
            kwargs.setdefault("xlabel", "L-BFGS iteration")
        display = cls(
            loss_curve=model.loss_curve_,
            validation_loss_curve=getattr(model, "validation_loss_curve_", None),
            validation_scores=getattr(model, "validation_scores_", None),
            estimator_name=type(model).__name__ if name is None else name,
            best_epoch=_kept_epoch(model),
        )
        return display.plot(ax=ax, **kwargs)


# Corners first, then the middles of the sides: in order of preference.
_PLACES = (
    "upper right",
    "upper left",
    "lower left",
    "lower right",
    "center right",
    "center left",
    "upper center",
    "lower center",
)


def _free_place(ax, lines):
    """The first legend location inside ``ax`` that hides no point of ``lines``.

    The lines may belong to different axes over the same area (twin y axes):
    each is placed in display space through its own transform, densely
    resampled so that a segment crossing the legend counts too. None when
    every location hides something.
    """
    for axes in {line.axes for line in lines}:
        axes.get_xlim(), axes.get_ylim()  # settle autoscaled limits first
    legend = ax.legend(handles=lines, loc=_PLACES[0])
    box = legend.get_window_extent()
    legend.remove()
    width, height = box.width, box.height
    font_pixels = legend.prop.get_size_in_points() * ax.figure.dpi / 72
    pad = legend.borderaxespad * font_pixels
    frame = ax.get_window_extent()
    x, y = np.vstack([_display_points(line) for line in lines]).T

    for loc in _PLACES:
        if "left" in loc:
            left = frame.x0 + pad
        elif "right" in loc:
            left = frame.x1 - pad - width
        else:
            left = (frame.x0 + frame.x1 - width) / 2
        if loc.startswith("upper"):
            bottom = frame.y1 - pad - height
        elif loc.startswith("lower"):
            bottom = frame.y0 + pad
        else:
            bottom = (frame.y0 + frame.y1 - height) / 2
        inside = (x >= left) & (x <= left + width)
        inside &= (y >= bottom) & (y <= bottom + height)
        if not inside.any():
            return loc
    return None


def _display_points(line, n_between=20):
    xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
    xy = line.get_transform().transform(xy)
    if len(xy) < 2:
        return xy
    t = np.linspace(0, 1, n_between, endpoint=False)[:, None, None]
    segments = xy[:-1] + t * (xy[1:] - xy[:-1])
    return np.vstack([segments.reshape(-1, 2), xy[-1:]])
