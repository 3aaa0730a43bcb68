"""BackpropMLPClassifier inside the scikit-learn ecosystem, unchanged.

Oracles: scikit-learn's MLPClassifier with the same parameters and seed (the
model is designed to match it number for number), the dense result for
sparse input, and accuracy_score.
"""

import io
import pickle
import warnings
from contextlib import nullcontext

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from backprop_mlp import BackpropMLPClassifier, ContinuationWarning

# Short trainings: not converging is expected and irrelevant here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*(Maximum iterations|failed to converge):"
    "sklearn.exceptions.ConvergenceWarning"
)

SOLVERS = ["lbfgs", "sgd", "adam"]
# Parameters both estimators share; small enough to be fast.
COMMON = dict(hidden_layer_sizes=(6,), max_iter=30, random_state=0, batch_size=32)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(
        n_samples=120, n_features=5, n_informative=3, random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_classification(
        n_samples=150,
        n_features=6,
        n_informative=4,
        n_classes=3,
        n_clusters_per_class=1,
        random_state=1,
    )
    return X, y


def _params(solver, **params):
    params = {**COMMON, "solver": solver, **params}
    lr = {"sgd": 0.05, "adam": 0.01}.get(solver)
    if lr is not None:
        params.setdefault("learning_rate_init", lr)
    return params


def _ours(solver, **params):
    """Our estimator; ``params`` may include parameters MLPClassifier lacks."""
    return BackpropMLPClassifier(**_params(solver, **params))


def _pair(solver, **params):
    """Our estimator and scikit-learn's, with the same parameters."""
    params = _params(solver, **params)
    return BackpropMLPClassifier(**params), MLPClassifier(**params)


def _assert_same_weights(a, b, rtol=1e-7, atol=1e-10):
    assert len(a.coefs_) == len(b.coefs_)
    for W_a, W_b in zip(a.coefs_, b.coefs_, strict=True):
        np.testing.assert_allclose(W_a, W_b, rtol=rtol, atol=atol)
    for b_a, b_b in zip(a.intercepts_, b.intercepts_, strict=True):
        np.testing.assert_allclose(b_a, b_b, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ oracle


@pytest.mark.parametrize("solver", SOLVERS)
def test_matches_sklearn_mlp(multiclass, solver):
    """Same parameters and seed as MLPClassifier give the same model."""
    X, y = multiclass
    ours, theirs = _pair(solver)
    ours.fit(X, y)
    theirs.fit(X, y)
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-7, atol=1e-10
    )
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.n_iter_ == theirs.n_iter_


# ---------------------------------------------------------------- pipeline


@pytest.mark.parametrize("solver", SOLVERS)
def test_pipeline(binary, solver):
    """In Pipeline(StandardScaler, clf) it behaves as on pre-scaled data."""
    X, y = binary
    pipe = Pipeline([("scale", StandardScaler()), ("clf", _ours(solver))])
    pipe.fit(X, y)
    scaled = StandardScaler().fit_transform(X)
    direct = _ours(solver).fit(scaled, y)
    _assert_same_weights(pipe.named_steps["clf"], direct, rtol=0, atol=0)
    np.testing.assert_array_equal(pipe.predict_proba(X), direct.predict_proba(scaled))
    assert pipe.score(X, y) == accuracy_score(y, direct.predict(scaled))


# ----------------------------------------------------------- model selection


GRID = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(3,), (6,)]}


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search(binary, n_jobs):
    """GridSearchCV gives the scores MLPClassifier gets, in parallel too."""
    X, y = binary
    ours, theirs = _pair("lbfgs")
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(ours, GRID, cv=cv, n_jobs=n_jobs).fit(X, y)
    reference = GridSearchCV(theirs, GRID, cv=cv).fit(X, y)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        reference.cv_results_["mean_test_score"],
    )
    assert search.best_params_ == reference.best_params_
    assert isinstance(search.best_estimator_, BackpropMLPClassifier)
    assert search.score(X, y) == accuracy_score(y, search.predict(X))


def test_random_search(binary):
    """RandomizedSearchCV samples the same candidates and scores as for MLP."""
    X, y = binary
    ours, theirs = _pair("adam")
    distributions = {
        "alpha": loguniform(1e-5, 1e-1),
        "learning_rate_init": loguniform(1e-3, 1e-1),
    }
    kwargs = dict(n_iter=3, cv=3, random_state=0)
    search = RandomizedSearchCV(ours, distributions, **kwargs).fit(X, y)
    reference = RandomizedSearchCV(theirs, distributions, **kwargs).fit(X, y)
    assert search.cv_results_["params"] == reference.cv_results_["params"]
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        reference.cv_results_["mean_test_score"],
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_cross_val_score(multiclass, solver):
    """cross_val_score equals a hand-written loop of fit and accuracy_score."""
    X, y = multiclass
    clf = _ours(solver)
    cv = KFold(4, shuffle=True, random_state=0)
    scores = cross_val_score(clf, X, y, cv=cv)
    expected = [
        accuracy_score(y[test], clone(clf).fit(X[train], y[train]).predict(X[test]))
        for train, test in cv.split(X)
    ]
    np.testing.assert_array_equal(scores, expected)


def test_cross_validate(multiclass):
    """cross_validate matches MLPClassifier's scores and keeps the estimators."""
    X, y = multiclass
    ours, theirs = _pair("sgd")
    scoring = ["accuracy", "neg_log_loss"]
    result = cross_validate(ours, X, y, cv=3, scoring=scoring, return_estimator=True)
    reference = cross_validate(theirs, X, y, cv=3, scoring=scoring)
    for key in ("test_accuracy", "test_neg_log_loss"):
        np.testing.assert_allclose(result[key], reference[key], rtol=1e-7)
    assert all(isinstance(e, BackpropMLPClassifier) for e in result["estimator"])


# ------------------------------------------------------------------- clone


def test_clone(binary):
    """clone copies the parameters, not the fitted state, and refits the same."""
    X, y = binary
    clf = _ours("adam", alpha=0.01, dropout=0.1).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "coefs_")
    copy.fit(X, y)
    _assert_same_weights(copy, clf, rtol=0, atol=0)


# ------------------------------------------------------------- persistence


def _pickle_round_trip(clf):
    return pickle.loads(pickle.dumps(clf))


def _joblib_round_trip(clf):
    buffer = io.BytesIO()
    joblib.dump(clf, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


ROUND_TRIPS = [_pickle_round_trip, _joblib_round_trip]


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["pickle", "joblib"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_persistence_round_trip(multiclass, solver, round_trip):
    """After a pickle or joblib round trip, predictions are identical."""
    X, y = multiclass
    clf = _ours(solver).fit(X, y)
    loaded = round_trip(clf)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.loss_curve_ == clf.loss_curve_


@pytest.mark.parametrize("warm_start", [True, "continue"])
@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["pickle", "joblib"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_after_round_trip(multiclass, solver, round_trip, warm_start):
    """A warm_start refit of the loaded model continues as the original would."""
    X, y = multiclass
    clf = _ours(solver, warm_start=warm_start)
    clf.fit(X, y)
    loaded = round_trip(clf)
    # L-BFGS keeps no state to continue: it says so, and starts a new run.
    refused = solver == "lbfgs" and warm_start == "continue"
    with pytest.warns(ContinuationWarning) if refused else nullcontext():
        clf.fit(X, y)
        loaded.fit(X, y)
    _assert_same_weights(loaded, clf, rtol=0, atol=0)
    assert loaded.loss_curve_ == clf.loss_curve_
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["pickle", "joblib"])
def test_partial_fit_after_round_trip(multiclass, round_trip):
    """partial_fit on the loaded model continues as on the original."""
    X, y = multiclass
    clf = _ours("adam")
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y))
    loaded = round_trip(clf)
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    _assert_same_weights(loaded, clf, rtol=0, atol=0)


def test_warm_start_matches_sklearn(multiclass):
    """Two warm-started fits give MLPClassifier's model after two fits."""
    X, y = multiclass
    ours, theirs = _pair("sgd", warm_start=True, max_iter=10)
    for _ in range(2):
        ours.fit(X, y)
        theirs.fit(X, y)
    _assert_same_weights(ours, theirs)


# ------------------------------------------------------------------ labels


@pytest.mark.parametrize("solver", SOLVERS)
def test_string_labels(multiclass, solver):
    """String labels train exactly as their integer codes, and come back."""
    X, y = multiclass
    names = np.array(["ant", "bee", "cat"])
    clf_str = _ours(solver).fit(X, names[y])
    clf_int = _ours(solver).fit(X, y)
    np.testing.assert_array_equal(clf_str.classes_, names)
    np.testing.assert_array_equal(clf_str.predict(X), names[clf_int.predict(X)])
    np.testing.assert_array_equal(clf_str.predict_proba(X), clf_int.predict_proba(X))
    assert clf_str.score(X, names[y]) == accuracy_score(names[y], clf_str.predict(X))


def test_string_labels_binary(binary):
    """Binary string labels: the second class in sorted order is the positive."""
    X, y = binary
    names = np.array(["no", "yes"])
    clf = _ours("lbfgs").fit(X, names[y])
    reference = _pair("lbfgs")[1].fit(X, names[y])
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    np.testing.assert_array_equal(clf.predict(X), reference.predict(X))
    # Ours are clipped to [eps, 1 - eps] where sklearn's saturate to 0 or 1.
    np.testing.assert_allclose(
        clf.predict_proba(X), reference.predict_proba(X), atol=1e-15
    )


# ------------------------------------------------------------------ pandas


@pytest.fixture
def frame(binary):
    pd = pytest.importorskip("pandas")
    X, y = binary
    columns = [f"f{i}" for i in range(X.shape[1])]
    return pd.DataFrame(X, columns=columns), pd.Series(y, name="target")


def test_dataframe(frame):
    """A DataFrame fits as its values and sets feature_names_in_."""
    X_df, y_s = frame
    clf = _ours("lbfgs").fit(X_df, y_s)
    np.testing.assert_array_equal(clf.feature_names_in_, X_df.columns)
    assert clf.n_features_in_ == X_df.shape[1]
    on_array = _ours("lbfgs").fit(X_df.to_numpy(), y_s.to_numpy())
    assert not hasattr(on_array, "feature_names_in_")
    np.testing.assert_array_equal(
        clf.predict_proba(X_df), on_array.predict_proba(X_df.to_numpy())
    )


def _error_message(method, X):
    with pytest.raises(ValueError) as excinfo:
        method(X)
    return str(excinfo.value)


def test_dataframe_column_order(frame):
    """Reordered or renamed columns at predict raise what MLPClassifier raises."""
    X_df, y_s = frame
    ours, theirs = _pair("lbfgs")
    ours.fit(X_df, y_s)
    theirs.fit(X_df, y_s)
    reordered = X_df[X_df.columns[::-1]]
    renamed = X_df.rename(columns={"f0": "other"})
    for X_bad, expected in [
        (reordered, "must be in the same order"),
        (renamed, "Feature names unseen at fit time"),
    ]:
        for method in ("predict", "predict_proba"):
            message = _error_message(getattr(ours, method), X_bad)
            assert expected in message
            assert message == _error_message(getattr(theirs, method), X_bad)


def test_dataframe_without_names_warns(frame):
    """Predicting on a bare array after fitting on a DataFrame warns, as MLP."""
    X_df, y_s = frame
    ours, theirs = _pair("lbfgs")
    ours.fit(X_df, y_s)
    theirs.fit(X_df, y_s)
    match = "X does not have valid feature names"
    with pytest.warns(UserWarning, match=match):
        proba = ours.predict_proba(X_df.to_numpy())
    with pytest.warns(UserWarning, match=match):
        theirs.predict_proba(X_df.to_numpy())
    np.testing.assert_array_equal(proba, ours.predict_proba(X_df))


def test_array_then_dataframe_warns(frame):
    """Predicting on a DataFrame after fitting on an array warns, as MLP."""
    X_df, y_s = frame
    clf = _ours("lbfgs").fit(X_df.to_numpy(), y_s.to_numpy())
    with pytest.warns(UserWarning, match="X has feature names, but"):
        proba = clf.predict_proba(X_df)
    np.testing.assert_array_equal(proba, clf.predict_proba(X_df.to_numpy()))


def test_dataframe_validation_set(frame):
    """X_val as a DataFrame with the training columns is accepted silently."""
    X_df, y_s = frame
    clf = _ours("adam", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_df, y_s, X_val=X_df.iloc[:30], y_val=y_s.iloc[:30])
    assert len(clf.validation_scores_) == clf.n_iter_


# ------------------------------------------------------------------ sparse


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_matches_dense(multiclass, solver, fmt):
    """Sparse CSR and CSC input give the dense input's weights and predictions."""
    X, y = multiclass
    X = X.copy()
    X[np.abs(X) < 0.7] = 0.0  # make it actually sparse
    X_sparse = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    dense = _ours(solver).fit(X, y)
    sparse = _ours(solver).fit(X_sparse, y)
    _assert_same_weights(sparse, dense, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(sparse.predict(X_sparse), dense.predict(X))
    np.testing.assert_allclose(
        sparse.predict_proba(X_sparse), dense.predict_proba(X), rtol=1e-9
    )
    np.testing.assert_allclose(dense.predict_proba(X_sparse), dense.predict_proba(X))


# ------------------------------------------------------------------- dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", SOLVERS)
def test_dtype_preserved(multiclass, solver, dtype):
    """float32 stays float32 end to end, and float64 stays float64."""
    X, y = multiclass
    X = X.astype(dtype)
    clf = _ours(solver).fit(X, y)
    assert all(W.dtype == dtype for W in clf.coefs_)
    assert all(b.dtype == dtype for b in clf.intercepts_)
    assert clf.predict_proba(X).dtype == dtype
    assert clf.predict_log_proba(X).dtype == dtype
    # Sparse float32 too.
    clf_sparse = _ours(solver).fit(sp.csr_matrix(X), y)
    assert all(W.dtype == dtype for W in clf_sparse.coefs_)
    assert clf_sparse.predict_proba(sp.csr_matrix(X)).dtype == dtype


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_float32_matches_sklearn(multiclass, solver):
    """In float32 the stochastic solvers match MLPClassifier, also float32."""
    X, y = multiclass
    X = X.astype(np.float32)
    ours, theirs = _pair(solver)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert theirs.coefs_[0].dtype == np.float32
    _assert_same_weights(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_close_to_float64(multiclass, solver):
    """Training in float32 approximates training in float64."""
    X, y = multiclass
    clf32 = _ours(solver, max_iter=10).fit(X.astype(np.float32), y)
    clf64 = _ours(solver, max_iter=10).fit(X, y)
    np.testing.assert_allclose(
        clf32.predict_proba(X), clf64.predict_proba(X), rtol=1e-3, atol=1e-3
    )


# -------------------------------------------------------------- multilabel


@pytest.mark.parametrize("solver", SOLVERS)
def test_multilabel(solver):
    """Label-indicator targets: one logistic output per label, as MLP does."""
    X, Y = make_multilabel_classification(
        n_samples=100, n_features=6, n_classes=4, random_state=0
    )
    ours, theirs = _pair(solver)
    ours.fit(X, Y)
    theirs.fit(X, Y)
    assert ours.out_activation_ == "logistic"
    assert ours.n_outputs_ == 4
    np.testing.assert_array_equal(ours.classes_, np.arange(4))
    pred = ours.predict(X)
    assert pred.shape == Y.shape
    np.testing.assert_array_equal(pred, theirs.predict(X))
    proba = ours.predict_proba(X)
    assert proba.shape == Y.shape
    np.testing.assert_allclose(proba, theirs.predict_proba(X), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))
    assert ours.score(X, Y) == accuracy_score(Y, pred)


# ---------------------------------------------------------- probabilities


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_predict_proba(request, problem, solver):
    """predict_proba has a column per class, rows sum to 1, argmax is predict."""
    X, y = request.getfixturevalue(problem)
    clf = _ours(solver).fit(X, y)
    proba = clf.predict_proba(X)
    n_classes = len(np.unique(y))
    assert proba.shape == (len(X), n_classes)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    # Compared as probabilities: log(proba) loses digits where 1 - p does, and
    # predict_log_proba, computed in log space, does not.
    log_proba = clf.predict_log_proba(X)
    assert np.isfinite(log_proba).all()
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-12, atol=1e-15)
    expected_activation = "logistic" if n_classes == 2 else "softmax"
    assert clf.out_activation_ == expected_activation


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
def test_score_is_accuracy(request, problem):
    """score equals accuracy_score of predict, with and without weights."""
    X, y = request.getfixturevalue(problem)
    clf = _ours("adam").fit(X, y)
    assert clf.score(X, y) == accuracy_score(y, clf.predict(X))
    weights = np.random.default_rng(0).uniform(0, 2, len(y))
    assert clf.score(X, y, sample_weight=weights) == pytest.approx(
        accuracy_score(y, clf.predict(X), sample_weight=weights)
    )
