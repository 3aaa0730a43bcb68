"""Out-of-core training: fit_blocks against an in-memory fit, and its errors.

The oracle is ``fit`` itself: when the data fit in memory, with
``shuffle=False`` and blocks that are the batches, ``fit_blocks`` must train
the very same model (the same weights, curves and counters, bit for bit) from
every kind of block source. The shuffled order is checked on the loader: every
row once per epoch, blocks in a new order each epoch, rows shuffled within
their block.
"""

import io
import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification

from backprop_mlp import BackpropMLPClassifier, BlockSource, ProgressBar, fit_blocks
from backprop_mlp._out_of_core import BlockLoader

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

BLOCK = 50
CLASSES = ["ant", "bee", "cat"]


@pytest.fixture(scope="module")
def data():
    """Training rows that split into 11 blocks (the last one short), and a
    validation set; string labels, positive sample weights."""
    X, y = make_classification(
        n_samples=640,
        n_features=6,
        n_informative=4,
        n_classes=3,
        random_state=0,
    )
    y = np.array(CLASSES)[y]
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    n_train = 10 * BLOCK + 30
    return {
        "X": X[:n_train],
        "y": y[:n_train],
        "sample_weight": weights[:n_train],
        "X_val": X[n_train:],
        "y_val": y[n_train:],
    }


def _blocks_of(a):
    return [a[start : start + BLOCK] for start in range(0, len(a), BLOCK)]


def _arrays_source(data, tmp_path, weighted):
    """A memmap of X, as np.load(mmap_mode="r") gives it."""
    np.save(tmp_path / "X.npy", data["X"])
    X = np.load(tmp_path / "X.npy", mmap_mode="r")
    sw = data["sample_weight"] if weighted else None
    return BlockSource.from_arrays(X, data["y"], BLOCK, sample_weight=sw)


def _npy_folder_source(data, tmp_path, weighted):
    # Block numbers past 9: X_10.npy must come after X_9.npy, not after X_1.npy.
    for i, (X, y, sw) in enumerate(
        zip(*(_blocks_of(data[k]) for k in ("X", "y", "sample_weight")), strict=True)
    ):
        np.save(tmp_path / f"X_{i}.npy", X)
        np.save(tmp_path / f"y_{i}.npy", y)
        if weighted:
            np.save(tmp_path / f"sample_weight_{i}.npy", sw)
    np.save(tmp_path / "not_a_block.npy", np.zeros(3))
    return BlockSource.from_npy_folder(tmp_path)


def _dask_source(data, tmp_path, weighted):
    da = pytest.importorskip("dask.array")
    X = da.from_array(data["X"], chunks=(BLOCK, 2))  # column chunks too
    y = da.from_array(data["y"], chunks=70)  # cut elsewhere than X
    sw = da.from_array(data["sample_weight"], chunks=BLOCK) if weighted else None
    return BlockSource.from_dask(X, y, sample_weight=sw)


def _loaders_source(data, tmp_path, weighted):
    parts = [_blocks_of(data[k]) for k in ("X", "y", "sample_weight")]
    loaders = [
        (lambda X=X, y=y, sw=sw: (X, y, sw if weighted else None))
        for X, y, sw in zip(*parts, strict=True)
    ]
    return BlockSource(loaders, n_rows=[len(X) for X in parts[0]])


SOURCES = {
    "memmap": _arrays_source,
    "npy_folder": _npy_folder_source,
    "dask": _dask_source,
    "loaders": _loaders_source,
}

FITTED = (
    "loss_curve_",
    "validation_scores_",
    "validation_loss_curve_",
    "n_iter_",
    "t_",
    "loss_",
    "best_loss_",
    "best_validation_score_",
    "n_features_in_",
)


def _assert_same_model(ours, expected):
    for name in FITTED:
        assert getattr(ours, name) == getattr(expected, name), name
    np.testing.assert_array_equal(ours.classes_, expected.classes_)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_,
        expected.coefs_ + expected.intercepts_,
        strict=True,
    ):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("params", "weighted"),
    [
        ({"solver": "adam"}, False),
        ({"solver": "sgd", "early_stopping": True, "n_iter_no_change": 2}, True),
        (
            {
                "early_stopping": True,
                "early_stopping_metric": "loss",
                "learning_rate_init": 0.05,
                "n_iter_no_change": 2,
            },
            False,
        ),
    ],
    ids=["adam", "sgd-early-stopping-weighted", "early-stopping-on-loss"],
)
def test_same_model_as_in_memory_fit(data, tmp_path, source, params, weighted):
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(7,),
        max_iter=12,
        shuffle=False,
        batch_size=BLOCK,
        random_state=0,
        **params,
    )
    sw = data["sample_weight"] if weighted else None
    val = {"X_val": data["X_val"], "y_val": data["y_val"]}
    expected = clone(clf).fit(data["X"], data["y"], sample_weight=sw, **val)
    blocks = SOURCES[source](data, tmp_path, weighted)
    ours = fit_blocks(clone(clf), blocks, classes=CLASSES, **val)

    _assert_same_model(ours, expected)
    if params.get("early_stopping"):
        # Stopped early, and the best weights (not the last) were restored.
        assert ours.n_iter_ < 12
        np.testing.assert_array_equal(
            ours.predict_proba(data["X_val"]), expected.predict_proba(data["X_val"])
        )


@pytest.mark.parametrize("n_targets", [1, 2])
def test_regressor_same_model_as_in_memory_fit(data, n_targets):
    from backprop_mlp import BackpropMLPRegressor

    X = data["X"]
    rng = np.random.default_rng(0)
    y = X @ rng.standard_normal((X.shape[1], n_targets))
    y = y.ravel() if n_targets == 1 else y
    reg = BackpropMLPRegressor(
        hidden_layer_sizes=(7,),
        max_iter=8,
        shuffle=False,
        batch_size=BLOCK,
        early_stopping=True,
        n_iter_no_change=2,
        random_state=0,
    )
    val = {"X_val": data["X_val"], "y_val": data["X_val"] @ np.ones((6, n_targets))}
    if n_targets == 1:
        val["y_val"] = val["y_val"].ravel()
    expected = clone(reg).fit(X, y, sample_weight=data["sample_weight"], **val)
    blocks = BlockSource.from_arrays(X, y, BLOCK, sample_weight=data["sample_weight"])
    ours = fit_blocks(clone(reg), blocks, **val)
    for name in ("loss_curve_", "validation_scores_", "n_iter_", "t_", "loss_"):
        assert getattr(ours, name) == getattr(expected, name), name
    for a, b in zip(ours.coefs_, expected.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)
    np.testing.assert_allclose(ours.predict(X), expected.predict(X), rtol=1e-13)


def test_warm_start_continues_like_fit(data):
    """A second fit_blocks continues as a second in-memory fit does."""
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(5,),
        max_iter=4,
        shuffle=False,
        batch_size=BLOCK,
        warm_start=True,
        random_state=0,
    )
    expected = clone(clf).fit(data["X"], data["y"]).fit(data["X"], data["y"])
    blocks = BlockSource.from_arrays(data["X"], data["y"], BLOCK)
    ours = fit_blocks(clone(clf), blocks, classes=CLASSES)
    ours = fit_blocks(ours, blocks)  # classes_ known: not needed again
    _assert_same_model(ours, expected)
    assert len(ours.loss_curve_) == 8


def test_float32_blocks_train_a_float32_model(data):
    X = data["X"].astype(np.float32)
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(5,), max_iter=3, shuffle=False, batch_size=BLOCK
    )
    clf.set_params(random_state=0)
    expected = clone(clf).fit(X, data["y"])
    ours = fit_blocks(
        clone(clf), BlockSource.from_arrays(X, data["y"], BLOCK), classes=CLASSES
    )
    assert ours.coefs_[0].dtype == np.float32
    _assert_same_model(ours, expected)


def test_float32_blocks_train_a_float32_regressor(data):
    """It crashed ("output array is not acceptable"): float64 targets met
    float32 outputs."""
    from backprop_mlp import BackpropMLPRegressor

    X = data["X"].astype(np.float32)
    y = X @ np.arange(1.0, 7.0)
    reg = BackpropMLPRegressor(
        hidden_layer_sizes=(5,), max_iter=3, shuffle=False, batch_size=BLOCK
    )
    reg.set_params(random_state=0)
    expected = clone(reg).fit(X, y)
    ours = fit_blocks(clone(reg), BlockSource.from_arrays(X, y, BLOCK))
    assert ours.coefs_[0].dtype == np.float32
    for a, b in zip(ours.coefs_, expected.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert ours.loss_curve_ == expected.loss_curve_


def test_a_block_that_weighs_nothing_is_trained_on_as_fit_would(data):
    """fit accepts weights that are zero over a batch (the batch makes no
    step); a block of them was refused."""
    weights = data["sample_weight"].copy()
    weights[BLOCK : 2 * BLOCK] = 0.0  # block 1
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(5,), max_iter=3, shuffle=False, batch_size=BLOCK
    )
    clf.set_params(random_state=0)
    expected = clone(clf).fit(data["X"], data["y"], sample_weight=weights)
    blocks = BlockSource.from_arrays(data["X"], data["y"], BLOCK, sample_weight=weights)
    ours = fit_blocks(clone(clf), blocks, classes=CLASSES)
    for a, b in zip(ours.coefs_, expected.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


class _RecordingBlocks:
    """Blocks whose X is the row number, so that batches show which rows."""

    def __init__(self, n_rows):
        self.starts = np.cumsum([0, *n_rows])

    def load(self, i):
        rows = np.arange(self.starts[i], self.starts[i + 1])
        return rows[:, None].astype(float), rows, None


def test_shuffled_epochs_visit_every_row_once_in_block_order():
    n_rows = [40, 40, 40, 40, 25]
    blocks = _RecordingBlocks(n_rows)

    def encode(X, y, sw):
        return y[:, None], sw

    loader = BlockLoader(blocks, encode, n_rows, 10, True, np.random.RandomState(0))
    assert loader.n_samples == 185
    block_of_row = np.repeat(np.arange(5), n_rows)
    epochs = []
    for _ in range(3):
        batches = [X[:, 0].astype(int).copy() for X, _, _ in loader.batches()]
        rows = np.concatenate(batches)
        # Every row exactly once, each batch inside one block, whole blocks
        # one after the other.
        np.testing.assert_array_equal(np.sort(rows), np.arange(185))
        assert all(len(set(block_of_row[b])) == 1 for b in batches)
        block_order = [block_of_row[b[0]] for b in batches]
        visited = [
            k for i, k in enumerate(block_order) if i == 0 or k != block_order[i - 1]
        ]
        assert sorted(visited) == [0, 1, 2, 3, 4]
        # Rows within a block are not in stored order.
        for k in range(5):
            within = rows[block_of_row[rows] == k]
            assert not np.array_equal(within, np.sort(within))
        epochs.append((visited, rows))
    # A new order each epoch, of blocks and of rows.
    assert len({tuple(v) for v, _ in epochs}) > 1
    assert not np.array_equal(epochs[0][1], epochs[1][1])


def test_reads_at_most_one_block_ahead():
    """The next block loads while one trains: never more than two at once."""
    n_rows = [30] * 6
    blocks = _RecordingBlocks(n_rows)
    loads = []
    load = blocks.load
    blocks.load = lambda i: loads.append(i) or load(i)

    def encode(X, y, sw):
        return y[:, None], sw

    loader = BlockLoader(blocks, encode, n_rows, 10, False, None)
    seen = []
    for X, _, _ in loader.batches():
        block = int(X[0, 0]) // 30
        if not seen or seen[-1] != block:
            seen.append(block)
            # Block k is being trained on: loads started are k+1, or k+2
            # with the next one under way, never more.
            assert block + 1 <= len(loads) <= block + 2
    assert seen == loads == list(range(6))


def test_shuffled_training_learns(data):
    clf = BackpropMLPClassifier(hidden_layer_sizes=(16,), max_iter=60, random_state=0)
    ours = fit_blocks(
        clf,
        BlockSource.from_arrays(data["X"], data["y"], BLOCK),
        classes=CLASSES,
        X_val=data["X_val"],
        y_val=data["y_val"],
    )
    # An in-memory fit with its own shuffling reaches the same accuracy.
    expected = clone(clf).fit(data["X"], data["y"])
    assert ours.score(data["X_val"], data["y_val"]) == pytest.approx(
        expected.score(data["X_val"], data["y_val"]), abs=0.1
    )
    assert ours.loss_curve_[-1] < 0.7 * ours.loss_curve_[0]


def test_callbacks_and_progress_bar_see_every_epoch(data):
    seen = []
    out = io.StringIO()

    def record(estimator, info):
        seen.append((info["epoch"], info["loss"], info["validation_score"]))
        return info["epoch"] == 5  # stops training

    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(4,),
        max_iter=9,
        random_state=0,
        callbacks=[ProgressBar(file=out, min_interval=0), record],
    )
    fit_blocks(
        clf,
        BlockSource.from_arrays(data["X"], data["y"], BLOCK),
        classes=CLASSES,
        X_val=data["X_val"],
        y_val=data["y_val"],
    )
    assert [epoch for epoch, _, _ in seen] == [1, 2, 3, 4, 5]
    assert [loss for _, loss, _ in seen] == clf.loss_curve_
    assert [score for _, _, score in seen] == clf.validation_scores_
    assert clf.n_iter_ == 5 and clf.t_ == 5 * len(data["X"])
    assert re.findall(r"epoch (\d)/9", out.getvalue()) == ["1", "2", "3", "4", "5"]


# ------------------------------------------------------------- bad input


def _fitted(data):
    clf = BackpropMLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    return clf.fit(data["X"], data["y"])


def _source_with(data, i, X=None, y=None):
    """The data in blocks, with block ``i`` replaced."""
    parts = [_blocks_of(data["X"]), _blocks_of(data["y"])]
    if X is not None:
        parts[0][i] = X
    if y is not None:
        parts[1][i] = y
    loaders = [lambda X=X, y=y: (X, y) for X, y in zip(*parts, strict=True)]
    return BlockSource(loaders, n_rows=[len(y) for y in parts[1]])


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            lambda X, y: (X[:, :4], y),
            "Block 3 of the source has 4 columns, but block 0 has 6",
        ),
        (
            lambda X, y: (np.where(np.arange(len(X))[:, None] == 7, np.nan, X), y),
            "Block 3 of the source: Input X contains NaN",
        ),
        (
            lambda X, y: (np.where(np.arange(len(X))[:, None] == 7, np.inf, X), y),
            "Block 3 of the source: Input X contains infinity",
        ),
        (
            lambda X, y: (X, np.where(np.arange(len(y)) == 2, "dog", y)),
            r"Block 3 of the source has labels \['dog'\] not in classes",
        ),
        (
            lambda X, y: (X, y[:-1]),
            "Block 3 of the source has 50 rows in X but 49 in y",
        ),
    ],
    ids=["columns", "nan", "inf", "unknown-class", "short-y"],
)
def test_bad_block_names_it_and_leaves_the_model_unchanged(data, replace, message):
    clf = _fitted(data)
    before = [W.copy() for W in clf.coefs_], list(clf.loss_curve_)
    X, y = replace(_blocks_of(data["X"])[3], _blocks_of(data["y"])[3])
    clf.set_params(max_iter=3)
    with pytest.raises(ValueError, match=message):
        fit_blocks(clf, _source_with(data, 3, X, y), classes=CLASSES)
    # The fit is a transaction: the fitted model is the one before.
    for W, W_before in zip(clf.coefs_, before[0], strict=True):
        np.testing.assert_array_equal(W, W_before)
    assert clf.loss_curve_ == before[1]


def test_a_bad_first_block_is_refused_before_training(data):
    X = data["X"][:BLOCK].copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="Block 0 of the source: Input X contains NaN"):
        fit_blocks(BackpropMLPClassifier(), _source_with(data, 0, X=X), classes=CLASSES)


def test_wrong_declared_row_count(data):
    parts = [_blocks_of(data["X"]), _blocks_of(data["y"])]
    loaders = [lambda X=X, y=y: (X, y) for X, y in zip(*parts, strict=True)]
    source = BlockSource(loaders, n_rows=[BLOCK] * len(loaders))  # last is 30
    with pytest.raises(ValueError, match=r"Block 10 .* has 30 rows, but the source"):
        fit_blocks(BackpropMLPClassifier(max_iter=1), source, classes=CLASSES)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (BlockSource([], n_rows=[]), "The block source is empty"),
        (
            BlockSource([lambda: (np.empty((0, 3)), np.empty(0))], n_rows=[0]),
            "The block source is empty",
        ),
        (
            BlockSource.from_arrays(np.empty((0, 3)), np.empty(0), 10),
            "The block source is empty",
        ),
    ],
)
def test_empty_source(source, message):
    with pytest.raises(ValueError, match=message):
        fit_blocks(BackpropMLPClassifier(), source, classes=[0, 1])


def test_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="The block source is empty"):
        fit_blocks(
            BackpropMLPClassifier(),
            BlockSource.from_npy_folder(tmp_path),
            classes=[0, 1],
        )


@pytest.mark.parametrize(
    ("params", "kwargs", "error", "message"),
    [
        ({}, {"classes": None}, ValueError, "classes must be given"),
        ({"solver": "lbfgs"}, {}, ValueError, "needs a stochastic solver"),
        ({"early_stopping": True}, {}, ValueError, "needs X_val and y_val"),
        ({"class_weight": "balanced"}, {}, ValueError, "pass a dict of class"),
        ({"max_iter": 0}, {}, ValueError, "max_iter"),
        ({}, {"X_val": np.zeros((2, 6))}, ValueError, "Pass both X_val and y_val"),
    ],
)
def test_refused_settings(data, params, kwargs, error, message):
    kwargs = {"classes": CLASSES, **kwargs}
    blocks = BlockSource.from_arrays(data["X"], data["y"], BLOCK)
    with pytest.raises(error, match=message):
        fit_blocks(BackpropMLPClassifier(**params), blocks, **kwargs)


def test_refused_arguments(data, tmp_path):
    blocks = BlockSource.from_arrays(data["X"], data["y"], BLOCK)
    with pytest.raises(TypeError, match="blocks must be a BlockSource"):
        fit_blocks(BackpropMLPClassifier(), (data["X"], data["y"]), classes=CLASSES)
    with pytest.raises(TypeError, match="trains a BackpropMLPClassifier or"):
        fit_blocks(object(), blocks, classes=CLASSES)
    with pytest.raises(ValueError, match="block_size must be a positive integer"):
        BlockSource.from_arrays(data["X"], data["y"], 0)
    with pytest.raises(ValueError, match="X has 530 rows but y has 3"):
        BlockSource.from_arrays(data["X"], data["y"][:3], BLOCK)
    with pytest.raises(ValueError, match="is not a folder"):
        BlockSource.from_npy_folder(tmp_path / "missing")
    np.save(tmp_path / "X_0.npy", data["X"])
    with pytest.raises(ValueError, match=r"y_0\.npy is missing"):
        BlockSource.from_npy_folder(tmp_path)
    with pytest.raises(TypeError, match="functions that each return one block"):
        BlockSource([data["X"]], n_rows=[530])
    with pytest.raises(ValueError, match="one non-negative row count per block"):
        BlockSource([lambda: (data["X"], data["y"])], n_rows=[530, 1])
    with pytest.raises(TypeError, match="Block 0 of the source is not a tuple"):
        fit_blocks(
            BackpropMLPClassifier(),
            BlockSource([lambda: data["X"]], n_rows=[530]),
            classes=CLASSES,
        )


def test_dask_with_unknown_chunk_sizes(data):
    da = pytest.importorskip("dask.array")
    X = da.from_array(data["X"], chunks=BLOCK)
    X = X[X[:, 0] > -100]  # boolean indexing: the chunk sizes become unknown
    y = da.from_array(data["y"], chunks=BLOCK)
    with pytest.raises(ValueError, match=r"call X.compute_chunk_sizes\(\)"):
        BlockSource.from_dask(X, y)
    with pytest.raises(TypeError, match="must be a dask array"):
        BlockSource.from_dask(data["X"], y)


def test_copy_on_write_memmap_keeps_its_changes(tmp_path):
    """Releasing a memmap's pages after a block must not drop changes made to
    a copy-on-write mapping (they live only in those pages)."""
    X = np.arange(40 * 1024, dtype=np.float64).reshape(-1, 8)  # 320 KiB
    np.save(tmp_path / "X.npy", X)
    X_cow = np.load(tmp_path / "X.npy", mmap_mode="c")
    X_cow[:, 0] = -1.0  # in this process only, never written to the file
    source = BlockSource.from_arrays(X_cow, np.zeros(len(X)), block_size=1000)
    for i in range(len(source)):
        np.testing.assert_array_equal(source.load(i)[0][:, 0], -1.0)
    np.testing.assert_array_equal(X_cow[:, 0], -1.0)
    # A read-only memmap reads back the file, block after block.
    X_r = np.load(tmp_path / "X.npy", mmap_mode="r")
    source = BlockSource.from_arrays(X_r, np.zeros(len(X)), block_size=1000)
    blocks = [source.load(i)[0] for i in range(len(source))]
    np.testing.assert_array_equal(np.concatenate(blocks), X)
    np.testing.assert_array_equal(X_r, X)


def test_sklearn_callbacks_see_epochs_and_can_stop(data):
    """scikit-learn's callback API (>= 1.9) reports fit_blocks as it does fit:
    one fit task, one subtask per epoch, and an epoch hook can stop it."""
    pytest.importorskip("sklearn.callback")
    from test_callbacks import RecordingCallback

    recorder = RecordingCallback(stop_after=2)
    clf = BackpropMLPClassifier(hidden_layer_sizes=(4,), max_iter=9, random_state=0)
    clf.set_callbacks(recorder)
    fit_blocks(
        clf, BlockSource.from_arrays(data["X"], data["y"], BLOCK), classes=CLASSES
    )
    assert clf.n_iter_ == 3
    (root,) = [ctx for ctx in recorder.tasks("begin") if ctx.parent is None]
    assert root.task_name == "fit" and root.max_subtasks == 9
    epochs = [ctx for ctx in recorder.tasks("begin") if ctx.parent is root]
    assert [ctx.task_id for ctx in epochs] == [0, 1, 2]
    assert [event for event, _, _ in recorder.events][-1] == "teardown"
    assert sorted(map(id, recorder.tasks("end"))) == sorted(
        map(id, recorder.tasks("begin"))
    )


def test_warm_start_into_another_shape_is_refused_cleanly(data):
    """A changed hidden_layer_sizes is refused with fit's message, and the
    fitted model stays as it was."""
    clf = _fitted(data).set_params(warm_start=True, hidden_layer_sizes=(6,))
    before = [W.copy() for W in clf.coefs_]
    blocks = BlockSource.from_arrays(data["X"], data["y"], BLOCK)
    with pytest.raises(ValueError, match="hidden_layer_sizes or the number of"):
        fit_blocks(clf, blocks)
    for W, W_before in zip(clf.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)
