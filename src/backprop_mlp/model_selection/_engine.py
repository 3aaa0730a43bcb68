"""The rungs of a search: train the survivors further, score, promote.

Each candidate keeps one model per fold. At each rung its models either
*continue* (our estimators: the run goes on for the extra epochs), are
*reused* (the budget did not grow, or the network already stopped by its
``tol`` rule, so training further would change nothing), or are fitted
afresh with the rung's budget (any other estimator, as scikit-learn does).
The brackets of Hyperband are independent, so the rungs of all of them that
are due run in one parallel call: fewer waits for the slowest job.
"""

import time
from dataclasses import dataclass

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone
from sklearn.utils.parallel import delayed

from .._warnings import warn
from ._continuation import stopped_before
from ._folds import preprocess, split_fold
from ._jobs import Outcome, run_jobs
from ._results import Row, check_failures, metric_names, top_k
from ._scoring import Scoring

__all__ = ["Candidate", "run_brackets"]

# Jobs per worker at each rung: more balance the load, fewer ship less data.
_JOBS_PER_WORKER = 8


@dataclass
class Candidate:
    """One parameter setting of one bracket, ready to train.

    Attributes
    ----------
    params : dict
        The setting, as the user gave it.
    head : Pipeline or None
        The unfitted preprocessing fitted once per fold (see ``_folds``).
    head_key : str or None
        Equal for candidates whose heads fit to the same thing.
    trained : estimator
        The unfitted part that the budget trains.
    continues : bool
        Whether its models continue from rung to rung.
    """

    params: dict
    head: object
    head_key: object
    trained: object
    continues: bool


@dataclass
class _Model:
    """A candidate's model on one fold: trained with ``budget``, and its scores."""

    model: object
    budget: int
    outcome: Outcome


@dataclass
class _Task:
    """What one survivor's fold does at a rung: train a model, or reuse it.

    ``reused`` is the budget the fold's model brings (0 for a fresh fit, the
    whole budget when nothing is trained); ``cost``, the epochs to train,
    balances the jobs.
    """

    model: object = None  # the model to train, or None to reuse `kept`
    fold: tuple = None  # (head_key, fold index)
    epochs: int = 0
    continued: bool = False
    kept: _Model = None
    reused: int = 0

    @property
    def cost(self):
        return self.epochs


class _Bracket:
    """The state of one bracket between rungs."""

    def __init__(self, index, schedule, candidates):
        self.index, self.schedule, self.candidates = index, schedule, candidates
        self.rung = 0
        self.survivors = list(range(len(candidates)))
        self.models = {}  # (candidate, fold) -> _Model
        self.rows = []

    @property
    def done(self):
        return self.rung == len(self.schedule.resources)

    @property
    def budget(self):
        return self.schedule.resources[self.rung]


def prepare_folds(problem, candidates, parallel):
    """``{head_key: [Fold, ...]}``: each distinct head fitted once per fold.

    The folds are sliced here, so that a job receives its fold's rows only.
    """
    heads = {c.head_key: c.head for c in candidates}
    params = {
        "head": problem.head_params,
        "fit": problem.trained_params,
        "score": problem.score_params,
    }
    sliced = [
        split_fold(problem.X, problem.y, train, test, params)
        for train, test in problem.splits
    ]
    n = len(sliced)
    fitted = [key for key, head in heads.items() if head is not None]
    preprocessed = parallel(
        delayed(preprocess)(heads[key], fold, head_params)
        for key in fitted
        for fold, head_params in sliced
    )
    folds = {key: preprocessed[i * n : (i + 1) * n] for i, key in enumerate(fitted)}
    if len(fitted) < len(heads):
        folds[None] = [fold for fold, _ in sliced]
    return folds


def run_brackets(problem, schedules, candidate_lists, parallel, verbose):
    """Run every bracket to its last rung.

    Parameters
    ----------
    problem : _Problem
        The validated search (data, folds, scoring, layout).
    schedules : list of Bracket
    candidate_lists : list of list of Candidate
        The candidates entering each bracket.
    parallel : sklearn.utils.parallel.Parallel
    verbose : int

    Returns
    -------
    rows : list of Row
        In ``cv_results_`` order: by bracket, then rung, then promotion order.
    ranking : str
        The metric that promoted the candidates.
    """
    folds = prepare_folds(problem, [c for cs in candidate_lists for c in cs], parallel)
    brackets = [
        _Bracket(i, schedule, candidates)
        for i, (schedule, candidates) in enumerate(
            zip(schedules, candidate_lists, strict=True)
        )
    ]
    ranking = problem.scoring.ranking
    while not all(b.done for b in brackets):
        start = time.perf_counter()
        due = [b for b in brackets if not b.done]
        tasks = [_plan_rung(b, problem, folds) for b in due]
        trainings = [t for plan in tasks for t in plan if t.model is not None]
        outcomes = _train(trainings, folds, problem, parallel)
        _show_warnings(outcomes.values())
        for bracket, plan in zip(due, tasks, strict=True):
            ranking = _finish_rung(bracket, plan, outcomes, problem)
            if verbose:
                _report(bracket, len(brackets), ranking, problem, start)
    return [row for bracket in brackets for row in bracket.rows], ranking


def _plan_rung(bracket, problem, folds):
    """One task per survivor and fold, survivor by survivor."""
    budget = bracket.budget
    plan = []
    for c in bracket.survivors:
        candidate = bracket.candidates[c]
        for f in range(len(folds[candidate.head_key])):
            kept = bracket.models.get((c, f))
            where = (candidate.head_key, f)
            if kept is not None and _unchanged(kept, budget, candidate):
                plan.append(_Task(kept=kept, reused=budget))
            elif kept is not None and candidate.continues and kept.model is not None:
                extra = budget - kept.budget
                plan.append(_Task(kept.model, where, extra, True, reused=kept.budget))
            else:
                model = clone(candidate.trained)
                model.set_params(**{problem.layout.parameter: budget})
                plan.append(_Task(model, where, budget, False))
    return plan


def _train(tasks, folds, problem, parallel):
    """``{id(task): Outcome}``: the tasks run as jobs of a few tasks per fold.

    A job ships its fold's data once for all its tasks; there are enough
    jobs (about ``_JOBS_PER_WORKER`` per worker, the longest first) that
    none is left to run alone for long at the end of the rung.
    """
    settings = (problem.scoring, problem.return_train_score, problem.error_score)
    jobs = _jobs(tasks, effective_n_jobs(parallel.n_jobs))
    done = parallel(
        delayed(run_jobs)(
            folds[key][f],
            [(t.model, t.epochs, t.continued) for t in job],
            *settings,
        )
        for (key, f), job in jobs
    )
    return {
        id(task): outcome
        for (_, job), outcomes in zip(jobs, done, strict=True)
        for task, outcome in zip(job, outcomes, strict=True)
    }


def _jobs(tasks, n_workers):
    """``[(fold, tasks), ...]``: the tasks grouped by fold, balanced by cost."""
    by_fold = {}
    for task in tasks:
        by_fold.setdefault(task.fold, []).append(task)
    total = sum(t.cost for t in tasks) or 1
    jobs = []
    for fold, group in by_fold.items():
        share = sum(t.cost for t in group) / total
        n = min(len(group), max(1, round(_JOBS_PER_WORKER * n_workers * share)))
        bins, loads = [[] for _ in range(n)], [0] * n
        # Longest first, each to the least loaded job.
        for task in sorted(group, key=lambda t: -t.cost):
            i = loads.index(min(loads))
            bins[i].append(task)
            loads[i] += task.cost
        jobs.extend(zip([fold] * n, bins, loads, strict=True))
    jobs.sort(key=lambda job: -job[2])
    return [(fold, job) for fold, job, _ in jobs]


def _unchanged(kept, budget, candidate):
    """Whether training the kept model to ``budget`` would leave it as it is."""
    if kept.model is None:
        return False
    if kept.budget == budget:
        return True
    return candidate.continues and stopped_before(kept.model, kept.budget)


def _finish_rung(bracket, plan, outcomes, problem):
    """Record the rung's rows, keep the survivors' models, promote."""
    n_splits = len(problem.splits)
    budget = bracket.budget
    rows = []
    for i, c in enumerate(bracket.survivors):
        row_outcomes = []
        for f, task in enumerate(plan[i * n_splits : (i + 1) * n_splits]):
            if task.model is None:
                # The same model: its scores, without the time they took.
                kept = task.kept
                outcome = Outcome(
                    test_scores=kept.outcome.test_scores,
                    train_scores=kept.outcome.train_scores,
                )
                bracket.models[(c, f)] = _Model(kept.model, kept.budget, outcome)
            else:
                outcome = outcomes[id(task)]
                bracket.models[(c, f)] = _Model(outcome.model, budget, outcome)
                # The model lives in `bracket.models` only: an eliminated
                # candidate's networks are freed with its entry there.
                outcome.model = None
            row_outcomes.append(outcome)
        reused = [task.reused for task in plan[i * n_splits : (i + 1) * n_splits]]
        params = {**bracket.candidates[c].params, problem.resource: budget}
        rows.append(
            Row(params, row_outcomes, reused, bracket.index, bracket.rung, budget)
        )
    rung_outcomes = [o for row in rows for o in row.outcomes]
    check_failures(rung_outcomes, problem.error_score)
    ranking = problem.scoring.ranking
    names = metric_names(rung_outcomes)
    if names != ["score"] and ranking == "score":
        # A callable scoring that returns several metrics, known only now.
        ranking = Scoring.check_ranking(names, problem.refit)
    bracket.rows.extend(rows)
    bracket.rung += 1
    if bracket.done:
        bracket.models = {}
        return ranking
    means = _mean_test_scores(rows, ranking, problem.error_score, n_splits)
    survivors = [
        bracket.survivors[i] for i in top_k(means, bracket.schedule.sizes[bracket.rung])
    ]
    kept = set(survivors)
    bracket.models = {key: m for key, m in bracket.models.items() if key[0] in kept}
    bracket.survivors = survivors
    return ranking


def _mean_test_scores(rows, ranking, error_score, n_splits):
    """The rows' mean test scores, computed as ``cv_results_`` computes them."""
    values = [
        error_score if o.test_scores is None else o.test_scores[ranking]
        for row in rows
        for o in row.outcomes
    ]
    return np.array(values, dtype=np.float64).reshape(len(rows), n_splits).mean(axis=1)


def _show_warnings(outcomes):
    """Show, once each, the warnings the jobs caught (not ConvergenceWarnings)."""
    for category, message in dict.fromkeys(w for o in outcomes for w in o.warnings):
        warn(message, category)


def _report(bracket, n_brackets, ranking, problem, start):
    """One line for the rung a bracket just ran."""
    rung = bracket.rung - 1
    rows = [row for row in bracket.rows if row.rung == rung]
    means = _mean_test_scores(rows, ranking, problem.error_score, len(problem.splits))
    where = f"bracket {bracket.index + 1}/{n_brackets}, " if n_brackets > 1 else ""
    best = np.nanmax(means) if not np.isnan(means).all() else np.nan
    print(
        f"{where}rung {rung + 1}/{len(bracket.schedule.resources)}: "
        f"{len(rows)} candidates x {len(problem.splits)} folds at "
        f"{problem.resource}={rows[0].n_resources}, best mean {ranking} "
        f"{best:.4f}, {time.perf_counter() - start:.1f} s",
        flush=True,
    )
