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
    # Copies MathJax into _static/mathjax, so that maths renders offline.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "sg_execution_times.rst"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["custom.css"]
default_role = "literal"

# numpydoc renders the "Parameters"/"Returns" sections; listing every method
# of every class as well would only repeat the API page.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Members are listed per entry in api.rst. A default of all members would add
# the ``set_*_request`` methods scikit-learn generates, whose docstrings point
# into scikit-learn's own glossary and labels.
autodoc_default_options = {"inherited-members": False}
# "partial_fit()" in the page contents, not "BackpropMLPClassifier.partial_fit()",
# which the right-hand column cuts off.
toc_object_entries_show_parents = "hide"

# The MathJax that sphinx-mathjax-offline copies into the build (MathJax 3), not
# a CDN: pages render their maths without a network.
mathjax_path = "mathjax/tex-chtml.js"

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
    # Each API entry lists the examples that use it (``.. minigallery::`` in
    # api.rst); the generated lists go to a git-ignored directory.
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("backprop_mlp",),
    "reference_url": {"backprop_mlp": None},
}

html_theme = "pydata_sphinx_theme"
html_title = "backprop-mlp"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
# The theme's own sidebar lists the pages below the current top-level page, and
# every page here is top-level, so it was empty: list the whole site instead.
html_sidebars = {"**": ["sidebar-site-nav"]}
