"""The command line as a user runs it: a process, its exit status, its streams.

Each case here once ended in a traceback, a wrong exit status or a table that
scored the wrong thing. Every run goes through ``python -m backprop_mlp`` in a
subprocess; the oracles are the same run in-process on data that needs no
repair, scikit-learn's or joblib's own rules, and the file as written.
"""

import csv
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_wine, make_classification, make_regression
from sklearn.neural_network import MLPClassifier
from test_cli import _table_rows

from backprop_mlp import BackpropMLPClassifier
from backprop_mlp._cli import main
from backprop_mlp._cli._csv_file import read_csv, row_numbers
from backprop_mlp._cli._datasets import DataError
from backprop_mlp._cli._resources import (
    check_memory,
    n_parameters,
    training_bytes,
    worker_count,
)

TINY = ["--hidden", "3", "--folds", "2", "--max-iter", "5"]
INTERRUPTED = "backprop-mlp: interrupted (Ctrl-C); no table\n"


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


def _error_line(result):
    """The one line a refused run prints, after checking that it is one."""
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("backprop-mlp: error: ")
    return result.stderr


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


def _quantity(n_samples=60):
    X, y = make_regression(n_samples=n_samples, n_features=2, random_state=0)
    return X.tolist(), y.tolist()


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


# ------------------------------------------------------------------ the data


def _divide_as_advised(path, header, rows, column, message):
    """Rewrite the file with ``column`` divided by the power of ten the
    message advises."""
    power = int(re.search(r"divide it by 1e(\d+) ", message)[1])
    j = header.index(column)
    _write(
        path, header, [[*row[:j], row[j] / 10.0**power, *row[j + 1 :]] for row in rows]
    )


def test_features_too_large_to_standardise_are_named(tmp_path, capsys):
    """Near 1e305 the scaler's squares overflow ("Input X contains NaN"):
    the message names the column and a power of ten to divide it by, and
    that advice is enough."""
    X, y = _classes()
    rows = [[x[0] * 1e305, *x[1:], label] for x, label in zip(X, y, strict=True)]
    header = ["a", "b", "c", "y"]
    path = _write(tmp_path / "d.csv", header, rows)
    line = _error_line(_run("--csv", path, "--target", "y", *TINY))
    peak = max(abs(row[0]) for row in rows)
    assert f"d.csv: feature column 'a' holds values up to {peak:.3g}, too large" in line
    _divide_as_advised(path, header, rows, "a", line)
    assert main(["--csv", str(path), "--target", "y", *TINY, "--quiet"]) == 0
    capsys.readouterr()


def test_a_target_too_large_to_standardise_is_named(tmp_path, capsys):
    X, y = _quantity()
    rows = [[*x, value * 1e300] for x, value in zip(X, y, strict=True)]
    header = ["a", "b", "price"]
    path = _write(tmp_path / "d.csv", header, rows)
    assert main(["--csv", str(path), "--target", "price", *TINY]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("backprop-mlp: error: d.csv: the target holds values up to")
    assert err.count("\n") == 1
    _divide_as_advised(path, header, rows, "price", err)
    assert main(["--csv", str(path), "--target", "price", *TINY, "--quiet"]) == 0
    capsys.readouterr()


def test_a_missing_target_value_is_named(tmp_path):
    """Not a class of one row: the line, the column and what it holds."""
    X, y = _quantity()
    rows = [[*x, value] for x, value in zip(X, y, strict=True)]
    rows[6][-1] = "NA"
    path = _write(tmp_path / "d.csv", ["a", "b", "price"], rows)
    line = _error_line(_run("--csv", path, "--target", "price", *TINY))
    assert "d.csv, line 8: the target 'price' is missing ('NA')" in line


@pytest.mark.parametrize("marker", ["", "nan", "NaN", "N/A", "null", "?"])
def test_the_missing_values_of_pandas_are_missing_targets(tmp_path, marker):
    """pandas reads each of these as missing (the UCI repository's "?" too)."""
    path = tmp_path / "d.csv"
    path.write_text(f"a,y\n1,2.5\n2,{marker}\n3,0.5\n")
    with pytest.raises(DataError, match=r"line 3: the target 'y' is missing \("):
        read_csv(str(path), "y")


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_read_as_commas_do(tmp_path, delimiter):
    X, y = _classes()
    rows = _rows(X, y)
    commas = read_csv(str(_write(tmp_path / "c.csv", ["a", "b", "c", "y"], rows)), "y")
    other = read_csv(
        str(_write(tmp_path / "o.csv", ["a", "b", "c", "y"], rows, delimiter)), "y"
    )
    np.testing.assert_array_equal(other.X, commas.X)
    np.testing.assert_array_equal(other.y, commas.y)
    assert other.features == commas.features == ["a", "b", "c"]
    assert other.notes == [f"read as {_NAMES[delimiter]}-separated"]


_NAMES = {";": "semicolon", "\t": "tab", "|": "'|'"}


def test_a_semicolon_file_runs_as_its_comma_twin(tmp_path, capsys):
    X, y = _classes()
    rows = _rows(X, y)
    header = ["alcohol", "malic_acid", "hue", "cultivar"]
    commas = _write(tmp_path / "c.csv", header, rows)
    semicolons = _write(tmp_path / "s.csv", header, rows, ";")
    result = _run("--csv", semicolons, "--target", "cultivar", *TINY, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "s.csv: read as semicolon-separated" in result.stdout
    expected = _in_process_table(capsys, "--csv", commas, "--target", "cultivar", *TINY)
    assert {
        (d.replace("s.csv", "c.csv"), m): row
        for (d, m), row in _table(result.stdout).items()
    } == expected


def test_a_header_read_as_one_column_says_so(tmp_path):
    """Ragged rows defeat the sniffer: the error names the likely delimiter."""
    path = tmp_path / "d.csv"
    path.write_text("alcohol;malic_acid;cultivar\n14.2;1.7;0\n13.2;1.8\n")
    with pytest.raises(
        DataError,
        match="the header read as one column: are the columns separated by semicolons",
    ):
        read_csv(str(path), "cultivar")


def _wine_numbered(path, name, first):
    """Wine, sorted by class, with the rows numbered from ``first`` in column
    ``name``; its header and rows."""
    wine = load_wine()
    header = [name, *wine.feature_names, "target"]
    rows = [
        [first + i, *x, t]
        for i, (x, t) in enumerate(zip(wine.data.tolist(), wine.target, strict=True))
    ]
    return _write(path, header, rows), header, rows


def _row_number_warning(name, span):
    drop = shlex.join(["--drop", name])
    return (
        f"column {name!r} holds {span} in order, the row numbers, and is used as a "
        "feature (on a file sorted by the target it gives the target away); add "
        f"{drop} to leave it out"
    )


def test_a_column_of_row_numbers_is_warned_about(tmp_path, capsys):
    """On wine, sorted by class, the row number gives the class away; --drop
    leaves it out, as if the file had not had it."""
    path, header, rows = _wine_numbered(tmp_path / "wine.csv", "id", 1)
    result = _run("--csv", path, "--target", "target", *TINY, "--quiet")
    assert result.returncode == 0, result.stderr
    warning = _row_number_warning("id", "1..178")
    assert result.stderr == f"backprop-mlp: warning: wine.csv: {warning}\n"
    assert "wine.csv: 178 samples, 14 features" in result.stdout

    plain = _write(tmp_path / "plain.csv", header[1:], [row[1:] for row in rows])
    argv = ["--target", "target", *TINY]
    dropped = _in_process_table(capsys, "--csv", path, "--drop", "id", *argv)
    expected = _in_process_table(capsys, "--csv", plain, *argv)
    assert {(d.replace("wine", "plain"), m): r for (d, m), r in dropped.items()} == (
        expected
    )


def test_row_numbers_from_0_in_pandas_unnamed_column_are_warned_about(tmp_path):
    """A saved index, read back by pandas and saved again, is "Unnamed: 0"."""
    path, _, _ = _wine_numbered(tmp_path / "wine.csv", "Unnamed: 0", 0)
    data = read_csv(str(path), "target")
    assert data.warnings == [_row_number_warning("Unnamed: 0", "0..177")]
    assert data.features[0] == "Unnamed: 0"  # a feature unless dropped


@pytest.mark.parametrize(
    "values", [[0, 1, 3], [1, 0, 2], [2, 3, 4], [0, 1], [0.5, 1.5, 2.5]]
)
def test_other_columns_are_not_row_numbers(values):
    assert row_numbers(np.array(values, dtype=float)) is None


# ------------------------------------------------------------- the arguments


def test_a_seed_numpy_refuses_is_refused(tmp_path):
    """The limit is numpy's own: 2**32 - 1 seeds a RandomState, 2**32 not."""
    np.random.RandomState(2**32 - 1)
    with pytest.raises(ValueError):
        np.random.RandomState(2**32)
    line = _error_line(_run("--random-state", 2**32))
    assert "argument --random-state: expected an integer from 0 to 4294967295" in line


def test_a_network_too_large_for_memory_is_refused_before_it_is_built(tmp_path):
    X, y = _classes()
    path = _write(tmp_path / "d.csv", ["a", "b", "c", "y"], _rows(X, y))
    line = _error_line(_run("--csv", path, "--target", "y", "--hidden", 10**12))
    assert (
        "--hidden 1000000000000 makes a network of 5,000,000,000,001 parameters" in line
    )
    assert "use a smaller --hidden" in line


@pytest.mark.parametrize("cls", [BackpropMLPClassifier, MLPClassifier])
def test_the_parameters_counted_are_those_a_fit_makes(cls):
    X, y = make_classification(
        n_samples=40, n_features=6, n_classes=3, n_informative=3, random_state=0
    )
    model = cls(hidden_layer_sizes=(5, 4), max_iter=2, random_state=0)
    with pytest.warns(Warning):  # not converged in 2 epochs
        model.fit(X, y)
    made = sum(w.size for w in model.coefs_) + sum(b.size for b in model.intercepts_)
    assert n_parameters([6, 5, 4, 3]) == made


def test_the_memory_check_refuses_one_byte_short():
    sizes, rows = [10, 50, 3], 500
    need = training_bytes(sizes, rows, "adam")
    # Four parameter-sized arrays, and a batch's activations and deltas.
    assert need == 8 * (4 * n_parameters(sizes) + 2 * 200 * (50 + 3))
    check_memory(sizes, rows, "adam", 2, memory=2 * need)
    with pytest.raises(DataError, match=r"2 fits at once.* or fewer --n-jobs"):
        check_memory(sizes, rows, "adam", 2, memory=2 * need - 1)
    check_memory(sizes, rows, "adam", 2, memory=None)  # unknown: not checked


@pytest.mark.parametrize("n_jobs", [1, 3, 1000, -1, -2, -1000])
def test_workers_are_joblibs_count_capped_at_fits_and_cpus(n_jobs):
    cpus = joblib.cpu_count()
    with joblib.parallel_config(backend="loky"):
        expected = joblib.effective_n_jobs(n_jobs)
    for n_fits in (1, 4, 10**6):
        assert worker_count(n_jobs, n_fits) == min(expected, n_fits, cpus)


def _descendants(root):
    """The processes below ``root``, read from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as file:
                # The fields after the name, which may hold spaces and ")".
                parents[int(entry)] = int(file.read().rpartition(")")[2].split()[1])
        except (ValueError, OSError):
            continue  # not a process, or one that has just ended
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_n_jobs_starts_no_more_workers_than_fits_or_cpus(tmp_path, capsys):
    """2 folds are 4 fits, for which --n-jobs 64 started 17 processes.

    (--n-jobs -1 runs through a subprocess in the Ctrl-C test below.)
    """
    X, y = _classes()
    path = _write(tmp_path / "d.csv", ["a", "b", "c", "y"], _rows(X, y))
    argv = ["--csv", path, "--target", "y", *TINY, "--quiet"]
    proc = subprocess.Popen(
        _command(*argv, "--n-jobs", 64),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    most = 0
    while proc.poll() is None:
        most = max(most, len(_descendants(proc.pid)))
        time.sleep(0.05)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    # The workers, and the resource trackers of loky and multiprocessing.
    assert 1 <= most <= min(4, joblib.cpu_count()) + 2
    assert _table(out) == _in_process_table(capsys, *argv)


# ------------------------------------------------------------------- Ctrl-C


@pytest.fixture(scope="module")
def noise_csv(tmp_path_factory):
    """Random labels: a fit that lasts seconds, learning them by heart."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4000, 40)), rng.integers(0, 2, 4000)
    header = [*(f"f{j}" for j in range(40)), "y"]
    return _write(
        tmp_path_factory.mktemp("noise") / "noise.csv",
        header,
        [[*x, t] for x, t in zip(X.tolist(), y.tolist(), strict=True)],
    )


def _sigint_as_in_a_terminal():
    # A shell without job control starts its background jobs with SIGINT
    # ignored, and a Python started so never sees Ctrl-C: run the command
    # as a terminal would, whatever started the tests.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(
    ("n_jobs", "to"),
    # -1: one worker per CPU, as joblib reads it (once refused).
    [("1", "process"), ("-1", "group")],
    ids=["serial", "parallel-terminal"],
)
def test_ctrl_c_during_training_exits_130_without_a_table(noise_csv, n_jobs, to):
    """The estimators catch Ctrl-C and keep what they learned: the command
    must not score that. A terminal sends it to the whole process group."""
    proc = subprocess.Popen(
        _command(
            "--csv",
            noise_csv,
            "--target",
            "y",
            "--hidden",
            "100",
            "--max-iter",
            10**5,
            # Folds enough to outlast the second below: on a quiet machine a
            # fold may converge (its tol rule) within it.
            "--folds",
            5,
            "--n-jobs",
            n_jobs,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as in a terminal
        preexec_fn=_sigint_as_in_a_terminal,
    )
    try:
        # The last line before the fits start, then time for them to start.
        last = "worker process(es)" if n_jobs != "1" else "samples"
        for line in proc.stderr:
            if last in line:
                break
        time.sleep(1.0)
        if to == "group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert out == ""
    # Folds that ended before the interrupt may have reported; nothing after.
    assert err.endswith(INTERRUPTED) and err.count("\n") <= 5, err


# ------------------------------------------------------------- --search


def test_search_reports_the_five_best_of_the_search_it_runs(tmp_path):
    """--search: a line per rung on stderr, then the five best fully trained
    candidates and the best; the oracle is the same HyperbandSearchCV run
    in-process on the file's data."""
    import warnings

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from backprop_mlp._cli._search import search_grid
    from backprop_mlp.model_selection import HyperbandSearchCV

    X, y = _classes(n_samples=150)
    path = _write(tmp_path / "d.csv", ["a", "b", "c", "y"], _rows(X, y))
    result = _run(
        "--csv",
        path,
        "--target",
        "y",
        "--search",
        "--max-iter",
        9,
        "--folds",
        2,
        "--n-jobs",
        2,
    )
    assert result.returncode == 0, result.stderr
    search = HyperbandSearchCV(
        Pipeline(
            [
                ("scaler", StandardScaler()),
                ("mlp", BackpropMLPClassifier(random_state=0)),
            ]
        ),
        search_grid(),
        max_resources=9,
        cv=2,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(np.array(X), np.array(y))
    results = search.cv_results_
    full = results["n_resources"] == 9
    expected = sorted(results["mean_test_score"][full], reverse=True)[:5]
    reported = [
        float(m) for m in re.findall(r"^ +\d+ +([\d.]+) ±", result.stdout, re.M)
    ]
    assert reported == pytest.approx(expected, abs=5e-5)
    assert f"(accuracy {search.best_score_:.4f})" in result.stdout
    # One progress line per rung of every bracket.
    n_rungs = len(
        {(b, i) for b, i in zip(results["bracket"], results["iter"], strict=True)}
    )
    assert len(re.findall(r"rung \d+/\d+:", result.stderr)) == n_rungs


def test_search_chooses_the_network_itself():
    error = _error_line(_run("--search", "--hidden", "8"))
    assert "--search chooses the hidden layers itself" in error
