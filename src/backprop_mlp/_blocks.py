"""Training data as blocks of rows, loaded one at a time.

A :class:`BlockSource` stands for data too large for memory: a dask array,
a folder of ``.npy`` files, a numpy memmap, or any list of functions that
each load one block. Training holds two blocks in memory at most; each block
is checked as it is loaded, and a bad one stops training with an error that
names it (and its file, for a folder of ``.npy`` files).
"""

import math
import os
import re

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.validation import _get_feature_names

__all__ = ["BlockSource"]

# The feature names of a source whose first block was not loaded yet.
_UNKNOWN = object()


class BlockSource:
    """Training data as a sequence of blocks of rows, loaded one at a time.

    Each block is ``(X, y)`` or ``(X, y, sample_weight)``, with ``X`` of shape
    ``(n_rows, n_features)``: the same ``n_features`` in every block, the
    number of rows free. ``X`` may be a numpy array, a CSR matrix (another
    scipy.sparse format is converted) or a DataFrame, whose column names
    every block must then share, in the same order (:meth:`feature_names`).
    Build one with :meth:`from_dask`, :meth:`from_npy_folder` or
    :meth:`from_arrays`, or directly from functions that load the blocks (a
    Parquet file each, an HDF5 dataset, a database query...).

    A block declared with no rows is skipped and never loaded: filtering a
    dask array leaves empty chunks. It counts in no attribute below, and
    messages name every block by its position among all those given (its
    dask chunk, its file), skipped ones included.

    Parameters
    ----------
    loaders : sequence of callable
        ``loaders[i]()`` returns block ``i``: a tuple ``(X, y)`` or ``(X, y,
        sample_weight)`` of array-likes (``sample_weight`` may be None).
    n_rows : sequence of int
        The number of rows of each block, known without loading it: training
        needs the total before its first epoch (for ``batch_size='auto'``,
        ``t_`` and the mean loss of an epoch), and checks each block against
        it.
    names : sequence of str, default=None
        What messages call each block besides its position, e.g. its file.
    feature_names : array-like of str, default=None
        The column names of every block's ``X``, for loaders that return
        arrays of known columns (:meth:`from_dask` of a dask DataFrame). By
        default they are those of the first block's ``X``, if a DataFrame.

    Attributes
    ----------
    loaders : list of callable
        The loaders of the blocks that have rows.
    n_rows : list of int
        Rows per block, for the blocks that have rows.

    See Also
    --------
    fit_blocks : Train an estimator for several epochs on a block source.

    Examples
    --------
    >>> import numpy as np
    >>> from backprop_mlp import BlockSource
    >>> X, y = np.arange(12.0).reshape(6, 2), np.array([0, 1, 0, 1, 0, 1])
    >>> source = BlockSource.from_arrays(X, y, block_size=4)
    >>> len(source), source.n_rows
    (2, [4, 2])
    >>> X_block, y_block, weights = source.load(1)
    >>> X_block
    array([[ 8.,  9.],
           [10., 11.]])
    """

    def __init__(self, loaders, n_rows, *, names=None, feature_names=None):
        loaders = list(loaders)
        if not all(callable(loader) for loader in loaders):
            raise TypeError(
                "loaders must be functions that each return one block, "
                "(X, y) or (X, y, sample_weight)."
            )
        counts = [int(n) for n in n_rows]
        if len(counts) != len(loaders) or min(counts, default=0) < 0:
            raise ValueError(
                f"n_rows must hold one non-negative row count per block "
                f"({len(loaders)}), got {list(n_rows)}."
            )
        names = [None] * len(loaders) if names is None else list(names)
        if len(names) != len(loaders):
            raise ValueError(
                f"names must hold one name per block ({len(loaders)}), got "
                f"{len(names)}."
            )
        kept = [i for i, n in enumerate(counts) if n > 0]
        self.loaders = [loaders[i] for i in kept]
        self.n_rows = [counts[i] for i in kept]
        self._where = [
            f"Block {i} of the source" + (f" ({names[i]})" if names[i] else "")
            for i in kept
        ]
        self._n_skipped = len(counts) - len(kept)
        self._feature_names = _UNKNOWN
        self._declared_names = feature_names is not None
        if feature_names is not None:
            self._feature_names = np.asarray(feature_names, dtype=object)

    def __len__(self):
        return len(self.loaders)

    def __repr__(self):
        skipped = f", {self._n_skipped} empty skipped" if self._n_skipped else ""
        return f"<BlockSource: {len(self)} blocks, {sum(self.n_rows)} rows{skipped}>"

    def describe(self, i):
        """How messages name block ``i``: ``'Block 3 of the source (X_3.npy)'``.

        Parameters
        ----------
        i : int
            The block's position among the blocks that have rows.

        Returns
        -------
        name : str
            With its position among all the blocks given, and its name.
        """
        return self._where[i]

    def load(self, i):
        """Load block ``i`` as it is stored, unchecked.

        Parameters
        ----------
        i : int
            The block's position among the blocks that have rows.

        Returns
        -------
        X, y, sample_weight
            ``sample_weight`` is None when the block has none.
        """
        block = self.loaders[i]()
        if not isinstance(block, tuple) or len(block) not in (2, 3):
            raise TypeError(
                f"{self.describe(i)} is not a tuple (X, y) or (X, y, "
                f"sample_weight), got {type(block).__name__}."
            )
        return block if len(block) == 3 else (*block, None)

    def feature_names(self):
        """The column names of the blocks' ``X``, or None if it has none.

        Those of the first block's ``X`` when it is a DataFrame (with string
        column names, as scikit-learn's ``feature_names_in_``); training
        refuses a block whose columns differ from them, or come in another
        order. For a source of loaders, the first call loads the first block,
        unless training has loaded it already.

        Returns
        -------
        feature_names : ndarray of str objects, or None
        """
        if self._feature_names is _UNKNOWN:
            self._feature_names = _column_names(self.load(0)[0], self.describe(0))
        return self._feature_names

    # ------------------------------------------------------------ sources

    @classmethod
    def from_arrays(cls, X, y, block_size, sample_weight=None):
        """Blocks of ``block_size`` consecutive rows of array-likes that slice.

        For a ``numpy.memmap`` (``np.load(path, mmap_mode="r")``), an h5py or
        zarr dataset, or any array that reads a slice of rows without reading
        the rest: each block is copied out of it when it is used.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Anything that supports ``X[start:stop]`` and ``X.shape``; a
            DataFrame's column names are the source's :meth:`feature_names`,
            a sparse matrix's blocks are CSR.
        y : array-like of shape (n_samples,)
        block_size : int
            Rows per block; the last block may be smaller.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        source : BlockSource
        """
        if sp.issparse(X):
            X = X.tocsr()  # rows slice from CSR only; a no-op for CSR
        n_samples = X.shape[0]
        if len(y) != n_samples:
            raise ValueError(f"X has {n_samples} rows but y has {len(y)}.")
        if sample_weight is not None and len(sample_weight) != n_samples:
            raise ValueError(
                f"X has {n_samples} rows but sample_weight has {len(sample_weight)}."
            )
        if not (isinstance(block_size, int | np.integer) and block_size >= 1):
            raise ValueError(
                f"block_size must be a positive integer, got {block_size!r}."
            )
        starts = range(0, n_samples, block_size)

        def loader(start):
            rows = slice(start, min(start + block_size, n_samples))
            sw = None if sample_weight is None else _read_rows(sample_weight, rows)
            return _read_rows(X, rows), _read_rows(y, rows), sw

        return cls(
            [lambda start=start: loader(start) for start in starts],
            [min(block_size, n_samples - start) for start in starts],
            feature_names=_column_names(X, "X"),
        )

    @classmethod
    def from_npy_folder(cls, folder):
        """The blocks saved in a folder as ``X_<i>.npy`` and ``y_<i>.npy`` files.

        Block ``i`` is ``X_<i>.npy`` and ``y_<i>.npy``, with
        ``sample_weight_<i>.npy`` if that file exists; blocks are taken in
        the numeric order of ``<i>`` (``X_2.npy`` before ``X_10.npy``). Only
        the files' headers are read here; a file of Python objects (a pickled
        array) is refused, as unpickling a file can run any code.

        Parameters
        ----------
        folder : str or path-like

        Returns
        -------
        source : BlockSource
        """
        folder = os.fspath(folder)
        if not os.path.isdir(folder):
            raise ValueError(f"{folder!r} is not a folder.")
        names = os.listdir(folder)
        numbers = sorted(
            (int(m.group(1)), m.group(1))
            for m in map(re.compile(r"X_(\d+)\.npy").fullmatch, names)
            if m
        )
        loaders, n_rows, block_names = [], [], []
        for i, (_, key) in enumerate(numbers):
            paths = [os.path.join(folder, f"{kind}_{key}.npy") for kind in "Xy"]
            if not os.path.exists(paths[1]):
                raise ValueError(f"{paths[0]} has no labels: {paths[1]} is missing.")
            weights = os.path.join(folder, f"sample_weight_{key}.npy")
            paths.append(weights if os.path.exists(weights) else None)
            block_names.append(f"X_{key}.npy")
            where = f"Block {i} of the source ({block_names[-1]})"
            shapes = [_npy_shape(path, where) for path in paths if path is not None]
            # A 0-d X is no empty block: loaded, it is refused as not 2-d.
            n_rows.append(shapes[0][0] if shapes[0] else 1)
            loaders.append(lambda paths=paths, where=where: _load_npy(where, *paths))
        return cls(loaders, n_rows, names=block_names)

    @classmethod
    def from_dask(cls, X, y, sample_weight=None):
        """The row chunks of dask arrays (or a dask DataFrame and Series).

        Block ``i`` is chunk ``i`` along the rows of ``X``; ``y`` and
        ``sample_weight`` are cut at the same rows. Each block is computed
        when it is used (``dask.compute``, on the distributed client if one
        is connected, else on dask's default scheduler); its three parts are
        computed together, so a graph they share is computed once.

        Chunks of scipy.sparse matrices are loaded as CSR blocks. A dask
        DataFrame's column names are the source's :meth:`feature_names`.

        Parameters
        ----------
        X : dask.array.Array of shape (n_samples, n_features) or \
                dask.dataframe.DataFrame
        y : dask.array.Array of shape (n_samples,) or dask.dataframe.Series
        sample_weight : dask.array.Array of shape (n_samples,), default=None

        Returns
        -------
        source : BlockSource
        """
        import dask

        # An empty pandas frame of the dask frame's columns.
        feature_names = _column_names(getattr(X, "_meta", None), "X")
        X, y, sample_weight = (
            _as_dask_array(a, name)
            for a, name in ((X, "X"), (y, "y"), (sample_weight, "sample_weight"))
        )
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional, got a {X.ndim}-d array.")
        # One chunk across the columns, so that a block is a whole row range;
        # y and the weights cut where X's rows are cut.
        X = X.rechunk({1: -1})
        chunks = X.chunks[0]
        for a, name in ((y, "y"), (sample_weight, "sample_weight")):
            if a is not None and a.shape[0] != X.shape[0]:
                raise ValueError(
                    f"X has {X.shape[0]} rows but {name} has {a.shape[0]}."
                )
        y = y.rechunk({0: chunks})
        if sample_weight is not None:
            sample_weight = sample_weight.rechunk({0: chunks})

        def loader(i):
            parts = [X.blocks[i], y.blocks[i]]
            if sample_weight is not None:
                parts.append(sample_weight.blocks[i])
            block = dask.compute(*parts)
            return block if len(block) == 3 else (*block, None)

        return cls(
            [lambda i=i: loader(i) for i in range(len(chunks))],
            chunks,
            feature_names=feature_names,
        )


def _as_dask_array(a, name):
    if a is None:
        return None
    if hasattr(a, "to_dask_array"):  # a dask DataFrame or Series
        a = a.to_dask_array(lengths=True)
    if not hasattr(a, "chunks") or not hasattr(a, "blocks"):
        raise TypeError(
            f"{name} must be a dask array or dask DataFrame, got {type(a).__name__}; "
            "use BlockSource.from_arrays for arrays in memory or memory-mapped."
        )
    if any(math.isnan(n) for n in a.chunks[0]):
        raise ValueError(
            f"The row chunks of {name} have unknown sizes; call "
            f"{name}.compute_chunk_sizes() first."
        )
    return a


def _column_names(X, where):
    """The feature names of ``X`` as scikit-learn reads them, or None."""
    try:
        return _get_feature_names(X)
    except TypeError as exc:  # names of several types
        raise TypeError(f"{where}: {exc}") from None


def _read_rows(X, rows):
    """Copy rows of ``X`` (2-d or 1-d) into memory, leaving none of them mapped."""
    if sp.issparse(X):
        return X[rows]  # a copy, as CSR
    block = np.array(X[rows])
    if isinstance(X, np.memmap):
        _release_mapped_pages(X, rows)
    return block


def _release_mapped_pages(X, rows):
    """Drop the pages of a memmap's rows from this process, once copied.

    Pages of a file mapping that were read count in the process's resident
    memory until the kernel needs them back. The data are still on disk (and
    likely in the page cache), so telling the kernel we no longer need them
    keeps the resident memory of a pass over a memmap at one block, not the
    whole file.
    """
    mapping = getattr(X, "_mmap", None)
    madvise = getattr(mapping, "madvise", None)
    # Never for mode "c" (copy-on-write): dropping its pages would drop the
    # changes made to them. In the shared modes they are in the file's pages.
    if madvise is None or X.mode not in ("r", "r+") or not X.flags.c_contiguous:
        return
    import mmap

    start_address = X[rows].__array_interface__["data"][0]
    base_address = np.frombuffer(mapping, dtype=np.uint8).__array_interface__["data"][0]
    start = start_address - base_address
    stop = start + (rows.stop - rows.start) * X.strides[0]
    start -= start % mmap.PAGESIZE
    madvise(mmap.MADV_DONTNEED, start, stop - start)


def _npy_shape(path, where):
    """The shape a ``.npy`` file declares, from its header alone.

    Refuses a file of Python objects now, rather than when training
    reaches it (``np.load`` refuses to unpickle it, naming neither).
    """
    formats = np.lib.format
    try:
        with open(path, "rb") as file:
            version = formats.read_magic(file)
            # Versions 2 and 3 differ in the header's encoding only.
            if version == (1, 0):
                shape, _, dtype = formats.read_array_header_1_0(file)
            else:
                shape, _, dtype = formats.read_array_header_2_0(file)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{where}: {path} is not a .npy file: {exc}") from None
    if dtype.hasobject:
        raise ValueError(_PICKLED.format(where=where, path=path))
    return shape


_PICKLED = (
    "{where}: {path} holds Python objects (a pickled array), which are not "
    "loaded: unpickling a file can run any code. Save the block as numbers "
    "(np.save of a numeric array)."
)


def _load_npy(where, X_path, y_path, sample_weight_path):
    def load(path):
        try:
            return np.load(path)  # never unpickles (allow_pickle=False)
        except ValueError as exc:
            if "allow_pickle" in str(exc):
                raise ValueError(_PICKLED.format(where=where, path=path)) from None
            raise ValueError(f"{where}: {path}: {exc}") from None

    sw = None if sample_weight_path is None else load(sample_weight_path)
    return load(X_path), load(y_path), sw


class _CheckedBlocks:
    """Loads blocks and checks each against the first and the declared classes.

    Parameters
    ----------
    source : BlockSource
    classes : ndarray or None
        Every label the blocks may hold; None for a regressor's targets.
    dtype : dtype or None
        The model's dtype, when fixed by an earlier fit; else that of the
        first block (float64 unless it is float32).
    """

    def __init__(self, source, classes, dtype=None):
        self.source, self.classes, self.dtype = source, classes, dtype
        self.n_features = None

    def load(self, i):
        """Block ``i`` checked: ``(X, y, sample_weight)`` as training uses them.

        ``X`` is a numpy array, or a CSR matrix if the block is sparse.
        """
        X, y, sw = self.source.load(i)
        where = self.source.describe(i)
        self._check_columns(i, X, where)
        try:
            # Rows in C order: batches are rows, and a DataFrame's (column
            # major) block then trains exactly as the same numbers in an array.
            X = check_array(
                X,
                accept_sparse="csr",
                dtype=(np.float64, np.float32) if self.dtype is None else self.dtype,
                order="C",
                input_name="X",
            )
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{where}: {exc}") from None
        if self.dtype is None:
            self.dtype = X.dtype
        if self.n_features is None:
            self.n_features = X.shape[1]
        elif X.shape[1] != self.n_features:
            raise ValueError(
                f"{where} has {X.shape[1]} columns, but block 0 has "
                f"{self.n_features}: every block must have the same features."
            )
        # Class labels are one column; a regressor's targets may be several.
        y = column_or_1d(y, warn=True) if self.classes is not None else np.asarray(y)
        if len(y) != X.shape[0]:
            raise ValueError(f"{where} has {X.shape[0]} rows in X but {len(y)} in y.")
        if self.classes is not None:
            unknown = np.setdiff1d(y, self.classes)
            if len(unknown):
                raise ValueError(
                    f"{where} has labels {unknown} not in classes={self.classes}; "
                    "declare every class the source holds."
                )
        if sw is not None:
            sw = column_or_1d(sw).astype(X.dtype, copy=False)
            if len(sw) != X.shape[0] or not np.all(sw >= 0):
                raise ValueError(
                    f"{where}: sample_weight must hold one non-negative number "
                    f"per row ({X.shape[0]}), got {len(sw)} values, min "
                    f"{sw.min() if len(sw) else None}."
                )
        return X, y, sw

    def _check_columns(self, i, X, where):
        """Refuse a block whose column names are not the first block's."""
        source = self.source
        names = _column_names(X, where)
        if source._feature_names is _UNKNOWN and i == 0:
            source._feature_names = names  # no need to load it twice
        expected = source.feature_names()
        if names is None and source._declared_names:
            return  # arrays cut from a frame of known columns (dask)
        if _same_names(names, expected):
            return
        reordered = names is not None and expected is not None
        reordered = reordered and sorted(names) == sorted(expected)
        raise ValueError(
            f"{where} has {_columns(names)}, but the first block has "
            f"{_columns(expected)}"
            + (" (the same, in another order)" if reordered else "")
            + ": every block must have the same columns, in the same order."
        )


def _same_names(a, b):
    return a is b if a is None or b is None else np.array_equal(a, b)


def _columns(names):
    return "no column names" if names is None else f"the columns {names.tolist()}"
