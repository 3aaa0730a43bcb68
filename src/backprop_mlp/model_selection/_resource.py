"""The budgeted parameter: which one, and its smallest and largest values.

By default a search budgets the epochs of our estimator, ``max_iter``, found
without being named in a ``Pipeline`` (``"mlp__max_iter"``) or in a Pipeline
nested as a final step. Any other integer parameter can be named instead
(``"logisticregression__max_iter"``, say).
"""

from numbers import Integral

from sklearn.pipeline import Pipeline

__all__ = ["check_budgets", "resolve_resource"]


def resolve_resource(estimator, resource):
    """The full name of the budgeted parameter, checked to be an integer one.

    Parameters
    ----------
    estimator : estimator instance
    resource : str
        A parameter name, or 'auto' for the ``max_iter`` of the estimator or
        of the final step of its Pipeline(s).

    Returns
    -------
    str
    """
    params = estimator.get_params(deep=True)
    if resource == "auto":
        resource = _final_max_iter(estimator)
    elif resource == "n_samples":
        raise ValueError(
            "resource='n_samples' is not supported: these searches give their "
            "candidates more epochs, not more rows. Use resource='auto' (the "
            "epochs), or scikit-learn's HalvingGridSearchCV to budget samples."
        )
    elif resource not in params:
        hint = _final_max_iter(estimator, missing_ok=True)
        raise ValueError(
            f"resource={resource!r} is not a parameter of "
            f"{type(estimator).__name__}"
            + (f"; the epochs of its final step are {hint!r}" if hint else "")
            + ". Name one of estimator.get_params(), or use resource='auto'."
        )
    value = params[resource]
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise ValueError(
            f"resource={resource!r} must be an integer parameter (a number of "
            f"epochs or iterations), but its value is {value!r}. Budget an "
            "integer parameter such as max_iter."
        )
    return resource


def _final_max_iter(estimator, missing_ok=False):
    prefix, final = "", estimator
    while isinstance(final, Pipeline):
        name, final = final.steps[-1]
        prefix += f"{name}__"
    if hasattr(final, "get_params") and "max_iter" in final.get_params(deep=False):
        return f"{prefix}max_iter"
    if missing_ok:
        return None
    raise ValueError(
        f"resource='auto' budgets max_iter, the epochs of the estimator or of a "
        f"Pipeline's final step, and {type(final).__name__} has none. Name the "
        "integer parameter to budget, e.g. resource='<step>__<parameter>'."
    )


def check_budgets(min_resources, max_resources, estimator, resource):
    """``(min_resources, max_resources)`` as integers, checked.

    'auto' for ``max_resources`` is the value the estimator has; the string
    values of ``min_resources`` are left to the schedule.
    """
    if max_resources == "auto":
        max_resources = estimator.get_params(deep=True)[resource]
        if max_resources < 1:
            raise ValueError(
                f"max_resources='auto' takes {resource}={max_resources} from the "
                "estimator, which is not a positive budget: set max_resources."
            )
    if not isinstance(min_resources, str) and min_resources > max_resources:
        raise ValueError(
            f"min_resources={min_resources} is greater than max_resources="
            f"{max_resources}: the first rung would train longer than the last. "
            f"Lower min_resources, or raise max_resources (or {resource})."
        )
    return min_resources, max_resources
