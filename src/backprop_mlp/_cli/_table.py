"""The table of results, and text any console can print."""

import numpy as np

from ._compare import SKLEARN_MODELS


def format_table(results, encoding="utf-8"):
    """Lay the results out as an aligned plain-text table.

    Parameters
    ----------
    results : list of ModelResult
        For each data set, ours followed by scikit-learn's.
    encoding : str, default="utf-8"
        That of the console it is for: one that cannot encode "±" gets
        "+/-", and "R2" for "R²".

    Returns
    -------
    table : str
    """
    pm = "±" if _can_encode("±", encoding) else "+/-"
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


def _can_encode(text, encoding):
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def printable(text, encoding):
    """``text`` with what ``encoding`` cannot encode written as ``\\x..``.

    A console in an ASCII locale cannot print a column named ``espèce``:
    Python's stdout raises UnicodeEncodeError, its stderr escapes the
    character. Both streams get stderr's escapes.

    Parameters
    ----------
    text : str
    encoding : str or None
        None, or one Python does not know, leaves ``text`` as it is.

    Returns
    -------
    text : str

    Examples
    --------
    >>> print(printable("espèce", "ascii"))
    esp\\xe8ce
    """
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except (TypeError, LookupError):
        return text
