"""What the compiled kernels cost a process on first use.

Run from the repository root (needs numba, the ``fast`` extra)::

    python benchmarks/first_use.py

Each measure runs in a fresh process, with numba's cache in a new temporary
directory (``NUMBA_CACHE_DIR``):

- ``import numba``;
- a process's first fit on the compiled path with an empty cache (every
  kernel it uses is compiled and written to the cache), then the same in a
  second process that finds the cache filled (the kernels are loaded), then
  the same fit once more in that process (nothing left to load);
- the same fit on the numpy path, for comparison.

The fit is small (784-256-128-10, 512 rows, one epoch, Adam, float64, BLAS
on 2 threads) so that the first-use cost stands out. Both wall-clock and CPU
times are shown: compiling is single-threaded CPU work, so its CPU time is
the steadier figure on a busy machine.
"""

import json
import os
import subprocess
import sys
import tempfile

_CHILD = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
def lap():
    global wall, cpu
    out = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    return out
import numpy as np
from threadpoolctl import threadpool_limits
from backprop_mlp import BackpropMLPClassifier, config_context
X = np.random.default_rng(0).standard_normal((512, 784))
y = np.arange(512) % 10
params = dict(hidden_layer_sizes=(256, 128), batch_size=256, max_iter=1,
              random_state=0)
laps = {}
lap()
if sys.argv[1] == "import":
    import numba
    laps["import numba"] = lap()
else:
    with threadpool_limits(2), config_context(compiled=sys.argv[1] == "compiled"):
        BackpropMLPClassifier(**params).fit(X, y)
        laps["first fit"] = lap()
        BackpropMLPClassifier(**params).fit(X, y)
        laps["second fit"] = lap()
print(json.dumps(laps))
"""


def run(mode, cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _CHILD, mode],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    with tempfile.TemporaryDirectory() as cache_dir:
        rows = [("import numba", run("import", cache_dir)["import numba"])]
        for label, mode in [
            ("numpy path", "numpy"),
            ("compiled, empty cache", "compiled"),
            ("compiled, cache filled", "compiled"),
        ]:
            laps = run(mode, cache_dir)
            rows.append((f"{label}: first fit", laps["first fit"]))
            rows.append((f"{label}: second fit", laps["second fit"]))
    print(f"{'':<36} {'wall':>8} {'CPU':>8}")
    for label, (wall, cpu) in rows:
        print(f"{label:<36} {wall:7.2f}s {cpu:7.2f}s")


if __name__ == "__main__":
    main()
