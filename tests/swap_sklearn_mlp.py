"""A pytest plugin: scikit-learn's own MLP tests, run on backprop_mlp's estimators.

Loaded with ``-p swap_sklearn_mlp`` (this directory on ``PYTHONPATH``) by
``tests/test_sklearn_mlp_suite.py``. Plugins are imported before collection,
so the names are replaced in ``sklearn.neural_network`` before
``sklearn/neural_network/tests/test_mlp.py`` imports them from there.
"""

import sys

import pytest
import sklearn.neural_network

from backprop_mlp import BackpropMLPClassifier, BackpropMLPRegressor

sklearn.neural_network.MLPClassifier = BackpropMLPClassifier
sklearn.neural_network.MLPRegressor = BackpropMLPRegressor

SWAPPED = {"MLPClassifier": BackpropMLPClassifier, "MLPRegressor": BackpropMLPRegressor}


def pytest_collection_finish(session):
    """Refuse to run if a collected module still holds scikit-learn's classes.

    A module that imported them before this plugin ran (or from their
    private module) would test scikit-learn, and pass, in silence.
    """
    for item in session.items:
        module = sys.modules.get(getattr(item.module, "__name__", ""))
        for name, ours in SWAPPED.items():
            found = getattr(module, name, ours)
            if found is not ours:
                raise pytest.UsageError(
                    f"{module.__name__}.{name} is {found!r}, not backprop_mlp's: "
                    "it was imported before the swap_sklearn_mlp plugin ran."
                )
