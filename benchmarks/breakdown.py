"""Where one training epoch's time goes, beyond its matrix products.

Run from the repository root::

    python benchmarks/breakdown.py              # BLAS on 1 and on 2 threads
    python benchmarks/breakdown.py --threads 2
    python benchmarks/breakdown.py --compiled   # with the compiled kernels

On the 784-256-128-10 configuration of ``bench.py`` (20,000 rows, batch 256,
Adam), it times, per mini-batch and interleaved over repeats like
``bench.py``:

- ``products``: the bare matrix products of a batch (``bench.py``'s floor);
- ``passes``: the element-wise work of the forward and backward passes
  (bias, activation, softmax, loss, derivatives, L2 penalty), timed as
  ``loss_and_gradient`` on one batch over and over, less ``products``;
- ``adam step`` and ``sgd step``: the optimizer's update of the flat vector
  alone, in scikit-learn's operation order;
- ``gather``: taking the shuffled rows of a batch out of ``X``;
- ``parts alone``: ``products + passes + adam step + gather``, each timed
  on its own with its data in the caches;
- ``epoch``: a whole batch as :meth:`Trainer.run_epoch` runs it, and
  ``interference``, what it costs beyond ``parts alone``: the parts evict
  each other's data from the caches (the optimizer streams four vectors the
  size of the network through them between the products);
- ``thread hand-off``: submitting an empty task to a worker thread and
  waiting for it, the least that moving any work to the second core costs.

Everything but the products runs on one core, as numpy's element-wise
operations do, so ``parts alone / products`` bounds from below the epoch of
an implementation built from the same numpy operations (scikit-learn's Adam
update bit for bit needs its twelve passes over the parameters), however
little interference it had.

The core is used directly (no estimator), so the figures hold only what the
network, the optimizer and the batch loader do. ``--compiled`` runs the same
with the compiled kernels of the ``fast`` extra (numba): the optimizer steps,
the L2 penalty, relu and its derivative then run as fused loops, on one
thread unless ``NUMBA_NUM_THREADS`` is set (see
``_operations.CompiledOperations``).
"""

import argparse
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from bench import FIT_CONFIGS, interleave, make_data, matmul_floor, timed
from core import epoch_runner, make_network
from threadpoolctl import threadpool_limits

from backprop_mlp._batches import BatchLoader
from backprop_mlp._optimizers import SGD, Adam

ALPHA = 1e-4


def runners(dtype, compiled=False):
    """The timed pieces, each returning the time of one epoch's worth."""
    cfg = FIT_CONFIGS["mnist"]
    X, y = make_data(cfg["n"], cfg["d"], cfg["classes"], dtype)
    Y = np.eye(cfg["classes"], dtype=bool)[y]
    layer_sizes = [cfg["d"], *cfg["hidden"], cfg["classes"]]
    net = make_network(layer_sizes, dtype, compiled)
    order = np.random.default_rng(0).permutation(cfg["n"])
    # The shuffled order as the loader's rows: each batch is gathered from
    # random rows of X, as in a shuffled epoch, and every epoch alike.
    loader = BatchLoader(X, Y, None, order, cfg["batch"])
    n_batches = -(-cfg["n"] // cfg["batch"])
    adam = Adam(net.params.size, dtype, 1e-4, ops=net.ops)
    sgd = SGD(net.params.size, dtype, 1e-4, ops=net.ops)
    epoch = epoch_runner(net, adam, loader, ALPHA)

    def steps(optimizer):
        for _ in range(n_batches):
            optimizer.step(net.params, net.grad)

    def gather():
        for _ in loader.batches():
            pass

    X_batch, Y_batch, _ = next(loader.batches())
    X_batch = X_batch.copy()  # the loader reuses its buffer
    sizes = [len(Y) for _, Y, _ in loader.batches()]

    def passes():
        for m in sizes:
            net.loss_and_gradient(X_batch[:m], Y_batch[:m], None, ALPHA)

    floor = matmul_floor(layer_sizes, cfg["batch"], cfg["n"], dtype)
    per_batch = {
        "products": lambda: timed(floor),
        "passes": lambda: timed(passes),
        "epoch": lambda: timed(epoch),
        "adam step": lambda: timed(steps, adam),
        "sgd step": lambda: timed(steps, sgd),
        "gather": lambda: timed(gather),
    }
    return {name: _per(run, n_batches) for name, run in per_batch.items()}


def _per(run, n):
    return lambda: run() / n


def hand_off_time(repeats=200):
    """Median time to run an empty task on a worker thread and get it back."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(int).result()
        times = [timed(lambda: pool.submit(int).result()) for _ in range(repeats)]
    return float(np.median(times))


ORDER = [
    "products",
    "passes",
    "adam step",
    "gather",
    "parts alone",
    "epoch",
    "interference",
    "sgd step",
    "thread hand-off",
]


def breakdown(threads, dtype, repeats, compiled=False):
    with threadpool_limits(threads, user_api="blas"):
        med = interleave(runners(dtype, compiled), repeats)
    med["passes"] -= med["products"]
    parts = ("products", "passes", "adam step", "gather")
    med["parts alone"] = sum(med[name] for name in parts)
    med["interference"] = med["epoch"] - med["parts alone"]
    med["thread hand-off"] = hand_off_time()
    return {name: med[name] for name in ORDER}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--compiled", action="store_true", help="the compiled kernels (numba)"
    )
    args = parser.parse_args(argv)
    for threads in args.threads:
        for dtype in (np.float64, np.float32):
            med = breakdown(threads, np.dtype(dtype), args.repeats, args.compiled)
            products = med["products"]
            kernels = "compiled" if args.compiled else "numpy"
            dtype_name = np.dtype(dtype).name
            print(f"\n{threads} BLAS thread(s), {dtype_name}, {kernels}, per batch:")
            for name, t in med.items():
                print(f"  {name:<16} {t * 1e6:8.0f} us  {t / products:5.2f} x products")
            print(
                f"  epoch / products {med['epoch'] / products:.2f}, of which the parts "
                f"alone {med['parts alone'] / products:.2f}"
            )


if __name__ == "__main__":
    main()
