"""``python -m backprop_mlp``: compare with MLPClassifier; see ``--help``."""

import sys

from ._cli import main

# The guard keeps `pytest --doctest-modules` from running the program when it
# imports this module.
if __name__ == "__main__":
    sys.exit(main())
