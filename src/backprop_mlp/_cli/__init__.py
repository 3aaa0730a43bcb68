"""Command line: cross-validate our estimators against scikit-learn's.

``python -m backprop_mlp`` (or the ``backprop-mlp`` console script) trains both
estimators with identical hyper-parameters, each behind a ``StandardScaler`` in
a ``Pipeline``, on the same folds, and prints one table: mean score ± standard
deviation over the folds, mean fit time, and how long our fit takes relative
to scikit-learn's. Classification compares BackpropMLPClassifier with
MLPClassifier by accuracy on stratified folds; regression compares
BackpropMLPRegressor with MLPRegressor by R² on shuffled K-fold splits, with
the target standardised too (``TransformedTargetRegressor``).

Without ``--csv`` it runs on three embedded data sets: the tutorial's two
circles (``make_circles``, the ``[2, 4, 3, 1]`` network), scikit-learn's
``load_digits`` and, for regression, ``load_diabetes``. With ``--csv FILE
--target COLUMN`` it runs on the user's data instead, as classification or
regression as the target column suggests or ``--task`` says. Mistakes in
that file or the arguments end the program with a one-line message and exit
status 2, never a traceback; Ctrl-C ends it with status 130 and no table.

One module per job:

``_arguments``
    the options, and the checks they need before any data is read;
``_csv_file``
    reading a user's file: its delimiter, its columns, its target, the task
    it suggests;
``_datasets``
    the data sets, and what must hold of one before it is cross-validated;
``_resources``
    what this machine can run: worker processes, memory for a network;
``_compare``
    the two models and their cross-validation, fit by fit;
``_table``
    the table of results, and text any console can print;
``_main``
    the program: the order of those steps and the exit status.
"""

from ._main import main

__all__ = ["main"]
