"""The code base stays ruff clean: lint and format, as configured in pyproject."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The test extra installs ruff beside this interpreter, which need not be on PATH.
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which(
    "ruff"
)


@pytest.mark.skipif(RUFF is None, reason="ruff is installed by the test extra")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(command):
    """`ruff check` and `ruff format --check` report nothing."""
    paths = ["src", "tests", "examples", "benchmarks", "tools"]
    result = subprocess.run(
        [RUFF, *command, *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
