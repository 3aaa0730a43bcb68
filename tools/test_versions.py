"""Run the whole test suite against the lowest and the latest dependencies.

Usage, from anywhere (the Python that runs it makes the environments)::

    python3 tools/test_versions.py                  # minimum, then latest
    python3 tools/test_versions.py minimum          # one of them
    python3 tools/test_versions.py -- -k parity     # extra pytest arguments

Each run gets a fresh virtual environment in the repository
(``.venv-minimum``, ``.venv-latest``; git ignores them), installs the project
with its ``test`` extra, and runs ``python -m pytest`` with the slow tests
too. "minimum" pins every runtime dependency to the floor ``pyproject.toml``
gives it (``numpy>=1.26`` becomes ``numpy==1.26``), so raising a floor there
is all it takes to move the test; the test-only packages (pandas, matplotlib,
hypothesis...) are left for pip to choose among the releases compatible with
those pins. "latest" installs the newest release of everything. The versions
actually installed are checked against the pins and printed with pytest's
counts; the exit status is 1 if either suite failed.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    sys.exit("tools/test_versions.py reads pyproject.toml with tomllib: Python 3.11+")

ROOT = Path(__file__).resolve().parents[1]
SETS = ("minimum", "latest")
# The slow tests too: this is the check before a release, not the quick loop.
WHOLE_SUITE = ("-m", "slow or not slow")
# Reported besides the runtime dependencies: the test extra's heavier imports.
ALSO_REPORTED = ("threadpoolctl", "pandas", "matplotlib", "hypothesis")


def floors():
    """``{name: version}`` of each runtime dependency's ``>=`` lower bound."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = {}
    for requirement in pyproject["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([^,;\s]+)", requirement)
        if match is None:
            sys.exit(f"no plain '>=' floor to pin in dependency {requirement!r}")
        pins[match[1]] = match[2]
    return pins


def _release(version):
    """``"1.26.0"`` -> ``[1, 26]``: equal for versions pip's ``==`` deems equal."""
    parts = [int(part) for part in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return parts


def installed_versions(python, names):
    code = (
        "import importlib.metadata as m, sys\n"
        "for name in sys.argv[1:]:\n"
        "    print(name, m.version(name))\n"
    )
    out = subprocess.run(
        [python, "-c", code, *names], check=True, capture_output=True, text=True
    ).stdout
    return dict(line.split() for line in out.splitlines())


def run(which, pytest_args):
    """Make the environment, install, test; return (versions, summary, ok)."""
    env = ROOT / f".venv-{which}"
    python = env / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", "--clear", env], check=True)
    install = [python, "-m", "pip", "install", "--quiet", "-e", ".[test]"]
    pins = floors()
    if which == "minimum":
        constraints = env / "constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in pins.items()))
        install += ["--constraint", constraints]
    print(f"\n=== {which}: installing into {env.name}", flush=True)
    subprocess.run(install, cwd=ROOT, check=True)
    versions = installed_versions(python, [*pins, *ALSO_REPORTED])
    if which == "minimum":
        wrong = {
            n: versions[n]
            for n, v in pins.items()
            if _release(versions[n]) != _release(v)
        }
        if wrong:
            sys.exit(f"pip installed {wrong} instead of the pins {pins}")
    print(f"=== {which}: " + ", ".join(f"{n} {v}" for n, v in versions.items()))
    pytest = [python, "-m", "pytest", "-p", "no:cacheprovider", *WHOLE_SUITE]
    start = time.perf_counter()
    result = subprocess.run(
        [*pytest, *pytest_args], cwd=ROOT, capture_output=True, text=True
    )
    log = env / "pytest.log"
    log.write_text(result.stdout + result.stderr)
    print(
        result.stdout[-2000:], result.stderr[-2000:], f"(whole output: {log})", sep=""
    )
    lines = result.stdout.strip().splitlines() or ["(pytest printed nothing)"]
    summary = lines[-1].strip("= ") + f" [{time.perf_counter() - start:.0f} s wall]"
    return versions, summary, result.returncode == 0


def main(argv):
    """``[minimum|latest ...] [-- pytest arguments]``; see the module docstring."""
    split = argv.index("--") if "--" in argv else len(argv)
    sets, pytest_args = argv[:split], argv[split + 1 :]
    unknown = set(sets) - set(SETS)
    if unknown:
        sys.exit(f"unknown set(s) {sorted(unknown)}; choose among {SETS}\n{__doc__}")
    results = {which: run(which, pytest_args) for which in sets or SETS}
    print(f"\nPython {sys.version.split()[0]}")
    for which, (versions, summary, ok) in results.items():
        shown = ", ".join(f"{n} {v}" for n, v in versions.items())
        print(f"{which:8} {'ok    ' if ok else 'FAILED'} {summary}\n         {shown}")
    return 0 if all(ok for _, _, ok in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
