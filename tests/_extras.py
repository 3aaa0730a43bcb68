"""What ``pip install "backprop-mlp[extra]"`` brings: pyproject.toml, then metadata.

The tests cannot make a fresh environment with only one extra in it (that
would need the network); they ask instead which of the installed distributions
that command would have brought, following every requirement down, and which
modules it would have left out.
"""

import importlib.metadata as metadata
import re
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
PROJECT = "backprop-mlp"
# What a fresh virtual environment holds before anything is installed.
FRESH_VENV = {"pip", "setuptools"}


def declared(*extras):
    """This project's requirements for those extras, from pyproject.toml.

    Read from the file, not from the installed metadata, which is as old as
    the last ``pip install``.

    Returns
    -------
    requirements : list of str
        The runtime dependencies, then each extra's.
    """
    text = PYPROJECT.read_text(encoding="utf-8")
    optional = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    blocks = [re.search(r"^dependencies = \[(.*?)^\]", text, re.M | re.S)[1]]
    for extra in extras:
        found = re.search(rf"^{extra} = \[(.*?)\]$", optional, re.M | re.S)
        if found is None:
            raise LookupError(f"pyproject.toml declares no extra {extra!r}")
        blocks.append(found[1])
    # Each requirement is a quoted string; comments hold none.
    return [
        requirement
        for block in blocks
        for line in block.splitlines()
        if not line.strip().startswith("#")
        for requirement in re.findall(r'"([^"]+)"', line)
    ]


def canonical(name):
    """A distribution's name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def brought_by(*extras):
    """The distributions ``pip install "backprop-mlp[extras]"`` installs.

    Parameters
    ----------
    *extras : str
        Extras of backprop-mlp; none for the runtime dependencies alone.

    Returns
    -------
    names : set of str
        Canonical names, backprop-mlp's and the fresh environment's included.
        A requirement not installed here is left out, with its own.
    """
    wanted = {canonical(PROJECT): frozenset(extras)}
    todo = [(Requirement(line), "") for line in declared(*extras)]
    while todo:
        requirement, extra = todo.pop()
        # A requirement applies without an extra, or under one asked for.
        marker = requirement.marker
        if marker is not None and not marker.evaluate({"extra": extra}):
            continue
        key, asked = canonical(requirement.name), frozenset(requirement.extras)
        if key in wanted and asked <= wanted[key]:
            continue
        wanted[key] = wanted.get(key, frozenset()) | asked
        try:
            requires = metadata.distribution(requirement.name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            todo += [(Requirement(line), e) for e in ("", *wanted[key])]
    return set(wanted) | FRESH_VENV


def modules_left_out(*extras):
    """Top-level modules installed here that those extras would not bring.

    Modules no distribution claims (the standard library, this project's
    editable install) are never left out.

    Returns
    -------
    modules : set of str
    """
    kept = brought_by(*extras)
    return {
        module
        for module, names in metadata.packages_distributions().items()
        if not any(canonical(name) in kept for name in names)
    }
