"""backprop-mlp: a multilayer perceptron trained by back-propagation in numpy.

:class:`BackpropMLPClassifier` and :class:`BackpropMLPRegressor` are
scikit-learn estimators with the API of
:class:`sklearn.neural_network.MLPClassifier` and
:class:`~sklearn.neural_network.MLPRegressor`; their forward pass,
back-propagation and parameter updates are written from scratch in
:mod:`backprop_mlp._network`, :mod:`backprop_mlp._activations`,
:mod:`backprop_mlp._losses` and :mod:`backprop_mlp._optimizers`.

Around it: :func:`check_gradients` verifies back-propagation against finite
differences, :class:`LossCurveDisplay` plots the training curves, and
:class:`ProgressBar` shows training progress live. :func:`fit_blocks` trains
on a :class:`BlockSource`: data larger than memory, block by block.
:func:`config_context` chooses between numpy's kernels and the compiled ones
of the ``fast`` extra.
"""

# scikit-learn's own import order: its base first. Entered through
# sklearn.utils (as _blocks would), its import took ~0.1 s more CPU time, and
# `import backprop_mlp` cost that much more than `import sklearn.neural_network`
# (benchmarks/continuation.py --only import).
import sklearn.base  # noqa: F401

from ._blocks import BlockSource
from ._callbacks import ProgressBar
from ._classifier import BackpropMLPClassifier
from ._config import config_context, get_config, set_config
from ._display import LossCurveDisplay
from ._gradient_check import GradientCheckResult, LayerGradientCheck, check_gradients
from ._out_of_core import fit_blocks
from ._persistence import InconsistentVersionWarning
from ._regressor import BackpropMLPRegressor
from ._version import __version__
from ._warnings import ContinuationWarning, TrainingDivergedWarning

__all__ = [
    "BackpropMLPClassifier",
    "BackpropMLPRegressor",
    "BlockSource",
    "ContinuationWarning",
    "GradientCheckResult",
    "InconsistentVersionWarning",
    "LayerGradientCheck",
    "LossCurveDisplay",
    "ProgressBar",
    "TrainingDivergedWarning",
    "__version__",
    "check_gradients",
    "config_context",
    "fit_blocks",
    "get_config",
    "set_config",
]
