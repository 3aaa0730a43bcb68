"""The README's commands are the ones CI and packaging use, and its code runs."""

import re
from pathlib import Path

import pytest
from _snippets import markdown_blocks, run_script

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _setup_commands():
    """The shell commands of the README's "Set-up" section, in order."""
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_two_setup_commands_demo_then_tests():
    """Exactly two commands: one runs the main job, one the whole test suite."""
    demo, tests = _setup_commands()
    assert demo.startswith("python3 -m venv .venv && ")
    assert demo.endswith("-m backprop_mlp")
    assert tests.startswith("python3 -m venv .venv && ")
    assert tests.endswith("-m pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    """.ci/run executes the README's test command, byte for byte."""
    _, tests = _setup_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci_lines


def test_test_command_installs_what_the_suite_imports():
    """The extra the test command installs lists the test-only imports."""
    _, tests = _setup_commands()
    extra = re.search(r"\.\[(\w+)\]", tests).group(1)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(rf"^{extra} = \[(.*?)^\]", pyproject, re.M | re.S).group(1)
    listed = set(re.findall(r'"([A-Za-z0-9_.-]+)', block))
    assert {"pytest", "hypothesis", "pandas", "matplotlib", "ruff", "numba"} <= listed


def test_readme_says_what_each_extra_brings():
    """Every extra of pyproject.toml has a row in the README's extras table,
    and the test extra installs what the optional extras bring."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[project.optional-dependencies]", 1)[1]
    section = section.split("\n[", 1)[0]
    extras = {
        name: set(re.findall(r'"([A-Za-z0-9_.-]+)', block))
        for name, block in re.findall(r"^(\w+) = \[(.*?)\]$", section, re.M | re.S)
    }
    names = {"plot", "skops", "onnx", "deploy", "dask", "fast", "progress", "test"}
    assert names | {"docs"} <= set(extras)
    for name in extras:
        assert f"| `{name}` |" in README, name
    optional = (
        extras["plot"]
        | extras["skops"]
        | extras["onnx"]
        | extras["dask"]
        | extras["fast"]
    )
    assert optional <= extras["test"]
    assert extras["deploy"] == extras["skops"] | extras["onnx"]
    # The test extra runs the progress bar's tests on whatever scikit-learn
    # it is given: the floors too, so it does not raise scikit-learn's.
    assert extras["progress"] == {"scikit-learn", "rich"}
    assert "rich" in extras["test"] and "scikit-learn" not in extras["test"]
    # The gallery runs every example, the Dask one included.
    assert extras["onnx"] | extras["dask"] <= extras["docs"]


def test_python_snippets_run_without_a_warning(tmp_path):
    """The README's Python blocks, run in order in a fresh interpreter as a
    reader pastes them: their scores, and not one warning."""
    done = run_script("\n".join(markdown_blocks(ROOT / "README.md")), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    accuracy, losses, r2 = done.stdout.splitlines()
    assert float(accuracy) > 0.95
    assert all(0 < float(loss) < 0.5 for loss in losses.split())
    assert float(r2) > 0.3


_SEARCH = """\
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier

X, y = load_iris(return_X_y=True)
model = make_pipeline(StandardScaler(), BackpropMLPClassifier(max_iter=2))
cross_val_score(model, X, y, cv=2, n_jobs=N_JOBS)
"""


@pytest.mark.slow
def test_warnings_point_at_your_line_in_your_process_only(tmp_path):
    """As the README's table says: through a Pipeline and a cross-validation
    at the line of the call, but from a worker process at Python's own file."""
    line = _SEARCH.splitlines().index(
        "cross_val_score(model, X, y, cv=2, n_jobs=N_JOBS)"
    )
    at_your_line = f"snippet.py:{line + 1}: ConvergenceWarning"
    serial = run_script(_SEARCH.replace("N_JOBS", "1"), tmp_path)
    assert at_your_line in serial.stderr
    parallel = run_script(_SEARCH.replace("N_JOBS", "2"), tmp_path)
    assert "ConvergenceWarning" in parallel.stderr
    assert at_your_line not in parallel.stderr
    assert "multiprocessing/process.py" in parallel.stderr
