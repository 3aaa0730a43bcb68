"""backprop-mlp: a multilayer perceptron trained by back-propagation in numpy.

:class:`BackpropMLPClassifier` is a scikit-learn estimator with the API of
:class:`sklearn.neural_network.MLPClassifier`; its forward pass,
back-propagation and parameter updates are written from scratch in
:mod:`backprop_mlp._network`, :mod:`backprop_mlp._activations`,
:mod:`backprop_mlp._losses` and :mod:`backprop_mlp._optimizers`.

Around it: :func:`check_gradients` verifies back-propagation against finite
differences, :class:`LossCurveDisplay` plots the training curves, and
:class:`ProgressBar` shows training progress live. :func:`config_context`
chooses between numpy's kernels and the compiled ones of the ``fast`` extra.
"""

from ._callbacks import ProgressBar
from ._classifier import BackpropMLPClassifier, TrainingDivergedWarning
from ._config import config_context, get_config, set_config
from ._display import LossCurveDisplay
from ._gradient_check import GradientCheckResult, LayerGradientCheck, check_gradients

__version__ = "0.1.0"

__all__ = [
    "BackpropMLPClassifier",
    "GradientCheckResult",
    "LayerGradientCheck",
    "LossCurveDisplay",
    "ProgressBar",
    "TrainingDivergedWarning",
    "__version__",
    "check_gradients",
    "config_context",
    "get_config",
    "set_config",
]
