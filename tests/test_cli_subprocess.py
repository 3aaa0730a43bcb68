"""The command line as a user runs it: a process, its exit status, its streams.

Each case here once ended in a traceback, a wrong exit status or a table that
scored the wrong thing. Every run goes through ``python -m backprop_mlp`` in a
subprocess; the oracles are the same run in-process on data that needs no
repair, scikit-learn's or joblib's own rules, and the file as written.
"""

import csv
import os
import subprocess
import sys

import numpy as np
from sklearn.datasets import make_classification
from test_cli import _table_rows

from backprop_mlp._cli import main

TINY = ["--hidden", "3", "--folds", "2", "--max-iter", "5"]


def _command(*args):
    return [sys.executable, "-m", "backprop_mlp", *map(str, args)]


def _run(*args, env=None):
    return subprocess.run(
        _command(*args),
        capture_output=True,
        text=True,
        timeout=300,  # against a hang only
        env=None if env is None else {**os.environ, **env},
    )


def _write(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _rows(X, y):
    return [[*x, label] for x, label in zip(X, y, strict=True)]


def _classes(n_samples=60, seed=0):
    X, y = make_classification(
        n_samples, n_features=3, n_informative=2, n_redundant=0, random_state=seed
    )
    return X.tolist(), np.array(["no", "yes"])[y].tolist()


def _in_process_table(capsys, *argv):
    assert main([*map(str, argv), "--quiet"]) == 0
    out, _ = capsys.readouterr()
    return {key: row[:2] for key, row in _table_rows(out).items()}


def _table(stdout):
    return {key: row[:2] for key, row in _table_rows(stdout).items()}


# --------------------------------------------------------------- the console


def test_a_unicode_target_name_on_an_ascii_console(tmp_path, capsys):
    """stdout in ASCII gets stderr's escapes, not a UnicodeEncodeError."""
    X, y = _classes()
    path = _write(tmp_path / "d.csv", ["a", "b", "c", "espèce"], _rows(X, y))
    result = _run(
        "--csv", path, "--target", "espèce", *TINY, env={"PYTHONIOENCODING": "ascii"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii() and result.stderr.isascii()
    assert "Traceback" not in result.stderr
    assert r"the target 'esp\xe8ce' looks like class labels" in result.stdout
    assert "+/-" in result.stdout  # and no "±"
    expected = _in_process_table(capsys, "--csv", path, "--target", "espèce", *TINY)
    assert _table(result.stdout) == expected


def test_stdout_closed_early_is_no_error(tmp_path):
    """``backprop-mlp | head -0``: Python's recipe, exit 1 and no traceback."""
    X, y = _classes()
    path = _write(tmp_path / "d.csv", ["a", "b", "c", "y"], _rows(X, y))
    proc = subprocess.Popen(
        _command("--csv", path, "--target", "y", *TINY, "--quiet"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdout.close()  # as head -0 does, before the table is written
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) == 1
    assert stderr == ""
