"""The command line: its table against an independent cross_val_score, its errors.

``main`` runs in-process on tiny settings; the accuracy it prints must be the
mean and standard deviation that ``cross_val_score`` computes here, with the
same pipeline, folds and hyper-parameters, for both estimators.
"""

import csv
import re
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import (
    load_diabetes,
    make_circles,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier, BackpropMLPRegressor
from backprop_mlp._cli import main
from backprop_mlp._cli._csv_file import guess_task, looks_continuous, read_csv

SPECIES = np.array(["cat", "dog", "eel"])


def _table_rows(stdout):
    """``{(dataset, model): (mean, std, fit_time, ratio)}`` from the table."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    rows = {}
    for line in lines[start:]:
        if not line.strip() or line.startswith("note:"):
            break
        cells = re.split(r"\s{2,}", line.strip())
        mean, _, std = cells[2].split()
        ratio = float(cells[4]) if len(cells) > 4 else None
        rows[cells[0], cells[1]] = (float(mean), float(std), cells[3], ratio)
    return rows


def _oracle(X, y, hidden, solver, max_iter, folds, seed=0, regression=False):
    """Mean and std of each model's accuracy (R²), computed without the CLI."""
    splitter = KFold if regression else StratifiedKFold
    cv = splitter(folds, shuffle=True, random_state=seed)
    params = dict(
        hidden_layer_sizes=hidden, solver=solver, max_iter=max_iter, random_state=seed
    )
    out = {}
    models = (
        (BackpropMLPRegressor, MLPRegressor)
        if regression
        else (
            BackpropMLPClassifier,
            MLPClassifier,
        )
    )
    for cls in models:
        pipe = make_pipeline(StandardScaler(), cls(**params))
        if regression:
            pipe = TransformedTargetRegressor(pipe, transformer=StandardScaler())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores = cross_val_score(pipe, X, y, cv=cv)
        out[cls.__name__] = (scores.mean(), scores.std())
    return out


@pytest.fixture
def species_csv(tmp_path):
    """A 3-class CSV with string labels in the middle column, and its data."""
    X, y = make_classification(
        n_samples=90,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    path = tmp_path / "species.csv"
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["f0", "f1", "species", "f2", "f3"])
        for x, label in zip(X, SPECIES[y], strict=True):
            # repr round-trips a float exactly, so the CLI sees the same X.
            f0, f1, f2, f3 = (repr(float(v)) for v in x)
            writer.writerow([f0, f1, label, f2, f3])
    return path, X, SPECIES[y]


def test_read_csv_round_trips(species_csv):
    path, X, y = species_csv
    data = read_csv(str(path), "species")
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)
    assert data.features == ["f0", "f1", "f2", "f3"]
    assert data.notes == data.warnings == []


def test_read_csv_ignores_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("label,x\na,1.5\nb,-2\n", encoding="utf-8-sig")
    data = read_csv(str(path), "label")
    np.testing.assert_array_equal(data.X, [[1.5], [-2.0]])
    assert list(data.y) == ["a", "b"]


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_csv_table_matches_cross_val_score(species_csv, capsys, solver):
    path, X, y = species_csv
    argv = ["--csv", str(path), "--target", "species", "--hidden", "5,4"]
    argv += ["--solver", solver, "--folds", "3", "--max-iter", "40", "--quiet"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""  # --quiet

    rows = _table_rows(out)
    assert set(rows) == {
        ("species.csv", "BackpropMLPClassifier"),
        ("species.csv", "MLPClassifier"),
    }
    expected = _oracle(X, y, (5, 4), solver, 40, folds=3)
    for model, (mean, std) in expected.items():
        got_mean, got_std, fit_time, _ = rows["species.csv", model]
        assert got_mean == pytest.approx(mean, abs=5e-5)
        assert got_std == pytest.approx(std, abs=5e-5)
        assert re.fullmatch(r"\d+\.\d{3} s", fit_time)
    assert rows["species.csv", "BackpropMLPClassifier"][3] > 0
    assert rows["species.csv", "MLPClassifier"][3] is None
    assert "hidden_layer_sizes=(5, 4), max_iter=40" in out


def test_a_saved_pandas_index_is_left_out_and_reported(tmp_path, capsys):
    """pandas' default to_csv() writes the index as an unnamed first column.

    On wine, whose rows are sorted by class, that index would give the label
    away: the CLI must leave it out, say so, and score as without it.
    """
    pd = pytest.importorskip("pandas")
    from sklearn.datasets import load_wine

    wine = load_wine(as_frame=True).frame
    with_index, without = tmp_path / "wine.csv", tmp_path / "plain.csv"
    wine.to_csv(with_index)
    wine.to_csv(without, index=False)
    assert pd.read_csv(with_index).shape[1] == 15  # the index came back

    data = read_csv(str(with_index), "target")
    assert data.X.shape == (178, 13)
    assert list(data.y) == [str(label) for label in wine["target"]]
    np.testing.assert_array_equal(data.X, wine.drop(columns="target").to_numpy())
    assert data.notes == [
        "left out column 1, which has no name and holds 0..177: a saved row index"
    ]

    argv = ["--target", "target", "--folds", "2", "--max-iter", "5", "--quiet"]
    assert main(["--csv", str(with_index), *argv]) == 0
    out, _ = capsys.readouterr()
    assert "wine.csv: 178 samples, 13 features, 3 classes" in out
    assert "wine.csv: left out column 1, which has no name and holds 0..177" in out
    assert main(["--csv", str(without), *argv]) == 0
    plain, _ = capsys.readouterr()
    accuracies = {model: row[:2] for (_, model), row in _table_rows(out).items()}
    plain = {model: row[:2] for (_, model), row in _table_rows(plain).items()}
    assert len(accuracies) == 2 and accuracies == plain


def test_an_unnamed_column_other_than_an_index_is_left_out_too(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,,y\n1,7,p\n2,x,q\n")
    data = read_csv(str(path), "y")
    np.testing.assert_array_equal(data.X, [[1.0], [2.0]])
    assert list(data.y) == ["p", "q"]
    assert data.notes == ["left out column 2, which has no name"]


@pytest.mark.parametrize(
    "labels, continuous",
    [
        (["1.5", "2", "3"], True),
        ([str(1000 + i) for i in range(21)], True),  # 21 values, 1 row each
        ([str(i % 21) for i in range(105)], False),  # 21 classes, 5 rows each
        ([str(i % 3) for i in range(30)], False),
        (["0.0", "1.0", "1.0"], False),
        (["cat", "dog", "1.5"], False),
        (["nan", "1.5", "2"], False),
    ],
)
def test_looks_continuous(labels, continuous):
    assert looks_continuous(np.array(labels)) is continuous


def test_default_datasets_and_progress(capsys):
    assert main(["--folds", "2", "--max-iter", "3"]) == 0
    out, err = capsys.readouterr()
    rows = _table_rows(out)
    assert {d for d, _ in rows} == {"circles", "digits", "diabetes"}

    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    expected = _oracle(X, y, (4, 3), "adam", 3, folds=2)
    for model, (mean, std) in expected.items():
        assert rows["circles", model][:2] == pytest.approx((mean, std), abs=5e-5)
    X, y = load_diabetes(return_X_y=True)
    expected = _oracle(X, y, (16,), "adam", 3, folds=2, regression=True)
    for model, (mean, std) in expected.items():
        assert rows["diabetes", model][:2] == pytest.approx((mean, std), abs=5e-5)
    assert "diabetes: 442 samples, 10 features, a continuous target; regression" in (
        out
    )
    # 3 epochs of Adam converge nowhere, and the table says so.
    assert "MLPClassifier on digits reached max_iter without converging in 2 of 2" in (
        out
    )
    # Progress names every data set, fold and model on stderr.
    for dataset in ("circles", "digits"):
        for fold in (1, 2):
            for model in ("BackpropMLPClassifier", "MLPClassifier"):
                assert re.search(
                    rf"^{dataset}: fold {fold}/2 {model} +accuracy", err, re.M
                )
    assert re.search(r"^diabetes: fold 2/2 BackpropMLPRegressor +R2", err, re.M)


@pytest.fixture
def quantity_csv(tmp_path):
    """A CSV with a continuous numeric target in the first column."""
    X, y = make_regression(n_samples=60, n_features=3, noise=5.0, random_state=0)
    path = tmp_path / "quantity.csv"
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["price", "a", "b", "c"])
        for x, value in zip(X, y, strict=True):
            writer.writerow([repr(float(v)) for v in (value, *x)])
    return path, X, y


def test_continuous_target_runs_regression(quantity_csv, capsys):
    """A numeric, non-integer target: regressors, R² on shuffled K-fold,
    equal to cross_val_score's, and the report says why."""
    path, X, y = quantity_csv
    argv = ["--csv", str(path), "--target", "price", "--hidden", "5"]
    assert main([*argv, "--folds", "3", "--max-iter", "30", "--quiet"]) == 0
    out, _ = capsys.readouterr()
    rows = _table_rows(out)
    expected = _oracle(X, y, (5,), "adam", 30, folds=3, regression=True)
    for model, (mean, std) in expected.items():
        assert rows["quantity.csv", model][:2] == pytest.approx((mean, std), abs=5e-5)
    assert rows["quantity.csv", "BackpropMLPRegressor"][3] > 0
    assert "regression (guessed: the target 'price' looks continuous (60" in out
    assert "R" in out.splitlines()[5]  # the score column names R²


def test_task_option_overrides_the_guess_both_ways(quantity_csv, species_csv, capsys):
    """--task regression on integer labels, and classification on a numeric
    target with few values, run what is asked and say so."""
    path, X, _ = quantity_csv
    # Integer codes 0..2 look like classes; regression is asked for.
    labels = np.arange(len(X)) % 3
    codes = path.parent / "codes.csv"
    rows = zip(labels, X[:, 0], strict=True)
    codes.write_text("code,a\n" + "".join(f"{c},{float(x)!r}\n" for c, x in rows))
    argv = ["--csv", str(codes), "--target", "code", "--folds", "2", "--quiet"]
    assert main([*argv, "--max-iter", "5", "--task", "regression"]) == 0
    out, _ = capsys.readouterr()
    assert ("codes.csv", "BackpropMLPRegressor") in _table_rows(out)
    assert (
        "--task regression, overriding the guess: the target 'code' looks like" in out
    )
    assert main([*argv, "--max-iter", "5"]) == 0
    out, _ = capsys.readouterr()
    assert ("codes.csv", "BackpropMLPClassifier") in _table_rows(out)
    # String labels cannot be regressed: one line, exit status 2.
    species, _, _ = species_csv
    argv = ["--csv", str(species), "--target", "species", "--task", "regression"]
    assert main([*argv, "--quiet"]) == 2
    assert "needs finite numbers in the target, but it has 'cat'" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("values", "task"),
    [
        (["a", "b", "a"], "classification"),
        (["1", "2", "3"], "classification"),
        ([str(i) for i in range(21)], "regression"),  # looks_continuous's rule
        (["0.5", "1.5", "0.5"], "regression"),
        (["1", "nan", "2.5"], "classification"),  # not all finite numbers
    ],
)
def test_guess_task(values, task):
    assert guess_task(np.array(values))[0] == task


def test_parallel_folds_give_the_serial_table(species_csv, capsys):
    """--n-jobs -1 runs the fits in worker processes, one per CPU (as joblib
    reads -1), and changes no score."""
    path, _, _ = species_csv
    argv = ["--csv", str(path), "--target", "species", "--hidden", "5"]
    argv += ["--folds", "3", "--max-iter", "30"]
    tables, progress = [], []
    for n_jobs in ("1", "-1"):
        assert main([*argv, "--n-jobs", n_jobs]) == 0
        out, err = capsys.readouterr()
        tables.append({key: row[:2] for key, row in _table_rows(out).items()})
        # Drop the fit times; keep which fit, its accuracy and convergence.
        progress.append(re.sub(r"  fit \d+\.\d+ s", "", err))
    assert tables[0] == tables[1]
    n_workers = min(joblib.cpu_count(), 6)
    workers = (
        rf"species.csv: --n-jobs -1: {n_workers} worker process\(es\) for 6 fits\n"
    )
    assert re.search(workers, progress[1])
    assert progress[0] == re.sub(workers, "", progress[1])
    assert len(re.findall(r"fold \d/3", progress[0])) == 6


@pytest.mark.parametrize(
    ("content", "argv", "message"),
    [
        (None, ["--target", "y"], "no such file"),
        ("", ["--target", "y"], "the file is empty"),
        ("\n\n", ["--target", "y"], "the file is empty"),
        ("a,b,y\n", ["--target", "y"], "no data rows"),
        ("a,b,y\n1,2,p\n", ["--target", "label"], "'label' is not a column"),
        (
            "a,b c,y\n1,2,p\n3,x,q\n",
            ["--target", "y"],
            "line 3: feature column 'b c' has 'x'; every column but the target must "
            "hold finite numbers, or --drop 'b c' leaves it out",
        ),
        ("a,b,y\n1,,p\n", ["--target", "y"], "'b' has an empty value"),
        ("a,b,y\n1,nan,p\n", ["--target", "y"], "'b' has 'nan'"),
        ("a,b,y\n1,2,p\n3,4\n", ["--target", "y"], "line 3: 2 fields"),
        ("a,y\n1,p\n2,p\n3,p\n", ["--target", "y"], "a single class ('p')"),
        (
            "a,y\n1,p\n2,p\n3,q\n4,q\n5,q\n",
            ["--target", "y", "--folds", "3"],
            "class 'p' has 2 row(s), fewer than the 3 folds",
        ),
        ("y\np\nq\n", ["--target", "y"], "no feature columns"),
        ("a,y\n1,p\n2,q\n", ["--target", "y", "--drop", "b"], "'b' is not a column"),
        ("a,y\n1,p\n2,q\n", ["--target", "y", "--drop", "y"], "names the target"),
        ("a,y\n1,p\n2,q\n", ["--target", "y", "--drop", "a"], "no feature columns"),
        ("a;y\n1,5;p\n", ["--target", "y"], "(write decimal points, not decimal"),
        (",y\n0,p\n1,q\n", ["--target", "y"], "no feature columns"),
        (
            # A quantity classified on request: one row per "class".
            "a,y\n" + "".join(f"{i},{1000 + 7 * i}.0\n" for i in range(30)),
            ["--target", "y", "--task", "classification"],
            "the target 'y' looks continuous (30 distinct numbers in 30 rows): "
            "drop --task classification",
        ),
    ],
)
def test_unusable_csv_fails_with_one_line(tmp_path, capsys, content, argv, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    assert main(["--csv", str(path), *argv, "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("backprop-mlp: error: ")
    assert message in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--hidden", "64,x"],
        ["--hidden", "0"],
        ["--folds", "1"],
        ["--n-jobs", "0"],
        ["--n-jobs", "two"],
        ["--random-state", "-1"],
        ["--solver", "newton"],
        ["--csv", "data.csv"],
        ["--target", "y"],
        ["--drop", "id"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("backprop-mlp: error: ") and err.count("\n") == 1, err
    assert err.endswith(" (see backprop-mlp --help)\n")


def test_help(capsys):
    assert main(["--help"]) == 0
    out, _ = capsys.readouterr()
    for option in ("--csv", "--target", "--hidden", "--solver", "--folds"):
        assert option in out
    for option in ("--max-iter", "--random-state", "--quiet"):
        assert option in out


def test_python_dash_m_help():
    result = subprocess.run(
        [sys.executable, "-m", "backprop_mlp", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: backprop-mlp")


def test_the_demo_diabetes_rows_converge():
    """The demo's regression rows used to reach max_iter in every fold; with
    its own budget, every fold of both models converges (oracle: scikit-learn's
    MLPRegressor, which the demo runs beside ours, converges too)."""
    from backprop_mlp._cli._compare import cross_validate, make_models
    from backprop_mlp._cli._datasets import builtin_datasets

    diabetes = next(d for d in builtin_datasets() if d.name == "diabetes")
    models = make_models(diabetes.hidden, "adam", diabetes.max_iter, 0, "regression")
    results = cross_validate(diabetes, models, n_folds=5, random_state=0)
    assert [r.n_not_converged for r in results] == [0, 0]
