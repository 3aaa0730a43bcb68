"""The README's set-up commands are the ones CI and packaging actually use."""

import re
from pathlib import Path

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
    assert {"plot", "skops", "onnx", "deploy", "dask", "fast", "test", "docs"} <= set(
        extras
    )
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
