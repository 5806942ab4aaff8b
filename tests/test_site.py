"""The site (make docs: Sphinx + myst-nb over docs/): it builds with -W, every lesson executed at
build time; it needs no network (its MathJax is served with it, no CDN, no web fonts); and in a
real headless Chromium every page renders all its math and loads all its images, with no raw
TeX left in its text. Skipped without Sphinx and myst-nb (pip install -e '.[docs]'), without
the MathJax archive (python scripts/get_data.py --mathjax), and the browser part without
Chromium (Debian: apt install chromium); CI installs all three."""

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from html.parser import HTMLParser

import pytest

from conftest import ROOT
from shared.downloads import MATHJAX

pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")
pytest.importorskip("jupytext")

DOCS = ROOT / "docs"
MATHJAX_ARCHIVE = ROOT / "data" / MATHJAX
LESSONS = sorted(p.stem for p in (DOCS / "lessons").glob("[0-9][0-9]_*.py"))
PAGES = sorted(p.relative_to(DOCS).with_suffix("").as_posix() for p in DOCS.rglob("*.md")) + [
    f"lessons/{name}" for name in LESSONS]  # every page of the site (docs/*.md and the lessons)
BUILD_SECONDS = 600


def sphinx(source, out, env=None):
    """Run ``python -m sphinx -W -b html source out``; the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(source), str(out)],
        capture_output=True, text=True, timeout=BUILD_SECONDS, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built from docs/ into a temporary folder (about 25 s: every lesson runs)."""
    if not MATHJAX_ARCHIVE.is_file():
        pytest.skip(f"{MATHJAX_ARCHIVE} is absent: python scripts/get_data.py --mathjax")
    out = tmp_path_factory.mktemp("site") / "html"
    built = sphinx(DOCS, out)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


def test_every_page_is_built_and_every_lesson_ran(site):
    for page in PAGES:
        assert (site / f"{page}.html").is_file(), page
    for name in LESSONS:
        built = (site / "lessons" / f"{name}.html").read_text()
        assert ": ok (relative error" in built, f"{name}: no check ran"
        assert "Traceback" not in built and "IProgress" not in built, name
        source = (DOCS / "lessons" / f"{name}.py").read_text()
        assert built.count("Show the solution") == source.count('"hide-input"'), name
        assert built.count("<summary>An answer</summary>") == source.count('tags=["answer"]'), name


class Resources(HTMLParser):
    """The URLs a page loads by itself (scripts, style sheets, images, icons), the links it
    shows, and the ids it has."""

    def __init__(self):
        super().__init__()
        self.urls, self.links, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("id"):
            self.ids.add(attrs["id"])


def parsed(path):
    parser = Resources()
    parser.feed(path.read_text())
    return parser


def test_the_site_loads_nothing_from_the_network_and_serves_its_mathjax(site):
    for page in PAGES:
        path = site / f"{page}.html"
        parser = parsed(path)
        for url in parser.urls:
            assert "://" not in url and not url.startswith("//"), f"{page} loads {url}"
            local = (path.parent / url.split("?")[0].split("#")[0]).resolve()
            assert local.is_file(), f"{page}: {url} is not in the site"
    with tarfile.open(MATHJAX_ARCHIVE) as archive:
        want = archive.extractfile("package/es5/tex-svg.js").read()
    assert (site / "_static" / "mathjax" / "tex-svg.js").read_bytes() == want
    assert "Apache License" in (site / "_static" / "mathjax" / "LICENSE").read_text()
    assert 'src="../_static/mathjax/tex-svg.js' in (site / "lessons" / f"{LESSONS[0]}.html").read_text()


def test_every_lesson_page_offers_its_notebook_full_and_for_students(site):
    import nbformat

    for name in LESSONS:
        page = (site / "lessons" / f"{name}.html").read_text()
        links = {}
        for version, folder in (("full", "notebooks"), ("student", "notebooks/student")):
            href = f"../{folder}/{name}.ipynb"
            assert f'href="{href}" download' in page, f"{name}: no {version} download"
            links[version] = nbformat.read(str(site / "lessons" / href), as_version=4)
        tags = {version: [t for c in nb.cells for t in c.metadata.get("tags", [])]
                for version, nb in links.items()}
        assert len(links["full"].cells) >= len(links["student"].cells)
        assert not {"solution", "answer"} & set(tags["student"]), name  # nothing given away
        assert tags["full"].count("exercise") == tags["student"].count("exercise") >= 0


def test_every_link_within_the_site_leads_to_a_page_and_a_heading_there(site):
    for page in PAGES:
        path = site / f"{page}.html"
        for link in parsed(path).links:
            if "://" in link or link.startswith(("mailto:", "#")):
                continue
            target, _, fragment = link.partition("#")
            target = (path.parent / target).resolve()
            assert target.is_file(), f"{page} links to {link}, which is not in the site"
            if fragment and target.suffix == ".html":
                assert fragment in parsed(target).ids, f"{page} links to {link}: no such id"


def test_without_mathjax_the_build_fails_at_once_saying_how_to_get_it(tmp_path):
    (tmp_path / "docs").mkdir()
    shutil.copy(DOCS / "conf.py", tmp_path / "docs" / "conf.py")
    (tmp_path / "docs" / "index.md").write_text("# A page\n\n$x$\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    built = sphinx(tmp_path / "docs", tmp_path / "html", env)
    assert built.returncode != 0
    assert built.stderr == (f"error: {tmp_path / 'data' / MATHJAX} is absent (make docs fetches "
                            f"it, or in {tmp_path}: python scripts/get_data.py --mathjax); the "
                            "site serves its own MathJax\n")
    assert not (tmp_path / "html" / "index.html").exists()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / MATHJAX).write_bytes(b"not MathJax")
    built = sphinx(tmp_path / "docs", tmp_path / "html", env)
    assert built.returncode != 0 and built.stderr.count("\n") == 1
    assert f"is not {MATHJAX} as npm publishes it (its SHA-256 differs)" in built.stderr


# --- in a real browser ---------------------------------------------------------------------

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome", "google-chrome-stable"))), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-dev-shm-usage", "--virtual-time-budget=30000",
         # no network at all: whatever a page would fetch from outside fails, so it must not
         "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]

PROBE = """<script>
// written by tests/test_site.py: when the page and its MathJax are done, say what rendered
window.addEventListener("load", () => {
  const ready = window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.resolve();
  ready.then(() => {
    const images = [...document.images];
    document.body.setAttribute("data-probe", JSON.stringify({
      math: document.querySelectorAll(".math").length,
      rendered: document.querySelectorAll(".math mjx-container").length,
      errors: document.querySelectorAll("mjx-merror, [data-mjx-error]").length,
      images: images.length,
      broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    }));
  });
});
</script>
"""


class Prose(HTMLParser):
    """A page's text outside code, scripts and rendered math: where raw TeX must not be left."""

    SKIP = {"script", "style", "pre", "code", "mjx-container", "svg", "textarea"}
    VOID = {"br", "img", "meta", "link", "input", "hr", "wbr", "source", "col", "area", "base"}

    def __init__(self):
        super().__init__()
        self.depth, self.text = 0, []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID and (self.depth or tag in self.SKIP):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.text.append(data)


def rendered(page_path, profile):
    """(the DOM Chromium built for the page at ``page_path``, its probe's report)."""
    probe = page_path.with_name(page_path.stem + ".probe.html")
    probe.write_text(page_path.read_text().replace("</body>", PROBE + "</body>"))
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                           probe.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    report = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert report, f"{page_path.name}: the page did not finish loading"
    return done.stdout, json.loads(html.unescape(report.group(1)))


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (Debian: apt install chromium)")
@pytest.mark.parametrize("page", PAGES)
def test_in_chromium_every_formula_renders_and_every_image_loads(site, page, tmp_path):
    dom, report = rendered(site / f"{page}.html", tmp_path / "profile")
    # (raw TeX left unparsed shows below, in the text; what myst-nb parsed, MathJax renders)
    assert report["rendered"] == report["math"], f"{page}: {report}"
    assert report["errors"] == 0, f"{page}: MathJax reported TeX errors"
    assert report["broken"] == [], f"{page}: images not loaded: {report['broken']}"
    static_images = len(re.findall(r"<img\b", (site / f"{page}.html").read_text()))
    assert report["images"] == static_images
    prose = Prose()
    prose.feed(dom)
    text = "".join(prose.text)
    for raw in ("$", "\\(", "\\[", "\\varepsilon", "\\frac"):
        where = text.find(raw)
        assert where < 0, f"{page}: raw {raw!r} left in its text: ...{text[max(where - 60, 0):where + 60]}..."
