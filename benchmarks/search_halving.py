"""Halving and Hyperband searches whose survivors continue, against scikit-learn's.

Run from the repository root::

    python benchmarks/search_halving.py              # both data sets, 10+ minutes
    python benchmarks/search_halving.py --no-optuna  # the five searches only
    python benchmarks/search_halving.py --quick      # digits, 3 to 27 epochs
    python benchmarks/search_halving.py --data synthetic --repeats 3

54 candidates (layer sizes, ``alpha``, ``learning_rate_init``,
``batch_size``) x 3 folds, 3 to 81 epochs, factor 3, ``n_jobs=2``, behind a
``StandardScaler``, on scikit-learn's digits (1,347 training rows) and on
``make_classification(6000, 40, n_informative=20, n_classes=4)`` (4,500
training rows); a quarter of each is held out for the test accuracy of the
refitted best candidate. Five searches run side by side in each repeat, so
that a slow spell of a shared machine hits all of them:

1. ``GridSearchCV(MLPClassifier)``: every candidate for 81 epochs;
2. scikit-learn's ``HalvingGridSearchCV(MLPClassifier)``;
3. scikit-learn's ``HalvingGridSearchCV(BackpropMLPClassifier)``, which
   retrains every survivor from scratch at each rung;
4. our ``HalvingGridSearchCV(BackpropMLPClassifier)``, whose survivors
   continue;
5. our ``HyperbandSearchCV(BackpropMLPClassifier)`` over the same grid.

When Optuna and optuna-integration are installed (they are not
dependencies), ``OptunaSearchCV`` runs as a sixth: TPE with pruning through
``partial_fit``, ``MLPClassifier`` on pre-scaled data, the same candidates as
categories and as many trials. The targets are checked at the end; read the
ratios, not the seconds.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.model_selection import HalvingGridSearchCV as SklearnHalving
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier
from backprop_mlp.model_selection import HalvingGridSearchCV, HyperbandSearchCV

GRID = {
    "hidden_layer_sizes": [(32,), (64,), (128,)],
    "alpha": [1e-4, 1e-3, 1e-2],
    "learning_rate_init": [1e-4, 1e-3, 1e-2],
    "batch_size": [32, 128],
}
FACTOR, MIN_EPOCHS, N_FOLDS, N_JOBS = 3, 3, 3, 2

FULL = "GridSearchCV(MLPClassifier)"
SK_MLP = "sklearn Halving(MLPClassifier)"
SK_OURS = "sklearn Halving(ours)"
OURS = "our Halving(ours)"
HYPERBAND = "our Hyperband(ours)"
OPTUNA = "OptunaSearchCV(MLPClassifier)"


def datasets(names):
    """``{name: (X_train, X_test, y_train, y_test)}``."""
    sets = {
        "digits": lambda: load_digits(return_X_y=True),
        "synthetic": lambda: make_classification(
            6000, 40, n_informative=20, n_classes=4, random_state=0
        ),
    }
    split = {}
    for name in names:
        X, y = sets[name]()
        split[name] = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    return split


def _pipe(estimator):
    return Pipeline([("scale", StandardScaler()), ("mlp", estimator)])


def _grid():
    return {f"mlp__{name}": values for name, values in GRID.items()}


def searches(epochs, optuna):
    """``{name: () -> unfitted search}`` for the five searches, and Optuna's."""
    ours, theirs = BackpropMLPClassifier, MLPClassifier
    halving = dict(
        factor=FACTOR,
        min_resources=MIN_EPOCHS,
        max_resources=epochs,
        cv=N_FOLDS,
        n_jobs=N_JOBS,
    )
    made = {
        FULL: lambda: GridSearchCV(
            _pipe(theirs(max_iter=epochs, random_state=0)),
            _grid(),
            cv=N_FOLDS,
            n_jobs=N_JOBS,
        ),
        SK_MLP: lambda: SklearnHalving(
            _pipe(theirs(random_state=0)), _grid(), resource="mlp__max_iter", **halving
        ),
        SK_OURS: lambda: SklearnHalving(
            _pipe(ours(random_state=0)), _grid(), resource="mlp__max_iter", **halving
        ),
        OURS: lambda: HalvingGridSearchCV(
            _pipe(ours(random_state=0)), _grid(), **halving
        ),
        HYPERBAND: lambda: HyperbandSearchCV(
            _pipe(ours(random_state=0)), _grid(), random_state=0, **halving
        ),
    }
    make_optuna = _optuna_search(epochs) if optuna else None
    if make_optuna is not None:
        made[OPTUNA] = make_optuna
    return made


def _optuna_search(epochs):
    try:
        import optuna
        from optuna_integration import OptunaSearchCV
    except ImportError:
        return None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    # optuna-integration imports a module that optuna deprecates.
    warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")
    # Optuna's categories hold plain values: one hidden layer as an int,
    # which MLPClassifier takes as (int,).
    categories = {
        name: optuna.distributions.CategoricalDistribution(
            [v[0] if isinstance(v, tuple) else v for v in values]
        )
        for name, values in GRID.items()
    }
    n_trials = int(np.prod([len(v) for v in GRID.values()]))

    def make():
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=0)
        )
        search = OptunaSearchCV(
            MLPClassifier(random_state=0),
            categories,
            cv=N_FOLDS,
            enable_pruning=True,
            max_iter=epochs,
            n_jobs=N_JOBS,
            n_trials=n_trials,
            random_state=0,
            study=study,
        )
        return search

    return make


def run(name, search, X_train, X_test, y_train, y_test):
    """Fit ``search``; ``(seconds, best CV score, test accuracy, search)``."""
    if name == OPTUNA:  # partial_fit needs an estimator, not a Pipeline
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    start = time.perf_counter()
    search.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return seconds, search.best_score_, search.score(X_test, y_test), search


def measure(data, epochs, repeats, optuna):
    """Run every search ``repeats`` times in turn; medians and the last fits."""
    made = searches(epochs, optuna)
    # Untimed: start joblib's workers and import everything in them.
    HalvingGridSearchCV(
        _pipe(BackpropMLPClassifier(max_iter=3)),
        {"mlp__alpha": [1e-4]},
        cv=N_FOLDS,
        n_jobs=N_JOBS,
        min_resources=3,
    ).fit(*data[::2])
    times = {name: [] for name in made}
    last = {}
    for _ in range(repeats):
        for name, make in made.items():
            seconds, cv, test, search = run(name, make(), *data)
            times[name].append(seconds)
            last[name] = (cv, test, search)
    return {name: (np.median(t), *last[name]) for name, t in times.items()}


def report(label, results):
    full_time = results[FULL][0]
    print(f"\n{label}")
    print(f"{'search':<32} {'time':>8} {'/ full':>7} {'best CV':>8} {'test':>7}")
    for name, (seconds, cv, test, _) in results.items():
        print(
            f"{name:<32} {seconds:7.1f}s {seconds / full_time:7.2f} "
            f"{cv:8.3f} {test:7.3f}"
        )
    gap = np.max(
        np.abs(
            results[OURS][3].cv_results_["mean_test_score"]
            - results[SK_OURS][3].cv_results_["mean_test_score"]
        )
    )
    reuse = results[OURS][0] / results[SK_OURS][0]
    against_mlp = results[OURS][0] / results[SK_MLP][0]
    hyperband = results[HYPERBAND]
    checks = [
        ("our halving's scores are sklearn's on ours", gap == 0, f"max gap {gap:.1e}"),
        ("our halving / sklearn's on ours <= 0.75", reuse <= 0.75, f"{reuse:.2f}"),
        (
            "our halving / sklearn's on MLP <= 0.45",
            against_mlp <= 0.45,
            f"{against_mlp:.2f}",
        ),
        (
            "Hyperband / full grid time <= 0.30",
            hyperband[0] / full_time <= 0.30,
            f"{hyperband[0] / full_time:.2f}",
        ),
        (
            "Hyperband CV >= full grid's - 0.01",
            hyperband[1] >= results[FULL][1] - 0.01,
            f"{hyperband[1]:.3f} vs {results[FULL][1]:.3f}",
        ),
        (
            "Hyperband test >= full grid's - 0.02",
            hyperband[2] >= results[FULL][2] - 0.02,
            f"{hyperband[2]:.3f} vs {results[FULL][2]:.3f}",
        ),
    ]
    for what, ok, figure in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {what}: {figure}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="digits only, 3 to 27 epochs"
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--data",
        default="digits,synthetic",
        help="comma-separated: digits, synthetic (default: both)",
    )
    parser.add_argument(
        "--no-optuna",
        action="store_true",
        help="skip OptunaSearchCV even where it is installed (it is the slowest)",
    )
    args = parser.parse_args()
    epochs = 27 if args.quick else 81
    n_candidates = int(np.prod([len(v) for v in GRID.values()]))
    print(
        f"{n_candidates} candidates x {N_FOLDS} folds, {MIN_EPOCHS} to {epochs} "
        f"epochs, factor {FACTOR}, n_jobs={N_JOBS}, median of {args.repeats}"
    )
    warnings.simplefilter("ignore", ConvergenceWarning)
    names = ["digits"] if args.quick else args.data.split(",")
    for name, data in datasets(names).items():
        results = measure(data, epochs, args.repeats, not args.no_optuna)
        report(f"{name} ({len(data[2])} training rows)", results)


if __name__ == "__main__":
    main()
