"""The same search under n_jobs=1 and n_jobs=2 gives the same results.

The serial run is the oracle: the same folds, seeds and arithmetic must give
the same ``cv_results_``, only the timings differ. The same on Dask:
``test_model_selection_dask.py``.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier
from backprop_mlp.model_selection import HalvingGridSearchCV, HyperbandSearchCV, _engine

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

GRID = {
    "backpropmlpclassifier__alpha": [1e-4, 1e-2, 1.0],
    "backpropmlpclassifier__learning_rate_init": [1e-3, 1e-2, 3e-2],
}


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=200, n_features=6, n_informative=4, n_classes=3, random_state=0
    )


def _search(kind, solver, n_jobs):
    pipe = make_pipeline(
        StandardScaler(),
        BackpropMLPClassifier((5,), solver=solver, max_iter=27, random_state=0),
    )
    if kind == "halving":
        return HalvingGridSearchCV(pipe, GRID, cv=3, n_jobs=n_jobs)
    return HyperbandSearchCV(pipe, GRID, cv=3, n_jobs=n_jobs, random_state=0)


def _assert_same_results(results, serial):
    """The same cv_results_, all but the times."""
    assert results.keys() == serial.keys()

    def untimed(results):
        return {k: v for k, v in results.items() if "_time" not in k}

    np.testing.assert_equal(untimed(results), untimed(serial))


# lbfgs is refitted at every rung; adam continues (the continuation contract).
SETTINGS = [
    (kind, solver) for kind in ("halving", "hyperband") for solver in ("lbfgs", "adam")
]


@pytest.mark.parametrize("kind, solver", SETTINGS)
def test_two_processes_give_the_serial_results(data, kind, solver):
    X, y = data
    serial = _search(kind, solver, 1).fit(X, y)
    parallel = _search(kind, solver, 2).fit(X, y)
    _assert_same_results(parallel.cv_results_, serial.cv_results_)
    assert parallel.best_params_ == serial.best_params_
    if solver == "adam":
        assert serial.cv_results_["continued"].any()


def test_a_job_receives_its_fold_and_models_not_the_search(data, monkeypatch):
    """Each job's arguments: one fold's rows (transformed), and the models
    and epochs of its tasks; never the whole data or the search."""
    X, y = data
    shipped = []
    run_jobs = _engine.run_jobs

    def recording(fold, trainings, *settings):
        shipped.append((fold, trainings))
        return run_jobs(fold, trainings, *settings)

    monkeypatch.setattr(_engine, "run_jobs", recording)
    search = _search("halving", "lbfgs", 1).fit(X, y)
    trainings = [t for _, ts in shipped for t in ts]
    assert len(trainings) == sum(search.n_candidates_) * 3
    # Fewer jobs than fits: a job trains several candidates on its fold.
    assert len(shipped) < len(trainings)
    splits = [len(test) for _, test in StratifiedKFold(3).split(X, y)]
    for fold, ts in shipped:
        assert fold.X_train.shape[0] + fold.X_test.shape[0] == len(X)
        assert fold.X_test.shape[0] in splits
        # Scaled by the fold's own scaler: mean 0 on its training rows.
        np.testing.assert_allclose(fold.X_train.mean(axis=0), 0, atol=1e-12)
        for model, epochs, continued in ts:
            assert isinstance(model, BackpropMLPClassifier)
            assert epochs in search.n_resources_ and not continued
