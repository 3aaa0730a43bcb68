"""LossCurveDisplay: the training and validation curves of a fitted MLP."""

import numpy as np

try:
    from sklearn.utils._optional_dependencies import check_matplotlib_support
except ImportError:  # pragma: no cover - scikit-learn < 1.5 kept it here
    from sklearn.utils import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]


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
    validation score if there is one, on a second y axis on the right. Create
    it with :meth:`from_estimator`, or from the curves and call :meth:`plot`.
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

    See Also
    --------
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
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        loss_kw=None,
        validation_loss_kw=None,
        validation_score_kw=None,
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
        xlabel : str, default="epoch"
            The label of the x axis.

        Returns
        -------
        display : LossCurveDisplay
            This object, with ``ax_``, ``score_ax_``, ``figure_`` and
            ``lines_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        loss = _curve(self.loss_curve, "loss_curve")
        val_loss = _curve(self.validation_loss_curve, "validation_loss_curve")
        val_score = _curve(self.validation_scores, "validation_scores")
        if ax is None:
            _, ax = plt.subplots()
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
        # One legend for the lines of both y axes.
        ax.legend(handles=self.lines_, loc="best")
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
            ``validation_scores_`` are drawn when present and not None.
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
        )
        return display.plot(ax=ax, **kwargs)
