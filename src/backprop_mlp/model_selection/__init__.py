"""Hyper-parameter searches whose surviving candidates keep training.

:class:`HalvingGridSearchCV` and :class:`HalvingRandomSearchCV` are
scikit-learn's successive-halving searches with the epochs as the budget;
:class:`HyperbandSearchCV` runs the brackets of Hyperband on the same
machinery. At each rung, a surviving candidate's networks continue their
training run instead of starting again, and a Pipeline's preprocessing is
fitted once per fold. Any other estimator is fitted afresh at each rung, as
scikit-learn does, so that one search can compare model families.
"""

from ._halving import HalvingGridSearchCV, HalvingRandomSearchCV
from ._hyperband import HyperbandSearchCV

__all__ = ["HalvingGridSearchCV", "HalvingRandomSearchCV", "HyperbandSearchCV"]
