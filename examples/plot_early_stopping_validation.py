"""
Early stopping on the loss of your own validation set
=====================================================

With ``early_stopping=True`` training watches a validation set after every
epoch, stops once it has not improved for ``n_iter_no_change`` epochs, and
keeps the weights of its best epoch. scikit-learn's MLP sets aside
``validation_fraction`` of the training data and watches the accuracy;
:class:`~backprop_mlp.BackpropMLPClassifier` can also take a validation set
you pass in, ``fit(X, y, X_val=..., y_val=...)``, for instance one drawn from
a later period or from other patients than the training data, and can watch
the validation log-loss instead (``early_stopping_metric='loss'``), which
keeps falling or rising when the accuracy is flat.
"""

# %%
# A small training set and a large network
# ----------------------------------------
# 300 digits to train on is few for 256 hidden units: without stopping, the
# network fits them ever more closely and the validation loss climbs back up.
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier, LossCurveDisplay

X, y = load_digits(return_X_y=True)
X_train, X_rest, y_train, y_rest = train_test_split(
    X, y, train_size=300, stratify=y, random_state=0
)
X_val, X_test, y_val, y_test = train_test_split(
    X_rest, y_rest, train_size=300, stratify=y_rest, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_val, X_test = (scaler.transform(a) for a in (X_train, X_val, X_test))

params = dict(
    hidden_layer_sizes=(256,), learning_rate_init=0.01, max_iter=150, random_state=0
)
stopped = BackpropMLPClassifier(
    **params, early_stopping=True, early_stopping_metric="loss", n_iter_no_change=10
).fit(X_train, y_train, X_val=X_val, y_val=y_val)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # it runs all 150 epochs
    # Without early stopping, X_val is still scored after every epoch; the
    # training loss's own plateau test is off, so that all 150 epochs run.
    full = BackpropMLPClassifier(**params, n_iter_no_change=150).fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )

best = int(np.argmin(stopped.validation_loss_curve_)) + 1
print(f"stopped after {stopped.n_iter_} epochs, kept the weights of epoch {best}")
for name, model in (("early stopping", stopped), ("150 epochs", full)):
    print(
        f"{name:>14}: test log-loss {log_loss(y_test, model.predict_proba(X_test)):.3f}"
        f", test accuracy {model.score(X_test, y_test):.3f}"
    )

# %%
# The curves
# ----------
# :class:`~backprop_mlp.LossCurveDisplay` draws the training loss, the
# validation loss and accuracy, and marks the epoch whose weights were kept:
# the lowest validation loss.
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers above are the result
    plt = None

if plt is not None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    LossCurveDisplay.from_estimator(stopped, ax=axes[0], name="early stopping")
    LossCurveDisplay.from_estimator(full, ax=axes[1], name="150 epochs")
    plt.show()
