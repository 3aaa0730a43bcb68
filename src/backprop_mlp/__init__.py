"""backprop-mlp: a multilayer perceptron trained by back-propagation in numpy.

:class:`BackpropMLPClassifier` is a scikit-learn estimator with the API of
:class:`sklearn.neural_network.MLPClassifier`; its forward pass,
back-propagation and parameter updates are written from scratch in
:mod:`backprop_mlp._network`, :mod:`backprop_mlp._activations`,
:mod:`backprop_mlp._losses` and :mod:`backprop_mlp._optimizers`.
"""

from ._classifier import BackpropMLPClassifier, TrainingDivergedWarning

__version__ = "0.1.0"

__all__ = ["BackpropMLPClassifier", "TrainingDivergedWarning", "__version__"]
