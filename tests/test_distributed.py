"""Searches and cross-validation on a dask.distributed cluster give serial results.

One local cluster for the module (2 worker processes, 1 thread each), bound to
127.0.0.1 with no dashboard, started and stopped here. Every search runs twice,
through ``joblib.parallel_config(backend="dask")`` and with ``n_jobs=1``; the
serial run is the oracle: the same folds, seeds and arithmetic must give the
same ``cv_results_``, only the timings differ. The task stream proves the fits
really ran on the cluster's workers.
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")  # a dependency of distributed


def _listening(processes):
    """The ``(ip, port)`` of every listening TCP socket of ``processes``."""
    sockets = set()
    for process in processes:
        try:
            connections = process.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        sockets |= {
            (c.laddr.ip, c.laddr.port)
            for c in connections
            if c.status == psutil.CONN_LISTEN
        }
    return sockets


def _process_tree():
    me = psutil.Process()
    return [me, *me.children(recursive=True)]


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster on 127.0.0.1 only, and the sockets and workers it opened."""
    before = _listening(_process_tree())
    children_before = set(psutil.Process().children(recursive=True))
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # The default, ":8787", serves the dashboard on every interface.
        dashboard_address=None,
    )
    # The nanny-spawned worker processes; not multiprocessing's resource
    # tracker, a helper that lives as long as this interpreter.
    workers = [
        child
        for child in set(psutil.Process().children(recursive=True)) - children_before
        if "spawn_main" in " ".join(child.cmdline())
    ]
    assert len(workers) == 2
    opened = _listening(_process_tree()) - before
    try:
        with distributed.Client(cluster) as client:
            yield client, opened
    finally:
        cluster.close()
        # The workers' processes end and the scheduler's ports close with it.
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"worker processes still running: {alive}"
        assert not (_listening([psutil.Process()]) & opened)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y


def _model():
    return make_pipeline(
        StandardScaler(),
        BackpropMLPClassifier(hidden_layer_sizes=(8,), max_iter=15, random_state=0),
    )


def _on_cluster(client, run):
    """``run()`` under the dask backend; its result and the workers that ran it."""
    with (
        distributed.get_task_stream(client) as tasks,
        joblib.parallel_config(backend="dask"),
    ):
        result = run()
    return result, {task["worker"] for task in tasks.data}


def _assert_same_results(distributed_results, serial_results):
    assert distributed_results.keys() == serial_results.keys()
    for key, value in serial_results.items():
        if key.endswith("_time"):
            continue
        if key == "params" or value.dtype == object:
            assert list(distributed_results[key]) == list(value), key
        else:
            np.testing.assert_array_equal(distributed_results[key], value, err_msg=key)


def test_cluster_listens_on_localhost_only(cluster):
    client, opened = cluster
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    assert opened, "the cluster opened no sockets: the check would be vacuous"
    assert {ip for ip, _ in opened} == {"127.0.0.1"}
    assert len(client.scheduler_info()["workers"]) == 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "make_search",
    [
        lambda n_jobs: GridSearchCV(
            _model(),
            {
                "backpropmlpclassifier__alpha": [1e-4, 1e-1],
                "backpropmlpclassifier__activation": ["relu", "tanh"],
            },
            cv=3,
            n_jobs=n_jobs,
        ),
        lambda n_jobs: RandomizedSearchCV(
            _model(),
            {
                "backpropmlpclassifier__alpha": np.logspace(-5, 0, 20),
                "backpropmlpclassifier__hidden_layer_sizes": [(4,), (8,), (8, 4)],
            },
            n_iter=4,
            cv=3,
            random_state=0,
            n_jobs=n_jobs,
        ),
    ],
    ids=["grid", "randomized"],
)
def test_search_on_cluster_matches_serial(cluster, data, make_search):
    client, _ = cluster
    X, y = data
    search, workers = _on_cluster(client, lambda: make_search(None).fit(X, y))
    serial = make_search(1).fit(X, y)

    assert workers and workers <= set(client.scheduler_info()["workers"])
    _assert_same_results(search.cv_results_, serial.cv_results_)
    assert search.best_params_ == serial.best_params_
    np.testing.assert_array_equal(search.predict_proba(X), serial.predict_proba(X))


def test_cross_validate_on_cluster_matches_serial(cluster, data):
    client, _ = cluster
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        results, workers = _on_cluster(
            client, lambda: cross_validate(_model(), X, y, cv=4, return_estimator=True)
        )
        serial = cross_validate(_model(), X, y, cv=4, n_jobs=1, return_estimator=True)

    assert workers and workers <= set(client.scheduler_info()["workers"])
    np.testing.assert_array_equal(results["test_score"], serial["test_score"])
    # The fitted models came back from the workers intact, weights and all.
    for ours, theirs in zip(results["estimator"], serial["estimator"], strict=True):
        for W, W_serial in zip(ours[-1].coefs_, theirs[-1].coefs_, strict=True):
            np.testing.assert_array_equal(W, W_serial)
        assert ours[-1].loss_curve_ == theirs[-1].loss_curve_


def test_fit_blocks_from_a_dask_array_on_the_cluster(cluster, data):
    """Blocks of a dask array computed by the cluster's workers train the
    model an in-memory fit trains (shuffle=False, a block per batch)."""
    client, _ = cluster
    da = pytest.importorskip("dask.array")
    from backprop_mlp import BlockSource, fit_blocks

    X, y = data
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(5,), max_iter=5, shuffle=False, batch_size=30
    ).set_params(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = clone(clf).fit(X, y)
        # Made on the workers: the blocks exist nowhere else until computed.
        X_dask = client.persist(da.from_array(X, chunks=(30, 6)) * 1.0)
        y_dask = da.from_array(y, chunks=30)
        with distributed.get_task_stream(client) as tasks:
            ours = fit_blocks(
                clone(clf), BlockSource.from_dask(X_dask, y_dask), classes=[0, 1, 2]
            )
    assert {task["worker"] for task in tasks.data}
    assert ours.loss_curve_ == expected.loss_curve_
    for W, W_expected in zip(ours.coefs_, expected.coefs_, strict=True):
        np.testing.assert_array_equal(W, W_expected)
