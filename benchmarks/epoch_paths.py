"""The 784-256-128-10 epoch on numpy's kernels and on the compiled ones.

Run from the repository root::

    python benchmarks/epoch_paths.py                 # 1 BLAS thread
    python benchmarks/epoch_paths.py --threads 2
    python benchmarks/epoch_paths.py --threads 2 --segments

Times one Adam epoch of ``bench.py``'s ``fit-mnist`` configuration through
the core (:meth:`Trainer.run_epoch`, no estimator) on both paths, interleaved
with the epoch's bare matrix products (``bench.py``'s floor), and prints
each path's epoch as a multiple of the floor: the quantity of the targets
"epoch <= 1.15x the products at 1 thread, 1.25x at 2". Both paths train
networks of their own from the same weights, so they do the same work.

``--segments`` then times, within epochs of the compiled path, the three
segments of every batch (gathering its rows, ``loss_and_gradient``, the
optimizer step) and, after each epoch, the same step again on copies of the
same vectors with no product before it: what the serial work costs beside
the products, against what it costs alone.

Without numba only the numpy path is timed.
"""

import argparse
import importlib.util
import time

import numpy as np
from bench import FIT_CONFIGS, interleave, make_data, matmul_floor, timed
from core import epoch_runner, make_network
from threadpoolctl import threadpool_limits

from backprop_mlp._batches import BatchLoader
from backprop_mlp._optimizers import Adam

ALPHA = 1e-4
FAST = importlib.util.find_spec("numba") is not None


def make_training(cfg, dtype, compiled):
    """A network and its Adam optimizer, on the chosen kernels."""
    layer_sizes = [cfg["d"], *cfg["hidden"], cfg["classes"]]
    net = make_network(layer_sizes, dtype, compiled)
    return net, Adam(net.params.size, dtype, 1e-4, ops=net.ops)


def make_loader(cfg, dtype):
    """The epoch's batches of ``bench.py``'s data, in a shuffled order.

    The order is the loader's rows, so that every epoch gathers each batch
    from the same random rows of ``X``, as a shuffled epoch does.
    """
    X, y = make_data(cfg["n"], cfg["d"], cfg["classes"], dtype)
    Y = np.eye(cfg["classes"], dtype=bool)[y]
    order = np.random.default_rng(1).permutation(cfg["n"])
    return BatchLoader(X, Y, None, order, cfg["batch"])


def epoch_ratios(cfg, dtype, repeats):
    """Median epoch time of each path, and of the floor."""
    loader = make_loader(cfg, dtype)
    layer_sizes = [cfg["d"], *cfg["hidden"], cfg["classes"]]
    floor = matmul_floor(layer_sizes, cfg["batch"], cfg["n"], dtype)
    runners = {"floor": lambda: timed(floor)}
    for name, compiled in [("numpy", False), ("compiled", True)][: 1 + FAST]:
        net, adam = make_training(cfg, dtype, compiled)
        epoch = epoch_runner(net, adam, loader, ALPHA)
        runners[name] = lambda epoch=epoch: timed(epoch)
    return interleave(runners, repeats)


def segments(cfg, dtype, epochs):
    """Per-batch medians of each segment of compiled epochs, and the step alone."""
    loader = make_loader(cfg, dtype)
    net, adam = make_training(cfg, dtype, compiled=True)
    rows = []
    for _ in range(epochs):
        times = {"gather": [], "loss_and_gradient": [], "step": []}
        batches = loader.batches()
        while True:
            t0 = time.perf_counter()
            batch = next(batches, None)
            if batch is None:
                break
            t1 = time.perf_counter()
            _, grad = net.loss_and_gradient(*batch, ALPHA)
            t2 = time.perf_counter()
            adam.step(net.params, grad)
            t3 = time.perf_counter()
            times["gather"].append(t1 - t0)
            times["loss_and_gradient"].append(t2 - t1)
            times["step"].append(t3 - t2)
        # The same step on copies of the same vectors, nothing run before it.
        alone = Adam(net.params.size, dtype, 1e-4, ops=adam.ops)
        alone.t = adam.t
        alone.m[:], alone.v[:] = adam.m, adam.v
        params, grad = net.params.copy(), net.grad.copy()
        alone.step(params, grad)  # first touch
        step_alone = min(timed(alone.step, params, grad) for _ in range(20))
        row = {name: float(np.median(t)) for name, t in times.items()}
        rows.append({**row, "step alone": step_alone})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--segments", action="store_true", help="time the segments of each batch"
    )
    args = parser.parse_args(argv)
    cfg = FIT_CONFIGS["mnist"]
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for dtype in map(np.dtype, ("float64", "float32")):
            med = epoch_ratios(cfg, dtype, args.repeats)
            ratios = ", ".join(
                f"{name} {t / med['floor']:.2f}x"
                for name, t in med.items()
                if name != "floor"
            )
            floor_ms = med["floor"] * 1e3
            print(
                f"{args.threads} BLAS thread(s), {dtype.name}: epoch / products: "
                f"{ratios} (products {floor_ms:.0f} ms)",
                flush=True,
            )
        if args.segments and FAST:
            print("\ncompiled path, per batch (median), float64:")
            for k, row in enumerate(segments(cfg, np.dtype("float64"), 5)):
                cells = "  ".join(f"{n} {t * 1e6:5.0f} us" for n, t in row.items())
                print(f"  epoch {k}: {cells}", flush=True)


if __name__ == "__main__":
    main()
