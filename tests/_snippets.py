"""The code a reader copies from the README and the docs, and a way to run it.

A snippet is tested as it is printed: taken from the page itself, not from a
copy kept beside the tests that could drift from it.
"""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def markdown_blocks(path, language="python"):
    """The fenced blocks of one language in a Markdown file, in order.

    Parameters
    ----------
    path : path-like
    language : str, default="python"

    Returns
    -------
    blocks : list of str
    """
    text = Path(path).read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


def rst_block(path, name):
    """The body of the ``.. code-block::`` whose ``:name:`` is ``name``.

    Parameters
    ----------
    path : path-like
        An reStructuredText file.
    name : str

    Returns
    -------
    code : str
        The block's text, dedented.
    """
    text = Path(path).read_text(encoding="utf-8")
    directive = r"^(?P<indent> *)\.\. code-block:: python\n"
    options = r"(?:(?P=indent) {4}:.*\n)*"
    named = rf"(?P=indent) {{4}}:name: {re.escape(name)}\n"
    body = r"\n(?P<body>(?:(?P=indent) {4}.*\n|[ \t]*\n)+)"
    found = re.findall(directive + options + named + options + body, text, re.M)
    if len(found) != 1:
        raise LookupError(f"{len(found)} code blocks named {name!r} in {path}")
    return textwrap.dedent(found[0][1]).strip() + "\n"


def run_script(code, tmp_path, env=None, timeout=300):
    """Run ``code`` as a script in a fresh interpreter, as a reader would.

    The warning filters are Python's defaults, not pytest's.

    Parameters
    ----------
    code : str
    tmp_path : pathlib.Path
        Where the script is written, and the working directory.
    env : dict or None, default=None
        Variables added to this process's environment.
    timeout : float, default=300

    Returns
    -------
    completed : subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text.
    """
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    # Not this process's PYTHONWARNINGS: a reader's shell sets none.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=timeout,
    )
