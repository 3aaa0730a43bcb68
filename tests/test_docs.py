"""The documentation builds as the README says, without warnings of ours, offline.

One Sphinx build (slow: it runs every gallery example) is made as a user
makes it after ``pip install -e ".[docs]"``: every module that command would
not install is hidden from it. It is checked for a gallery without a broken
example, and for what a reader without a network needs: maths rendered by a
MathJax inside the build, a sidebar listing the whole site, and API entries
that link their examples.
"""

import filecmp
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from _extras import modules_left_out

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

pytestmark = pytest.mark.slow

# An offline build cannot fetch the other projects' inventories; Sphinx says
# so in a warning of a few lines, and only those links are lost.
_OFFLINE = re.compile(
    r"failed to reach any of the inventories|intersphinx inventory .* not fetchable"
)


# Sphinx, with the modules named in its first argument made unimportable.
_SPHINX_WITHOUT = """
import importlib.abc, json, sys

hidden = set(json.loads(sys.argv.pop(1)))


class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, Hide())
from sphinx.cmd.build import main

sys.exit(main(sys.argv[1:]))
"""


class Build(NamedTuple):
    html: Path
    warnings: str
    returncode: int
    stderr: str


def _needs(*modules):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the docs extra is not installed ({', '.join(missing)})")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """Build the HTML once, with what the docs extra installs and nothing else."""
    _needs(
        "sphinx",
        "sphinx_gallery",
        "numpydoc",
        "pydata_sphinx_theme",
        "sphinx-mathjax-offline",
    )
    out = tmp_path_factory.mktemp("docs")
    # A fresh copy, as in a fresh clone: sphinx-gallery would skip examples
    # unchanged since a build in this tree, a broken one included.
    tree = out / "tree"
    built = ("_build", "auto_examples", "gen_modules", "sg_execution_times.rst")
    shutil.copytree(DOCS, tree / "docs", ignore=shutil.ignore_patterns(*built))
    shutil.copytree(
        ROOT / "examples", tree / "examples", ignore=shutil.ignore_patterns("*.pyc")
    )
    warnings_file = out / "warnings.txt"
    hidden = json.dumps(sorted(modules_left_out("docs")))
    command = [sys.executable, "-c", _SPHINX_WITHOUT, hidden, "-b", "html", "-q"]
    command += ["-E", "-w", str(warnings_file), "-d", str(out / "doctrees")]
    command += ["docs", str(out / "html")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tree)
    warnings = warnings_file.read_text(encoding="utf-8")
    return Build(out / "html", warnings, done.returncode, done.stderr)


def test_the_build_succeeds_with_the_docs_extra_alone(build):
    """`sphinx-build` exits 0: no example fails for want of a module."""
    assert build.returncode == 0, build.stderr


def test_no_gallery_example_is_broken(build):
    """No example page shows a traceback, and no thumbnail is the BROKEN one."""
    from sphinx_gallery.gen_rst import scale_image

    gallery = Path(importlib.util.find_spec("sphinx_gallery").origin).parent
    # sphinx-gallery scales its BROKEN image to the thumbnail size, as here.
    expected = build.html.parent / "broken_thumb.png"
    scale_image(
        str(gallery / "_static" / "broken_example.png"), str(expected), 400, 280
    )
    broken = []
    for script in sorted((ROOT / "examples").glob("plot_*.py")):
        thumb = build.html / "_images" / f"sphx_glr_{script.stem}_thumb.png"
        if filecmp.cmp(thumb, expected, shallow=False):
            broken.append(f"{script.name}: the BROKEN thumbnail")
        page = build.html / "auto_examples" / f"{script.stem}.html"
        if "highlight-pytb" in page.read_text("utf-8"):
            broken.append(f"{script.name}: a traceback")
    assert broken == []


def test_the_hidden_modules_are_what_the_docs_extra_leaves_out():
    """The build hides test-only modules, and not what the examples use."""
    hidden = modules_left_out("docs")
    assert {"pytest", "hypothesis", "pandas", "skops", "numba"} <= hidden
    assert not {"sphinx", "matplotlib", "onnxruntime", "distributed"} & hidden


def ours(warnings):
    """The warnings that do not come from being offline."""
    lines = [line for line in warnings.splitlines() if line.strip()]
    return [line for line in lines if not _OFFLINE.search(line)]


def test_no_warnings_but_the_offline_inventories(build):
    assert ours(build.warnings) == []


def test_the_offline_filter_keeps_other_warnings():
    # What the build gave before the fix: it must not pass the filter.
    given = (
        "WARNING: failed to reach any of the inventories with the following issues:\n"
        "intersphinx inventory 'https://numpy.org/doc/stable/objects.inv' not "
        "fetchable due to <class 'requests.exceptions.ConnectionError'>\n"
        "_classifier.py:docstring of func:4: WARNING: term not in glossary: "
        "'meta-estimator' [ref.term]\n"
    )
    assert ours(given) == [given.splitlines()[-1]]


def test_maths_uses_the_mathjax_inside_the_build(build):
    html = build.html
    for page in ("index.html", "user_guide.html", "backprop.html"):
        text = (html / page).read_text(encoding="utf-8")
        scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', text, re.I)
        assert scripts == ["_static/mathjax/tex-chtml.js"], page
        assert "cdn.jsdelivr" not in text and "cdnjs" not in text
    assert (html / "_static/mathjax/tex-chtml.js").stat().st_size > 100_000
    # The fonts it loads, relative to itself.
    fonts = html / "_static/mathjax/output/chtml/fonts/woff-v2"
    assert (fonts / "MathJax_Main-Regular.woff").is_file()


def test_maths_renders_in_a_browser_without_network(build):
    """Chromium, offline, turns the TeX of the home page into MathJax output."""
    html = build.html
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium to render the page with")
    page = (html / "backprop.html").as_uri()
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu"]
    command += ["--no-first-run", "--disable-background-networking"]
    command += ["--disable-component-update", "--disable-sync", "--disable-quic"]
    # No DNS and no proxy: any request off this machine fails at once.
    command += ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"]
    command += [f"--user-data-dir={html.parent / 'chromium'}"]
    command += ["--virtual-time-budget=10000", "--dump-dom", page]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<mjx-container") > 10
    assert "\\(" not in re.sub(r"<[^>]+>", "", dom.split("<body", 1)[1])
    # Transposes are drawn with a sans-serif T (U+1D5B3), not with \top's
    # glyph (U+22A4), which Chromium drew as a broken bar.
    assert "mjx-c22A4" not in dom
    assert dom.count('class="mjx-c1D5B3 TEX-SS"') >= 9


def test_no_maths_notation_that_chromium_draws_broken():
    """``\\top`` (U+22A4 in MathJax's fonts) drew as a broken bar in Chromium."""
    pages = sorted(DOCS.glob("*.rst")) + sorted((ROOT / "src").rglob("*.py"))
    for page in pages:
        assert not re.search(r"\\top\b", page.read_text(encoding="utf-8")), page
    backprop = (DOCS / "backprop.rst").read_text(encoding="utf-8")
    assert backprop.count(r"^{\mathsf T}") >= 9


def test_the_sidebar_lists_every_page(build):
    html = build.html
    for page in ("index.html", "api.html", "auto_examples/plot_solvers.html"):
        text = (html / page).read_text(encoding="utf-8")
        nav = text.split('class="bd-docs-nav', 1)[1].split("</nav>", 1)[0]
        for title in ("Quick start", "User guide", "Tips on practical use", "API"):
            assert title in nav, (page, title)


def test_api_contents_are_short_and_entries_link_their_examples(build):
    html = build.html
    api = (html / "api.html").read_text(encoding="utf-8")
    toc = api.split('id="pst-page-navigation-heading', 1)[1].split("</nav>", 1)[0]
    names = re.sub(r"<[^>]+>", " ", toc).split()
    # Entries without their class's name, which the column cut off.
    assert "partial_fit()" in names and "predict_proba()" in names
    assert not [name for name in names if name.startswith("BackpropMLPClassifier.")]
    # sphinx-gallery's backreferences: the examples using each entry.
    for entry, example in [
        ("BackpropMLPClassifier", "plot_solvers"),
        ("check_gradients", "plot_gradient_check"),
        ("LossCurveDisplay", "plot_early_stopping_validation"),
    ]:
        section = api.split(f"Examples using {entry}", 1)[1][:20_000]
        assert f"auto_examples/{example}.html" in section, entry


def test_every_gallery_example_has_a_figure(build):
    html = build.html
    examples = sorted((ROOT / "examples").glob("plot_*.py"))
    for script in examples:
        page = (html / "auto_examples" / f"{script.stem}.html").read_text("utf-8")
        assert re.search(r'<img[^>]+src="[^"]*sphx_glr_' + script.stem, page), (
            script.name
        )
