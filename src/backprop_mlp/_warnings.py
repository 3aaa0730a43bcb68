"""Our warning classes, and warnings that point at the user's own line."""

import os
import sys
import warnings

import joblib
import sklearn
from sklearn.exceptions import ConvergenceWarning

__all__ = ["ContinuationWarning", "TrainingDivergedWarning", "warn"]


class TrainingDivergedWarning(ConvergenceWarning):
    """Training diverged, or ended far above the lowest loss it reached.

    Divergence (a loss or weights that stop being finite, or explode) stops
    training, and the model keeps the weights before that epoch. A run that
    merely ends more than 10 times above its lowest loss is kept as it is.
    Either way the message names the likely cause: a learning rate too high,
    or features not scaled.
    """


class ContinuationWarning(UserWarning):
    """A fit asked to continue its training run could not continue it exactly.

    Either the run had ended (its plateau rule stopped it, or it diverged)
    and the fit trained nothing, or something the run depends on changed
    (the solver, the number of training rows, the validation set) and the
    fit started a new run from the fitted weights, as ``warm_start=True``
    does. The message says which, and why.
    """


# Frames in these folders are never the user's: a warning about a fit called
# through a Pipeline or a search points past scikit-learn's frames too.
_LIBRARY_DIRS = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (sys.modules[__name__.rpartition(".")[0]], sklearn, joblib)
)


def warn(message, category):
    """``warnings.warn`` at the first frame outside backprop_mlp and sklearn.

    A fixed ``stacklevel`` cannot do this: the depth of our own frames differs
    between ``fit`` and ``partial_fit``, and scikit-learn's decorators and
    meta-estimators add frames of their own.

    Parameters
    ----------
    message : str
    category : type of Warning
    """
    frame = sys._getframe(1)
    stacklevel = 2  # the caller of this function
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame = frame.f_back
        stacklevel += 1
    warnings.warn(message, category, stacklevel=stacklevel)
