"""The examples in the docstrings run, and print what they show.

The doctests run on the package as imported, not on the files under src/:
pytest's ``--doctest-modules`` imports those files a second time, which fails
with "import file mismatch" when the package is installed with ``pip install
.`` rather than in editable mode (how tox, nox and packagers test).
"""

import doctest
import importlib
import pkgutil

import pytest

import backprop_mlp

# Every module, subpackages' too (the command line's, the searches').
MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(backprop_mlp.__path__, "backprop_mlp.")
    if name != "backprop_mlp.__main__"
)


# Modules that need an optional extra: skipped where it is not installed.
OPTIONAL = {"backprop_mlp.onnx": "skl2onnx", "backprop_mlp._numba_kernels": "numba"}


# Examples train briefly, to run fast: a search's refit of 9 epochs says it
# has not converged, as it should, which is not what the example is about.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", ["backprop_mlp", *MODULES])
def test_docstring_examples(name):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_the_examples_are_found():
    """The public docstrings do have examples: the test above can fail."""
    tests = doctest.DocTestFinder(exclude_empty=True).find(
        backprop_mlp._classifier, "backprop_mlp._classifier"
    )
    assert sum(len(test.examples) for test in tests) >= 3
