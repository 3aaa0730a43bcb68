"""Block sources: empty chunks, pickled files, sparse and DataFrame blocks.

The oracle is the same data given another way: a source with empty blocks
trains the model ``fit`` trains on its rows, a sparse or DataFrame block
holds the numbers of the dense array it was cut from, and a DataFrame source
trains the model an array source trains.
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from backprop_mlp import BackpropMLPClassifier, BlockSource, fit_blocks
from backprop_mlp._blocks import _CheckedBlocks

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

BLOCK = 40
COLUMNS = ["a", "b", "c", "d", "e"]


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(200, 5, n_informative=3, random_state=0)
    return X, y


def _params():
    # Batches are the blocks, in order: the in-memory fit is the oracle.
    return dict(
        hidden_layer_sizes=(4,),
        max_iter=4,
        batch_size=BLOCK,
        shuffle=False,
        random_state=0,
    )


def _assert_same_weights(ours, expected):
    assert ours.loss_curve_ == expected.loss_curve_
    for a, b in zip(
        ours.coefs_ + ours.intercepts_,
        expected.coefs_ + expected.intercepts_,
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def _loaders(blocks):
    return [lambda block=block: block for block in blocks]


# ------------------------------------------------------------ empty blocks


def test_dask_recipe_with_an_empty_chunk_trains_on_the_rows_kept(data):
    """The docs' recipe: a boolean filter, then compute_chunk_sizes()."""
    da = pytest.importorskip("dask.array")
    X, y = data
    keep = np.arange(len(y)) // BLOCK != 1  # the whole second chunk goes
    dX, dy = (da.from_array(a, chunks=BLOCK) for a in (X, y))
    dkeep = da.from_array(keep, chunks=BLOCK)
    dX, dy = dX[dkeep], dy[dkeep]
    dX.compute_chunk_sizes()
    dy.compute_chunk_sizes()
    assert 0 in dX.chunks[0]
    source = BlockSource.from_dask(dX, dy)
    assert source.n_rows == [BLOCK] * 4 and "1 empty skipped" in repr(source)
    ours = fit_blocks(BackpropMLPClassifier(**_params()), source, classes=[0, 1])
    expected = BackpropMLPClassifier(**_params()).fit(X[keep], y[keep])
    _assert_same_weights(ours, expected)


def test_empty_blocks_are_never_loaded_and_messages_count_them(data):
    X, y = data

    def never():
        raise AssertionError("an empty block was loaded")

    bad = X[BLOCK : 2 * BLOCK].copy()
    bad[0, 0] = np.nan
    loaders = [never, lambda: (X[:BLOCK], y[:BLOCK]), never]
    loaders.append(lambda: (bad, y[BLOCK : 2 * BLOCK]))
    source = BlockSource(loaders, n_rows=[0, BLOCK, 0, BLOCK])
    assert len(source) == 2 and source.n_rows == [BLOCK, BLOCK]
    # The bad block is the fourth given: named by that position.
    with pytest.raises(ValueError, match="Block 3 of the source: Input X contains NaN"):
        fit_blocks(BackpropMLPClassifier(**_params()), source, classes=[0, 1])


def test_a_source_of_empty_blocks_only_is_still_refused():
    empty = (np.empty((0, 5)), np.empty(0))
    source = BlockSource(_loaders([empty, empty]), n_rows=[0, 0])
    with pytest.raises(ValueError, match="The block source is empty"):
        fit_blocks(BackpropMLPClassifier(), source, classes=[0, 1])


# ------------------------------------------------------ pickled .npy files


def _npy_folder(folder, X, y, pickled=None):
    """Two blocks; the file named ``pickled`` holds Python objects."""
    for i in range(2):
        rows = slice(i * BLOCK, (i + 1) * BLOCK)
        for kind, a in (("X", X[rows]), ("y", y[rows]), ("sample_weight", y[rows])):
            name = f"{kind}_{i}.npy"
            value = a.astype(object) if name == pickled else a
            np.save(folder / name, value, allow_pickle=name == pickled)


@pytest.mark.parametrize("pickled", ["X_1.npy", "y_1.npy", "sample_weight_1.npy"])
def test_pickled_npy_block_is_refused_naming_block_and_file(data, tmp_path, pickled):
    _npy_folder(tmp_path, *data, pickled=pickled)
    message = (
        rf"Block 1 of the source \(X_1\.npy\): {re.escape(str(tmp_path / pickled))}"
        r" holds Python objects \(a pickled array\)"
    )
    with pytest.raises(ValueError, match=message):
        BlockSource.from_npy_folder(tmp_path)


def test_npy_block_pickled_after_the_source_was_made(data, tmp_path):
    _npy_folder(tmp_path, *data)
    source = BlockSource.from_npy_folder(tmp_path)
    np.save(tmp_path / "y_1.npy", data[1][:BLOCK].astype(object), allow_pickle=True)
    path = re.escape(str(tmp_path / "y_1.npy"))
    with pytest.raises(ValueError, match=rf"Block 1 .*\(X_1\.npy\): {path} holds"):
        source.load(1)


def test_npy_blocks_train_the_model_fit_trains(data, tmp_path):
    X, y = data
    _npy_folder(tmp_path, X, y)
    source = BlockSource.from_npy_folder(tmp_path)
    assert source.describe(1) == "Block 1 of the source (X_1.npy)"
    ours = fit_blocks(BackpropMLPClassifier(**_params()), source, classes=[0, 1])
    rows = slice(0, 2 * BLOCK)
    expected = BackpropMLPClassifier(**_params())
    expected.fit(X[rows], y[rows], sample_weight=y[rows].astype(float))
    _assert_same_weights(ours, expected)


# ----------------------------------------------------------- sparse blocks


def _sparse_data(data):
    X, y = data
    return np.where(np.abs(X) < 0.8, 0.0, X), y  # two thirds zeros


def _dask_sparse_source(X, y):
    da = pytest.importorskip("dask.array")
    dX = da.from_array(X, chunks=(BLOCK, 5)).map_blocks(sp.csr_matrix)
    return BlockSource.from_dask(dX, da.from_array(y, chunks=BLOCK))


SPARSE_SOURCES = {
    "csr": lambda X, y: BlockSource.from_arrays(sp.csr_matrix(X), y, BLOCK),
    "csc": lambda X, y: BlockSource.from_arrays(sp.csc_matrix(X), y, BLOCK),
    "coo-array": lambda X, y: BlockSource.from_arrays(sp.coo_array(X), y, BLOCK),
    "dask": _dask_sparse_source,
}


@pytest.mark.parametrize("kind", SPARSE_SOURCES)
def test_sparse_blocks_are_csr_of_the_dense_rows(data, kind):
    X, y = _sparse_data(data)
    source = SPARSE_SOURCES[kind](X, y)
    checked = _CheckedBlocks(source, classes=np.array([0, 1]))
    for i in range(len(source)):
        X_block, y_block, _ = checked.load(i)
        assert sp.issparse(X_block) and X_block.format == "csr"
        rows = slice(i * BLOCK, (i + 1) * BLOCK)
        np.testing.assert_array_equal(X_block.toarray(), X[rows])
        np.testing.assert_array_equal(y_block, y[rows])


@pytest.mark.parametrize("kind", ["csr", "dask"])
def test_sparse_blocks_train_the_model_fit_trains_on_csr(data, kind):
    X, y = _sparse_data(data)
    source = SPARSE_SOURCES[kind](X, y)
    ours = fit_blocks(BackpropMLPClassifier(**_params()), source, classes=[0, 1])
    expected = BackpropMLPClassifier(**_params()).fit(sp.csr_matrix(X), y)
    _assert_same_weights(ours, expected)


# -------------------------------------------------------- DataFrame blocks

pd = pytest.importorskip("pandas")


def _frame_blocks(X, y, columns_of_block=None):
    """Blocks of DataFrames; block i has ``columns_of_block(i)`` in that order."""
    blocks = []
    for i in range(len(y) // BLOCK):
        rows = slice(i * BLOCK, (i + 1) * BLOCK)
        frame = pd.DataFrame(X[rows], columns=COLUMNS)
        if columns_of_block is not None:
            frame = frame[columns_of_block(i)]
        blocks.append((frame, y[rows]))
    return blocks


def _dask_frame_source(X, y):
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(pd.DataFrame(X, columns=COLUMNS), npartitions=5)
    return BlockSource.from_dask(frame, dd.from_pandas(pd.Series(y), npartitions=5))


FRAME_SOURCES = {
    "from_arrays": lambda X, y: BlockSource.from_arrays(
        pd.DataFrame(X, columns=COLUMNS), pd.Series(y), BLOCK
    ),
    "loaders": lambda X, y: BlockSource(
        _loaders(_frame_blocks(X, y)), n_rows=[BLOCK] * (len(y) // BLOCK)
    ),
    "dask": _dask_frame_source,
}


@pytest.mark.parametrize("kind", FRAME_SOURCES)
def test_dataframe_source_names_its_features_and_trains_as_arrays(data, kind):
    X, y = data
    source = FRAME_SOURCES[kind](X, y)
    assert source.feature_names().tolist() == COLUMNS
    ours = fit_blocks(BackpropMLPClassifier(**_params()), source, classes=[0, 1])
    arrays = BlockSource.from_arrays(X, y, BLOCK)
    assert arrays.feature_names() is None
    expected = fit_blocks(BackpropMLPClassifier(**_params()), arrays, classes=[0, 1])
    _assert_same_weights(ours, expected)


def test_feature_names_of_loaders_never_load_the_first_block_twice(data):
    X, y = data
    blocks = _frame_blocks(X, y)
    calls = []

    def counted(i):
        calls.append(i)
        return blocks[i]

    def source():
        loaders = [lambda i=i: counted(i) for i in range(len(blocks))]
        return BlockSource(loaders, n_rows=[BLOCK] * len(blocks))

    first = source()
    assert first.feature_names().tolist() == COLUMNS
    assert first.feature_names().tolist() == COLUMNS
    assert calls == [0]
    # Training reads the names from the first block as it loads it: at most
    # once more than any other block (to plan the fit).
    calls.clear()
    trained = source()
    fit_blocks(BackpropMLPClassifier(**_params()), trained, classes=[0, 1])
    assert calls.count(0) <= calls.count(1) + 1
    n_loads = len(calls)
    assert trained.feature_names().tolist() == COLUMNS
    assert len(calls) == n_loads


def _shuffled_columns(i):
    return COLUMNS if i != 3 else ["b", "a", "c", "d", "e"]


def _renamed_columns(i):
    return COLUMNS if i != 3 else ["a", "b", "c", "d", "e"][:4]


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        (
            lambda X, y: _frame_blocks(X, y, _shuffled_columns),
            r"Block 3 of the source has the columns \['b', 'a', 'c', 'd', 'e'\], but "
            r"the first block has the columns \['a', 'b', 'c', 'd', 'e'\] \(the same, "
            r"in another order\)",
        ),
        (
            lambda X, y: [
                (frame.set_axis(list("abcdz"), axis=1) if i == 3 else frame, y_)
                for i, (frame, y_) in enumerate(_frame_blocks(X, y))
            ],
            r"Block 3 of the source has the columns \['a', 'b', 'c', 'd', 'z'\], but "
            r"the first block has the columns \['a', 'b', 'c', 'd', 'e'\]: every",
        ),
        (
            lambda X, y: [
                (frame.to_numpy() if i == 3 else frame, y_)
                for i, (frame, y_) in enumerate(_frame_blocks(X, y))
            ],
            r"Block 3 of the source has no column names, but the first block has "
            r"the columns \['a',",
        ),
        (
            lambda X, y: [
                (frame.to_numpy() if i == 0 else frame, y_)
                for i, (frame, y_) in enumerate(_frame_blocks(X, y))
            ],
            r"Block 1 of the source has the columns \['a', .*\], but the first block "
            r"has no column names",
        ),
    ],
    ids=["reordered", "renamed", "array-after-frames", "frames-after-array"],
)
def test_block_of_other_columns_is_refused_naming_it(data, blocks, message):
    X, y = data
    parts = blocks(X, y)
    source = BlockSource(_loaders(parts), n_rows=[BLOCK] * len(parts))
    clf = BackpropMLPClassifier(**_params()).fit(X, y)
    before = [W.copy() for W in clf.coefs_]
    with pytest.raises(ValueError, match=message):
        fit_blocks(clf, source, classes=[0, 1])
    for W, W_before in zip(clf.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W_before)


def test_columns_of_mixed_name_types_are_refused_naming_the_block(data):
    X, y = data
    frame = pd.DataFrame(X[:BLOCK], columns=["a", "b", 2, "d", "e"])
    source = BlockSource(_loaders([(frame, y[:BLOCK])]), n_rows=[BLOCK])
    with pytest.raises(TypeError, match="Block 0 of the source: Feature names are"):
        fit_blocks(BackpropMLPClassifier(), source, classes=[0, 1])


def test_dataframe_blocks_record_their_feature_names(data):
    """predict on reordered columns was accepted, and changed a third of the
    labels; scikit-learn's check now refuses it, as after an in-memory fit."""
    X, y = data
    frames = FRAME_SOURCES["from_arrays"](X, y)
    ours = fit_blocks(BackpropMLPClassifier(**_params()), frames, classes=[0, 1])
    expected = BackpropMLPClassifier(**_params()).fit(
        pd.DataFrame(X, columns=COLUMNS), y
    )
    assert ours.feature_names_in_.tolist() == expected.feature_names_in_.tolist()
    reordered = pd.DataFrame(X, columns=COLUMNS)[COLUMNS[::-1]]
    for model in (ours, expected):
        with pytest.raises(ValueError, match="feature names should match"):
            model.predict(reordered)
    # A continued fit needs the same columns, and says so.
    ours.set_params(warm_start="continue", max_iter=1)
    renamed = BlockSource.from_arrays(
        pd.DataFrame(X, columns=[c.upper() for c in COLUMNS]), pd.Series(y), BLOCK
    )
    with pytest.raises(ValueError, match=r"columns are \['A', .*fitted on \['a',"):
        fit_blocks(ours, renamed)
    # Array blocks record no names: an earlier fit's are not kept.
    arrays = BlockSource.from_arrays(X, y, BLOCK)
    fresh = fit_blocks(ours.set_params(warm_start=False), arrays, classes=[0, 1])
    assert not hasattr(fresh, "feature_names_in_")
