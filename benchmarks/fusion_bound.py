"""How close to its products an epoch could come if its cheap passes were free.

Run from the repository root (needs numba, the ``fast`` extra)::

    python benchmarks/fusion_bound.py              # 1 BLAS thread
    python benchmarks/fusion_bound.py --threads 2

Times the 784-256-128-10 Adam epoch on the compiled kernels, as
``epoch_paths.py`` does, beside the same epoch with every element-wise pass
that a compiled kernel could fuse away skipped outright: the bias additions,
the activations and their derivatives, the column sums of ``dz`` and the L2
penalty. What is left is the products, the batch gather, softmax, the loss
and its delta (which call ``exp`` and ``log`` and stay numpy's, see
``_operations``) and the optimizer step. The numbers it trains are wrong;
its time is a lower bound for any fusion of those passes, to set against the
targets of 1.15 times the products at 1 thread and 1.25 at 2.
"""

import argparse

import numpy as np
from bench import interleave, make_data, matmul_floor, timed
from core import epoch_runner, make_network
from threadpoolctl import threadpool_limits

from backprop_mlp._batches import BatchLoader
from backprop_mlp._network import Network, _matmul_into
from backprop_mlp._optimizers import Adam

LAYERS = [784, 256, 128, 10]
N_SAMPLES, BATCH = 20_000, 256


class ProductsOnly(Network):
    """The network with only its products, softmax, loss, delta and step."""

    def forward(self, X, masks=None):
        z, _ = self._work_arrays(X.shape[0])
        self.z, self.a[0] = z, X
        for k in range(1, self.n_layers + 1):
            _matmul_into(self.a[k - 1], self.W[k], z[k])
            self.a[k] = z[k]
        self.a[-1] = self.output.activation(z[-1])
        return self.a[-1]

    def backward(self, dz, masks=None):
        for k in range(self.n_layers, 0, -1):
            _matmul_into(self.a[k - 1].T, dz, self.dW[k])
            if k > 1:
                da = self._da[k - 1][: dz.shape[0]]
                dz = np.dot(dz, self.W[k].T, out=da)
        return self.grad

    def loss_and_gradient(self, X, Y, sample_weight=None, alpha=0.0, masks=None):
        P = self.forward(X, masks)
        loss = self.output.loss(Y, P, sample_weight)
        dz = self.output.delta(P, Y)
        dz *= 1 / X.shape[0]
        return loss, self.backward(dz, masks)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    for dtype in map(np.dtype, ("float64", "float32")):
        X, y = make_data(N_SAMPLES, LAYERS[0], LAYERS[-1], dtype)
        Y = np.eye(LAYERS[-1], dtype=bool)[y]
        # The shuffled order as the loader's rows: each batch is gathered from
        # random rows of X, as in a shuffled epoch.
        order = np.random.default_rng(1).permutation(N_SAMPLES)
        loader = BatchLoader(X, Y, None, order, BATCH)
        floor = matmul_floor(LAYERS, BATCH, N_SAMPLES, dtype)
        runners = {"floor": lambda floor=floor: timed(floor)}
        for name, cls in [
            ("compiled", Network),
            ("cheap passes skipped", ProductsOnly),
        ]:
            with threadpool_limits(args.threads, user_api="blas"):
                net = make_network(LAYERS, dtype, True, cls, scale=0.005)
            net._da = [np.empty((BATCH, n), dtype) for n in LAYERS]
            adam = Adam(net.params.size, dtype, 1e-4, ops=net.ops)
            epoch = epoch_runner(net, adam, loader, 1e-4)
            runners[name] = lambda epoch=epoch: timed(epoch)
        with threadpool_limits(args.threads, user_api="blas"):
            med = interleave(runners, args.repeats)
        ratios = ", ".join(
            f"{name} {t / med['floor']:.2f}x"
            for name, t in med.items()
            if name != "floor"
        )
        print(
            f"{args.threads} BLAS thread(s), {dtype.name}: epoch / products: {ratios}"
        )


if __name__ == "__main__":
    main()
