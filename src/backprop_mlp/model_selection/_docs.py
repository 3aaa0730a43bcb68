"""Docstring sections that the three searches share, written once.

Each public class composes its numpydoc docstring from these and from what is
its own, so that a parameter reads the same in all three.
"""

__all__ = [
    "AGGRESSIVE_ELIMINATION",
    "ATTRIBUTES_HALVING",
    "ATTRIBUTES_HYPERBAND",
    "BUDGET",
    "MIN_RESOURCES_HALVING",
    "MIN_RESOURCES_HYPERBAND",
    "SETTINGS",
]

BUDGET = """
    factor : float, default=3
        The elimination rate: each rung keeps the best ``1 / factor`` of its
        candidates and gives them ``factor`` times the budget. At least 2.

    resource : str, default='auto'
        The integer parameter that the rungs increase. 'auto' is the epochs,
        ``max_iter``, of the estimator or of the final step of its Pipeline
        (``'mlp__max_iter'``). Our estimators continue their training run
        from rung to rung; any other estimator (or one of ours with L-BFGS,
        or a cosine schedule without ``schedule_horizon``) is fitted afresh
        with the larger budget, as in scikit-learn.

    max_resources : int or 'auto', default='auto'
        The largest budget; 'auto' takes the estimator's value of
        ``resource``.
"""

MIN_RESOURCES_HALVING = """
    min_resources : int, 'exhaust' or 'smallest', default={default!r}
        The first rung's budget. 'smallest' is 1; 'exhaust' is the largest
        first budget that lets the last rung reach ``max_resources``.
"""

MIN_RESOURCES_HYPERBAND = """
    min_resources : int or 'auto', default='auto'
        The first budget of the first bracket, which sets the number of
        brackets: ``floor(log_factor(max_resources / min_resources)) + 1``.
        'auto' is the smallest ``max_resources / factor**s`` that is still
        at least 3: fewer epochs rank slow starters unfairly.
"""

AGGRESSIVE_ELIMINATION = """
    aggressive_elimination : bool, default=False
        Whether to repeat the first rung's budget until few enough candidates
        remain for the last rung to reach ``max_resources`` with fewer than
        ``factor`` of them.
"""

SETTINGS = """
    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn's searches (an int stratifies for a classifier).
        It must give the same splits at every call: the models continue on
        the same folds at every rung.

    scoring : str, callable, list, tuple, dict or None, default=None
        What ranks candidates: the estimator's ``score`` when None. With
        several metrics, ``refit`` names the one that promotes and picks. In
        a Pipeline whose final step is budgeted, a scorer receives that
        step and the fold's preprocessed data (the same predictions).

    refit : bool, str or callable, default=True
        Whether to fit the best candidate on all the data (with the budget it
        was chosen at) as ``best_estimator_``; with several metrics, the name
        of the ranking one. A callable receives ``cv_results_`` and returns
        the index of the best row.

    error_score : 'raise' or float, default=np.nan
        The score of a fit that fails; 'raise' raises instead.

    return_train_score : bool, default=True
        Whether ``cv_results_`` holds the training scores too.

    random_state : int, RandomState instance or None, default=None
        Seeds the sampling of the candidates.

    n_jobs : int or None, default=None
        The number of candidate x fold jobs run in parallel at each rung
        (joblib; -1 for every core). A job receives the fold's data, the
        model and the epochs, nothing more.

    verbose : int, default=0
        Print one line per rung when positive.
"""

_RESULTS = """
    Attributes
    ----------
    cv_results_ : dict of ndarrays
        scikit-learn's halving ``cv_results_``: one row per candidate and
        rung, {order}, with ``iter`` (the rung) and ``n_resources``. Added:
        ``continued`` (whether the row's models went on from the previous
        rung's), ``n_resources_reused`` (the budget they brought along) and
        ``n_resources_trained`` (``n_resources`` minus that: what the row
        trained; a network that its ``tol`` rule stopped trains no further
        and reuses it all).

    best_estimator_ : estimator
        The best candidate refitted on all the data (with ``refit``).

    best_index_ : int
        The row of the best candidate, among those of the last rung{last}.

    best_params_ : dict
        Its parameters, the budget included.

    best_score_ : float
        Its mean cross-validated score (not with a callable ``refit``).
"""

_COMMON_ATTRIBUTES = """
    min_resources_, max_resources_ : int
        The smallest and the largest budget.

    refit_time_ : float
        Seconds taken by the refit.

    multimetric_ : bool
        Whether several metrics were scored.

    scorer_ : callable or dict
        The scorer(s).

    n_splits_ : int
        The number of folds.
"""

ATTRIBUTES_HALVING = (
    _RESULTS.format(order="in scikit-learn's order", last="")
    + """
    n_resources_ : list of int
        The budget of each rung.

    n_candidates_ : list of int
        The number of candidates of each rung.

    n_remaining_candidates_ : int
        The number of candidates the last rung would have kept.

    n_iterations_ : int
        The number of rungs run.

    n_possible_iterations_ : int
        The number of rungs from ``min_resources_`` to ``max_resources_``.

    n_required_iterations_ : int
        The number of rungs that would end with fewer than ``factor``
        candidates.
"""
    + _COMMON_ATTRIBUTES
)

ATTRIBUTES_HYPERBAND = (
    _RESULTS.format(
        order="bracket by bracket (in a column ``bracket``)",
        last=" of a bracket",
    )
    + """
    n_resources_ : list of list of int
        The budget of each rung, bracket by bracket.

    n_candidates_ : list of list of int
        The number of candidates of each rung, bracket by bracket.

    n_brackets_ : int
        The number of brackets.

    n_iterations_ : int
        The number of rungs run, over all brackets.
"""
    + _COMMON_ATTRIBUTES
)
