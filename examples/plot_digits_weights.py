"""
What the first layer of a digits model looks at
===============================================

Each hidden unit of the first layer computes a weighted sum of the 64 pixels
of a digit, so its column of weights ``coefs_[0][:, j]`` can be drawn as an
8x8 image: where it is positive the unit is excited by ink, where negative
inhibited (compare scikit-learn's "Visualization of MLP weights on MNIST").
"""

# %%
# A network with 16 hidden units
# ------------------------------
# Pixels are divided by 16, their maximum, rather than standardised, so that
# a weight's image lines up with the ink of the digits. A larger ``alpha``
# than the default keeps the weights of pixels that are always blank small,
# which makes the images easier to read.
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from backprop_mlp import BackpropMLPClassifier

X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
clf = BackpropMLPClassifier(
    hidden_layer_sizes=(16,), alpha=1e-2, max_iter=300, random_state=0
)
with warnings.catch_warnings():
    # The loss still creeps down at max_iter; the pictures no longer change.
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X_train, y_train)
weights = clf.coefs_[0]  # shape (64 pixels, 16 units)
print(
    f"first-layer weights {weights.shape}, held-out accuracy "
    f"{clf.score(X_test, y_test):.3f}"
)

# %%
# The weights as images
# ---------------------
# One colour scale for all units, centred on zero: red excites, blue inhibits.
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers above are the result
    plt = None

if plt is not None:
    fig, axes = plt.subplots(4, 4, figsize=(6, 6), layout="constrained")
    limit = abs(weights).max()
    for j, ax in enumerate(axes.ravel()):
        image = ax.imshow(
            weights[:, j].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit
        )
        ax.set_title(f"unit {j}", fontsize="small")
        ax.set_xticks(())
        ax.set_yticks(())
    fig.colorbar(image, ax=axes, shrink=0.6, label="weight")
    plt.show()
