"""
Dropout and the gap between training and validation
===================================================

Dropout sets each hidden unit's output to zero with probability ``dropout``
at every training step (and scales the others by ``1 / (1 - dropout)``, so
that nothing changes at prediction). No unit can then rely on any other
being there, which keeps a large network from memorising a small training
set. Here the same network is trained with and without it, and the gap
between its log-loss on the training and on the validation data is compared.
"""

# %%
# Two networks on 100 digits
# --------------------------
# 128 hidden units, 8,300 weights, for 100 training images: enough to learn
# them by heart.
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(
    X, y, train_size=100, test_size=500, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

models = {}
for dropout in (0.0, 0.5):
    model = BackpropMLPClassifier(
        hidden_layer_sizes=(128,),
        dropout=dropout,
        learning_rate_init=0.01,
        max_iter=40,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # all 40 epochs
        # X_val is scored after every epoch: validation_scores_.
        models[dropout] = model.fit(X_train, y_train, X_val=X_val, y_val=y_val)

# The losses of the final weights, without dropout (as at prediction).
gaps = {}
for dropout, model in models.items():
    train = log_loss(y_train, model.predict_proba(X_train))
    val = log_loss(y_val, model.predict_proba(X_val))
    gaps[dropout] = val - train
    print(
        f"dropout={dropout}: log-loss training {train:.3f}, validation {val:.3f}, "
        f"gap {gaps[dropout]:.3f}; validation accuracy {model.score(X_val, y_val):.3f}"
    )

# %%
# The validation loss over the epochs
# -----------------------------------
# Without dropout the validation loss turns back up after a few epochs while
# the training loss keeps falling; with it, the validation loss rises less.
# (With dropout, ``loss_curve_`` is the loss of the thinned networks that
# training sees, higher than that of the full network.)
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers above are the result
    plt = None

if plt is not None:
    fig, ax = plt.subplots(layout="constrained")
    for (dropout, model), color in zip(models.items(), ("C0", "C1"), strict=True):
        epochs = range(1, model.n_iter_ + 1)
        ax.plot(epochs, model.loss_curve_, color=color, label=f"training, {dropout=}")
        ax.plot(
            epochs,
            model.validation_loss_curve_,
            color=color,
            linestyle="--",
            label=f"validation, {dropout=}",
        )
    ax.set(xlabel="epoch", ylabel="log-loss", yscale="log")
    ax.set_title("Dropout on 100 training digits")
    ax.legend()
    plt.show()
