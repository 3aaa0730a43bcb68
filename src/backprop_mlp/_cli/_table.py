"""The table of results."""

import sys

import numpy as np

from ._compare import SKLEARN_MODELS


def format_table(results):
    """Lay the results out as an aligned plain-text table.

    Parameters
    ----------
    results : list of ModelResult
        For each data set, ours followed by scikit-learn's.

    Returns
    -------
    table : str
    """
    pm = _plus_minus()
    r2 = "R²" if pm == "±" else "R2"  # the same console limits
    sklearn_time = {
        r.dataset: np.mean(r.fit_times) for r in results if r.model in SKLEARN_MODELS
    }
    metrics = {"Classifier": "accuracy", "Regressor": "R²"}
    names = [m for kind, m in metrics.items() if any(kind in r.model for r in results)]
    header = ["dataset", "model", " or ".join(names), "fit time", "ours/sklearn"]
    header[2] += " (mean ± std)"
    header[2] = header[2].replace("±", pm).replace("R²", r2)
    rows = []
    for r in results:
        fit_time = np.mean(r.fit_times)
        ratio = ""
        if r.model not in SKLEARN_MODELS and sklearn_time.get(r.dataset):
            ratio = f"{fit_time / sklearn_time[r.dataset]:.2f}"
        rows.append(
            [
                r.dataset,
                r.model,
                f"{np.mean(r.scores):.4f} {pm} {np.std(r.scores):.4f}",
                f"{fit_time:.3f} s",
                ratio,
            ]
        )
    widths = [max(len(row[j]) for row in [header, *rows]) for j in range(len(header))]
    # Text columns read left-aligned, numbers right-aligned.
    align = ["<", "<", ">", ">", ">"]

    def line(cells):
        return "  ".join(
            f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True)
        ).rstrip()

    lines = [line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows]
    for r in results:
        if r.n_not_converged:
            lines.append(
                f"note: {r.model} on {r.dataset} reached max_iter without "
                f"converging in {r.n_not_converged} of {len(r.scores)} folds"
            )
    return "\n".join(lines)


def _plus_minus():
    # A console that cannot encode "±" (an ASCII locale) gets "+/-" instead of
    # a UnicodeEncodeError at the very end of the run.
    try:
        "±".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "+/-"
    return "±"
