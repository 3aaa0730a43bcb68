"""The searches on a Dask cluster give the serial results.

The cluster is ``test_distributed.py``'s: two worker processes bound to
127.0.0.1 with no dashboard, started and stopped by the fixture, which checks
that nothing listens elsewhere and that the workers end. The task stream
proves the jobs ran on its workers; ``n_jobs=1`` is the oracle.
"""

import joblib
import pytest
from test_distributed import cluster  # noqa: F401 (a fixture)
from test_model_selection_parallel import (  # noqa: F401 (data: a fixture)
    SETTINGS,
    _assert_same_results,
    _search,
    data,
)

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Hyperband's brackets run on the same machinery: slow only.
ON_DASK = [
    pytest.param(kind, solver, marks=[pytest.mark.slow] if kind == "hyperband" else [])
    for kind, solver in SETTINGS
]


@pytest.mark.parametrize("kind, solver", ON_DASK)
def test_dask_gives_the_serial_results(cluster, data, kind, solver):  # noqa: F811
    client, _ = cluster
    X, y = data
    with (
        distributed.get_task_stream(client) as tasks,
        joblib.parallel_config(backend="dask"),
    ):
        on_cluster = _search(kind, solver, None).fit(X, y)
    workers = {task["worker"] for task in tasks.data}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    serial = _search(kind, solver, 1).fit(X, y)
    _assert_same_results(on_cluster.cv_results_, serial.cv_results_)
    assert on_cluster.best_params_ == serial.best_params_
