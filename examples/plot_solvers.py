"""
Comparing the solvers
=====================

:class:`~backprop_mlp.BackpropMLPClassifier` has scikit-learn's three solvers:
plain stochastic gradient descent (``solver='sgd'``, here with
``momentum=0``), the same with Nesterov's momentum (the default for 'sgd'),
Adam (the default solver) and L-BFGS, a quasi-Newton method on the
full-batch objective. Here each trains the same network on the same data from
the same initial weights, and their training loss curves are drawn side by
side.
"""

# %%
# The data and the four models
# ----------------------------
# The hand-written digits, scaled. ``learning_rate_init`` is each solver's
# usual value: 0.1 for SGD (its steps are the raw gradient) and 0.001 for
# Adam (its steps are normalised).
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

common = dict(hidden_layer_sizes=(32,), max_iter=60, tol=0, random_state=0)
solvers = {
    "sgd": dict(solver="sgd", momentum=0.0, learning_rate_init=0.1),
    "sgd + momentum": dict(solver="sgd", momentum=0.9, learning_rate_init=0.1),
    "adam": dict(solver="adam", learning_rate_init=0.001),
    "lbfgs": dict(solver="lbfgs"),
}
models = {}
with warnings.catch_warnings():
    # Every solver runs its full 60 epochs (iterations for lbfgs): tol=0.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, params in solvers.items():
        models[name] = BackpropMLPClassifier(**common, **params).fit(X_train, y_train)

for name, model in models.items():
    print(
        f"{name:>15}: final training loss {model.loss_:.2e}, "
        f"held-out accuracy {model.score(X_test, y_test):.4f}"
    )

# %%
# The loss curves
# ---------------
# An epoch of 'sgd' or 'adam' is one pass over the data in mini-batches of 200
# (here 7 steps); an iteration of 'lbfgs' is one step on the whole data set.
# Momentum speeds plain SGD up many times over. Adam with its default step of
# 0.001 is the slowest here: its strength is that this default works, without
# tuning, on most problems, where SGD's step must be chosen. L-BFGS reaches
# the lowest training loss in the fewest passes, which is why it is often the
# best choice for small data sets; on large ones each of its steps costs a
# pass over all the data, and the stochastic solvers get there first.
try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers above are the result
    plt = None

if plt is not None:
    fig, ax = plt.subplots(layout="constrained")
    for name, model in models.items():
        ax.plot(range(1, len(model.loss_curve_) + 1), model.loss_curve_, label=name)
    ax.set(
        xlabel="epoch (iteration for lbfgs)",
        ylabel="training loss",
        yscale="log",
        title="Four solvers, one network, the same initial weights",
    )
    ax.legend()
    plt.show()
