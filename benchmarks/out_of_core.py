"""Peak memory and throughput of out-of-core training, against an in-memory fit.

Run from the repository root::

    python benchmarks/out_of_core.py --rows 200000
    python benchmarks/out_of_core.py --rows 2000000
    python benchmarks/out_of_core.py --rows 2000000 --source memmap
    python benchmarks/out_of_core.py --rows 2000000 --in-memory

Generates ``--rows`` rows of float32 data with 100 features (a random linear
teacher gives 10 classes), writes them to disk block by block (``--block-rows``
rows each) before any training, then trains in a fresh subprocess and prints
one line with ``peak ... MiB``: the peak resident memory of that process
(``ru_maxrss``), which includes Python, numpy and scikit-learn themselves.

- ``--source folder`` (default): ``X_<i>.npy``/``y_<i>.npy`` files, trained on
  with ``fit_blocks(clf, BlockSource.from_npy_folder(folder))``.
- ``--source memmap``: one ``.npy`` file opened with ``np.load(...,
  mmap_mode="r")``, trained on with ``BlockSource.from_arrays``.
- ``--in-memory``: the same blocks read into one array, then ``clf.fit``: the
  baseline, whose peak grows with the data.

Training is ``--epochs`` epochs of Adam on a (64,) network, batch 200 (blocks
shuffled, rows shuffled in each block), with a held-out validation set of
10,000 rows; the time is that of training alone, after the data are written.
BLAS runs on one thread.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

N_FEATURES = 100
N_CLASSES = 10
N_VAL = 10_000


def make_block(rng, teacher, n_rows):
    """A block of float32 rows and their labels from a linear teacher."""
    X = rng.standard_normal((n_rows, N_FEATURES), dtype=np.float32)
    noise = rng.standard_normal((n_rows, N_CLASSES), dtype=np.float32)
    return X, np.argmax(X @ teacher + noise, axis=1)


def write_data(folder, n_rows, block_rows, source, seed=0):
    """Write ``n_rows`` generated rows to ``folder``, one block in memory at a time.

    Returns the validation set, drawn from the same teacher.
    """
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((N_FEATURES, N_CLASSES), dtype=np.float32)
    X_val, y_val = make_block(rng, teacher, N_VAL)
    if source == "memmap":
        X_all = np.lib.format.open_memmap(
            os.path.join(folder, "X.npy"), "w+", np.float32, (n_rows, N_FEATURES)
        )
        y_all = np.lib.format.open_memmap(
            os.path.join(folder, "y.npy"), "w+", np.int64, (n_rows,)
        )
    for i, start in enumerate(range(0, n_rows, block_rows)):
        X, y = make_block(rng, teacher, min(block_rows, n_rows - start))
        if source == "memmap":
            X_all[start : start + len(X)], y_all[start : start + len(X)] = X, y
            X_all.flush()
        else:
            np.save(os.path.join(folder, f"X_{i}.npy"), X)
            np.save(os.path.join(folder, f"y_{i}.npy"), y)
    np.save(os.path.join(folder, "X_val.npy"), X_val)
    np.save(os.path.join(folder, "y_val.npy"), y_val)


def train(folder, source, in_memory, epochs, block_rows):
    """Train in this process; return the figures as a dict."""
    from threadpoolctl import threadpool_limits

    from backprop_mlp import BackpropMLPClassifier, BlockSource, fit_blocks

    X_val = np.load(os.path.join(folder, "X_val.npy"))
    y_val = np.load(os.path.join(folder, "y_val.npy"))
    if source == "memmap":
        blocks = BlockSource.from_arrays(
            np.load(os.path.join(folder, "X.npy"), mmap_mode="r"),
            np.load(os.path.join(folder, "y.npy"), mmap_mode="r"),
            block_size=block_rows,
        )
    else:
        blocks = BlockSource.from_npy_folder(folder)
    clf = BackpropMLPClassifier(
        hidden_layer_sizes=(64,),
        max_iter=epochs,
        batch_size=200,
        random_state=0,
        tol=0,
    )
    n_rows = sum(blocks.n_rows)
    with threadpool_limits(limits=1, user_api="blas"):
        if in_memory:
            X = np.empty((n_rows, N_FEATURES), dtype=np.float32)
            y = np.empty(n_rows, dtype=np.int64)
            start = 0
            for i in range(len(blocks)):
                X_block, y_block, _ = blocks.load(i)
                X[start : start + len(X_block)], y[start : start + len(X_block)] = (
                    X_block,
                    y_block,
                )
                start += len(X_block)
            begin = time.perf_counter()
            clf.fit(X, y, X_val=X_val, y_val=y_val)
        else:
            begin = time.perf_counter()
            fit_blocks(
                clf, blocks, classes=np.arange(N_CLASSES), X_val=X_val, y_val=y_val
            )
        seconds = time.perf_counter() - begin
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "peak_mib": peak,
        "seconds": seconds,
        "rows_per_s": n_rows * clf.n_iter_ / seconds,
        "epochs": clf.n_iter_,
        "validation_score": clf.validation_scores_[-1],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--block-rows", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--source", choices=("folder", "memmap"), default="folder")
    parser.add_argument("--in-memory", action="store_true")
    parser.add_argument("--dir", help="where to write the data (default: a temp dir)")
    # The two subprocesses: one writes the data, one trains.
    parser.add_argument("--write-to", help=argparse.SUPPRESS)
    parser.add_argument("--train-in", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.write_to:
        write_data(args.write_to, args.rows, args.block_rows, args.source)
        return

    if args.train_in:
        figures = train(
            args.train_in, args.source, args.in_memory, args.epochs, args.block_rows
        )
        print(json.dumps(figures))
        return

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        common = [sys.executable, __file__, "--source", args.source]
        common += ["--rows", str(args.rows), "--block-rows", str(args.block_rows)]
        start = time.perf_counter()
        # Written in a subprocess too: a child started by subprocess (vfork,
        # then exec) inherits its parent's peak resident memory as its own
        # ru_maxrss, so this process must never hold much.
        subprocess.run([*common, "--write-to", folder], check=True)
        written = time.perf_counter() - start
        command = [*common, "--train-in", folder, "--epochs", str(args.epochs)]
        command += ["--in-memory"] * args.in_memory
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode:
            sys.exit(result.stderr)
        figures = json.loads(result.stdout.splitlines()[-1])
    what = "in-memory fit" if args.in_memory else f"fit_blocks ({args.source})"
    gib = args.rows * N_FEATURES * 4 / 2**30
    print(
        f"rows {args.rows:,} ({gib:.2f} GiB float32, written in {written:.0f} s), "
        f"{what}: peak {figures['peak_mib']:.0f} MiB, "
        f"{figures['rows_per_s']:,.0f} rows/s over {figures['epochs']} epochs "
        f"({figures['seconds']:.1f} s), validation accuracy "
        f"{figures['validation_score']:.3f}"
    )


if __name__ == "__main__":
    main()
