"""
Class weights on an imbalanced problem
======================================

When one class is rare, a classifier that minimises the mean log-loss can
score well while missing most of the rare class. ``class_weight='balanced'``
weighs each sample by ``n_samples / (n_classes * count of its class)`` in the
objective, so that both classes weigh the same in total; unlike resampling,
it drops no data and duplicates none. Here it is compared with the unweighted
model on the recall of each class (the share of its samples found).
"""

# %%
# A problem with 5% positives
# ---------------------------
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

X, y = make_classification(
    n_samples=2000,
    n_features=10,
    n_informative=4,
    weights=[0.95],
    class_sep=0.7,
    flip_y=0,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
print(f"positives: {y_train.sum()} of {len(y_train)} training samples")

models = {}
for class_weight in (None, "balanced"):
    model = make_pipeline(
        StandardScaler(),
        BackpropMLPClassifier(
            hidden_layer_sizes=(16,),
            class_weight=class_weight,
            max_iter=300,
            random_state=0,
        ),
    )
    with warnings.catch_warnings():
        # Still creeping down at max_iter; the comparison does not need more.
        warnings.simplefilter("ignore", ConvergenceWarning)
        models[str(class_weight)] = model.fit(X_train, y_train)

# %%
# Recall per class
# ----------------
# Weighting trades a little of the majority's recall for much of the
# minority's; the balanced accuracy (the mean recall) rises.
recalls = {}
for name, model in models.items():
    y_pred = model.predict(X_test)
    recalls[name] = recall_score(y_test, y_pred, average=None)
    print(
        f"class_weight={name:<9} recall of class 0: {recalls[name][0]:.3f}, "
        f"class 1: {recalls[name][1]:.3f}, "
        f"balanced accuracy {balanced_accuracy_score(y_test, y_pred):.3f}"
    )

try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the numbers above are the result
    plt = None

if plt is not None:
    fig, ax = plt.subplots(layout="constrained")
    positions = np.arange(2)
    for shift, (name, recall) in zip((-0.2, 0.2), recalls.items(), strict=True):
        ax.bar(positions + shift, recall, width=0.4, label=f"class_weight={name}")
    ax.set_xticks(positions, ["class 0 (95%)", "class 1 (5%)"])
    ax.set(ylabel="held-out recall", ylim=(0, 1.05), title="Recall per class")
    ax.legend(loc="upper right")
    plt.show()
