"""Sphinx configuration of the backprop-mlp documentation.

Build with ``pip install -e ".[docs]"`` and ``sphinx-build docs docs/_build/html``.
The gallery runs every ``examples/plot_*.py`` script while building.
"""

import backprop_mlp

project = "backprop-mlp"
author = "The backprop-mlp developers"
copyright = "The backprop-mlp developers"
version = release = backprop_mlp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build"]
default_role = "literal"

# numpydoc renders the "Parameters"/"Returns" sections; listing every method
# of every class as well would only repeat the API page.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_default_options = {"members": True, "inherited-members": False}

# Cross-references into the libraries this one builds on. Offline builds only
# lose these links, with a warning.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "matplotlib": ("https://matplotlib.org/stable", None),
}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # No mini-galleries per API entry: two examples do not need them, and
    # they would add a generated directory to the source tree.
    "backreferences_dir": None,
}

html_theme = "pydata_sphinx_theme"
html_title = "backprop-mlp"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
