"""What a release ships: the wheel holds the package and nothing else, the
sdist holds what the tests and the docs need, and both pass ``twine check``.

Everything runs offline. ``python -m build --no-isolation`` uses the build
backend of this environment (the ``test`` extra installs it) and builds the
wheel from the sdist, as an installer given the sdist would; the wheel is then
installed without its dependencies into a fresh virtual environment that
borrows them from this one.
"""

import email.parser
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytest.importorskip("build", reason="the test extra installs build")
pytest.importorskip("twine", reason="the test extra installs twine")

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "backprop_mlp"
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
# What the sdist must hold to run the tests and build the docs, whether or not
# git is at hand to list every tracked file.
SDIST_ESSENTIALS = {
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
    "pyproject.toml",
    "tests/conftest.py",
    "docs/conf.py",
    "docs/index.rst",
    "examples/README.rst",
}
# Files the sdist build writes itself.
SDIST_GENERATED = ("PKG-INFO", "setup.cfg", "src/backprop_mlp.egg-info/")


def _requirement(text):
    """A requirement as the metadata writes it, whatever its spacing."""
    return str(Requirement(text))


def _run(command, **kwargs):
    """Run `command`, failing the test with its output if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path

    def wheel_names(self):
        with zipfile.ZipFile(self.wheel) as zf:
            return set(zf.namelist())

    def sdist_names(self):
        """The sdist's files, relative to its top folder ``name-version/``."""
        with tarfile.open(self.sdist) as tf:
            names = [m.name for m in tf.getmembers() if m.isfile()]
        return {name.split("/", 1)[1] for name in names}

    def metadata(self):
        """The wheel's METADATA, the version installers see."""
        with zipfile.ZipFile(self.wheel) as zf:
            (path,) = (n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            text = zf.read(path).decode("utf-8")
        return email.parser.Parser().parsestr(text)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT],
        cwd=ROOT,
    )
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Dist(sdist, wheel)


def _git(*args, **kwargs):
    """A git command's result on the repository, or skip where there is none."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    result = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, **kwargs
    )
    if result.returncode == 128:
        pytest.skip("not a git checkout (an unpacked sdist, say)")
    return result


def test_twine_check_passes(dist):
    """PyPI would accept both files: metadata valid, README renders."""
    out = _run(
        [sys.executable, "-m", "twine", "check", "--strict", dist.sdist, dist.wheel]
    )
    assert out.count("PASSED") == 2


def test_wheel_holds_the_package_and_nothing_else(dist):
    version = dist.metadata()["Version"]
    dist_info = f"backprop_mlp-{version}.dist-info/"
    package = {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    names = dist.wheel_names()
    assert {n for n in names if not n.startswith(dist_info)} == package
    assert f"{dist_info}licenses/LICENSE" in names
    assert dist.wheel.name.startswith(f"backprop_mlp-{version}-py3-none-any")


def test_wheel_metadata(dist):
    """Licence, dependencies and the command as pyproject.toml declares them."""
    metadata = dist.metadata()
    assert metadata["Name"] == "backprop-mlp"
    assert metadata["License-Expression"] == "BSD-3-Clause"
    assert metadata.get_all("License-File") == ["LICENSE"]
    declared = re.search(r"^dependencies = \[(.*?)^\]", PYPROJECT, re.M | re.S)[1]
    declared = re.findall(r'^\s*"([^"]+)"', declared, re.M)
    # Those of the extras carry an `extra == "..."` marker.
    runtime = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert sorted(map(_requirement, runtime)) == sorted(map(_requirement, declared))
    with zipfile.ZipFile(dist.wheel) as zf:
        (path,) = (n for n in zf.namelist() if n.endswith("entry_points.txt"))
        entry_points = zf.read(path).decode("utf-8")
    assert "backprop-mlp = backprop_mlp._cli:main" in entry_points


def test_sdist_holds_what_tests_and_docs_need(dist):
    names = dist.sdist_names()
    assert SDIST_ESSENTIALS <= names
    tests = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").glob("*.py")}
    assert tests <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert dist.sdist.name == f"backprop_mlp-{dist.metadata()['Version']}.tar.gz"


def test_sdist_holds_every_tracked_file_and_nothing_ignored(dist):
    """The sdist is the repository: all that git tracks, nothing it ignores."""
    tracked = set(_git("ls-files").stdout.splitlines())
    names = dist.sdist_names()
    assert sorted(tracked - names) == []
    built = {n for n in names if not n.startswith(SDIST_GENERATED)}
    ignored = _git("check-ignore", "--stdin", input="\n".join(sorted(built)))
    assert ignored.stdout.split() == []


def _venv_python(env):
    return env / ("Scripts" if os.name == "nt" else "bin") / "python"


def test_wheel_installs_into_a_fresh_venv_with_its_version(dist, tmp_path):
    """``__version__`` is the version the installed metadata holds."""
    env = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", env])
    python = _venv_python(env)
    pip = [sys.executable, "-m", "pip", "--python", python]
    _run([*pip, "install", "--no-deps", "--no-index", "--quiet", dist.wheel])
    # numpy, scikit-learn... come from this environment, after the venv's own
    # site-packages: nothing is downloaded, and the wheel's copy wins.
    site_packages = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).strip()
    borrowed = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    Path(site_packages, "borrowed_dependencies.pth").write_text("\n".join(borrowed))
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = _run(
        [
            python,
            "-c",
            "import importlib.metadata, backprop_mlp; "
            "print(backprop_mlp.__version__); "
            "print(importlib.metadata.version('backprop-mlp')); "
            "print(backprop_mlp.__file__)",
        ],
        cwd=tmp_path,
        env=environ,
    )
    version, installed_version, module_file = out.splitlines()
    assert Path(module_file).resolve().is_relative_to(env.resolve())
    assert version == installed_version == dist.metadata()["Version"]
