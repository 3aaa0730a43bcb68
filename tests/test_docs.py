"""The documentation builds without warnings of ours and works offline.

One Sphinx build (slow: it runs every gallery example) is checked for what a
reader without a network needs: maths rendered by a MathJax inside the build,
a sidebar listing the whole site, and API entries that link their examples.
"""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

pytestmark = pytest.mark.slow

# An offline build cannot fetch the other projects' inventories; Sphinx says
# so in a warning of a few lines, and only those links are lost.
_OFFLINE = re.compile(
    r"failed to reach any of the inventories|intersphinx inventory .* not fetchable"
)


def _needs(*modules):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the docs extra is not installed ({', '.join(missing)})")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """Build the HTML once; return its directory and the warnings it gave."""
    _needs(
        "sphinx",
        "sphinx_gallery",
        "numpydoc",
        "pydata_sphinx_theme",
        "sphinx-mathjax-offline",
    )
    out = tmp_path_factory.mktemp("docs")
    warnings_file = out / "warnings.txt"
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E"]
    command += ["-w", str(warnings_file), "-d", str(out / "doctrees")]
    command += [str(DOCS), str(out / "html")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return out / "html", warnings_file.read_text(encoding="utf-8")


def ours(warnings):
    """The warnings that do not come from being offline."""
    lines = [line for line in warnings.splitlines() if line.strip()]
    return [line for line in lines if not _OFFLINE.search(line)]


def test_no_warnings_but_the_offline_inventories(build):
    _, warnings = build
    assert ours(warnings) == []


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
    html, _ = build
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
    html, _ = build
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


def test_the_sidebar_lists_every_page(build):
    html, _ = build
    for page in ("index.html", "api.html", "auto_examples/plot_solvers.html"):
        text = (html / page).read_text(encoding="utf-8")
        nav = text.split('class="bd-docs-nav', 1)[1].split("</nav>", 1)[0]
        for title in ("Quick start", "User guide", "Tips on practical use", "API"):
            assert title in nav, (page, title)


def test_api_contents_are_short_and_entries_link_their_examples(build):
    html, _ = build
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
    html, _ = build
    examples = sorted((ROOT / "examples").glob("plot_*.py"))
    for script in examples:
        page = (html / "auto_examples" / f"{script.stem}.html").read_text("utf-8")
        assert re.search(r'<img[^>]+src="[^"]*sphx_glr_' + script.stem, page), (
            script.name
        )
