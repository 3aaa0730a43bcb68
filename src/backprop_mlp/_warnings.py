"""Our warning classes, and warnings that point at the user's own line."""

import os
import sys
import warnings

import joblib
import sklearn
from sklearn.exceptions import ConvergenceWarning

__all__ = ["TrainingDivergedWarning", "warn"]


class TrainingDivergedWarning(ConvergenceWarning):
    """Training stopped because the loss or the weights stopped being finite.

    The model keeps the last weights that were finite; the message names the
    likely cause (learning rate too high, features not scaled).
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
