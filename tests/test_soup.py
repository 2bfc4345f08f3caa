"""crawler/parsers/_soup.py: the lxml fast path and BeautifulSoup's own strained parse give identical
records and listings on every fixture page, and the fast path runs only on the tested bs4 versions."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

import bs4
import pytest

from crawler.parsers import _soup, parse_article, parse_listing, parse_page
from crawler.parsers.g2_article import _CUT

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
REF_IDS = {  # reference page -> the id in its print link (fixtures/README.md, provenance)
    "08-10-2024_1": 1974985, "08-10-2024_3": 1974990, "09-10-2024_1": 1975156,
    "09-10-2024_3": 1975193, "09-10-2024_4": 1975198, "09-10-2024_6": 1975319,
    "09-10-2024_7": 1975329, "09-10-2024_8": 1975336, "10-10-2024_1": 1975354,
    "10-10-2024_10": 1975559, "10-10-2024_11": 1975564, "10-10-2024_3": 1975359,
    "10-10-2024_5": 1975442, "10-10-2024_6": 1975513, "10-10-2024_8": 1975535,
    "10-10-2024_9": 1975554, "11-10-2024_3": 1975638, "11-10-2024_5": 1975652,
    "11-10-2024_6": 1975657, "11-10-2024_7": 1975705, "11-10-2024_9": 1975726,
}
ARTICLE_URL = "https://mid.ru/ru/foreign_policy/news/{}/"
LISTING_URL = "https://mid.ru/ru/foreign_policy/news/"
PARSERS: list[Callable[[Any, str], Any]] = [parse_page, parse_article, parse_listing]

needs_fast_path = pytest.mark.skipif(
    _soup._replay is None, reason=f"beautifulsoup4 {bs4.__version__}: the fast path is off (untested version)")

Page = tuple[str, "str | bytes", str]  # (name, html, url)


def _outcome(fn: Callable[[Any, str], Any], html: str | bytes, url: str) -> Any:
    try:
        return fn(html, url)
    except Exception as exc:  # the exception is part of the result: both paths must raise the same
        return (type(exc).__name__, str(exc))


def _differences(pages: list[Page], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the (page, parser) pairs whose records differ between the two paths."""
    diffs = []
    for name, html, url in pages:
        for fn in PARSERS:
            monkeypatch.setattr(_soup, "FAST_PATH", True)
            fast = _outcome(fn, html, url)
            monkeypatch.setattr(_soup, "FAST_PATH", False)
            strained = _outcome(fn, html, url)
            if fast != strained:
                diffs.append(f"{name} {fn.__name__}")
    return diffs


def _files(pattern: str, url: Callable[[Path], str]) -> list[Page]:
    return [(p.name, p.read_text(encoding="utf-8"), url(p)) for p in sorted(FIXTURES.glob(pattern))]


def reference_pages() -> list[Page]:
    return _files("reference-pages/*.html", lambda p: ARTICLE_URL.format(REF_IDS[p.stem]))


def site_pages() -> list[Page]:
    return _files("site/pages/*.html", lambda p: ARTICLE_URL.format(p.name.split(".")[0]))


def parser_cases() -> list[Page]:
    pages = _files("parser-cases/*.html", lambda p: ARTICLE_URL.format(1975400))
    return pages + [(name + " as listing", html, LISTING_URL) for name, html, _ in pages]


def archive_pages() -> list[Page]:
    return _files("archive/**/*.html", lambda p: "https://archive.mid.ru/ru/foreign_policy/news")


def corner_pages() -> list[Page]:
    """A real page with the markup where lxml's tree and BeautifulSoup's parse part ways."""
    name, page, url = reference_pages()[1]
    body = '<div class="text article-content">'
    assert body in page
    corners = {
        "bom": "\N{BYTE ORDER MARK}" + page,
        "xml prolog": '<?xml version="1.0" encoding="utf-8"?>\n' + page,
        "stray doctype": page.replace(body, body + "<!DOCTYPE html><p>Абзац.</p>"),
        "boolean attribute": page.replace(body, body + "<p><select><option selected>x</option></select>Абзац.</p>"),
        "namespaced tag": page.replace(body, body + "<p><svg:rect>Абзац</svg:rect> текст.</p>"),
        "namespaced class": page.replace(body, body + '<p xml:class="x">Абзац.</p>'),
        "comment and pi": page.replace(body, body + "<p>Абзац<!-- c --><?pi x?> текст.</p>"),
        "deep nesting": page.replace(body, body + "<div>" * 300 + "Глубоко." + "</div>" * 300),
        "bytes": page.encode("utf-8"),
        "cp1251 bytes": page.replace("<div", '<meta charset="windows-1251"><div', 1).encode("cp1251", "replace"),
        "empty": "",
        "no markup": "Data",
    }
    return [(f"{name} {corner}", html, url) for corner, html in corners.items()]


@pytest.fixture(scope="module")
def mirror_pages() -> list[Page]:
    """Every article of the mirror's initial state (the authored bodies rendered into pages, in each
    language and UI), its listings, home pages and a 404 page, as served."""
    from fixtures.mirror import MirrorServer
    from fixtures.mirror.labels import UI_LANGS

    pages: list[Page] = []
    with MirrorServer(state="initial") as mirror:
        view = mirror.site.view("initial")
        paths = [f"/{ui}/{section}/{sid}/?lang={lang}" for sid, st in sorted(view.statements.items())
                 for section in st["sections"][:1] for lang in st["langs"] for ui in ("ru", lang)]
        for ui in UI_LANGS:
            paths += [f"/{ui}/", f"/{ui}/no/such/page/"]
            paths += [f"/{ui}/{section}/?PAGEN_1={n}" for section in view.sections for n in (1, 2)]
        for path in dict.fromkeys(paths):
            try:
                with urllib.request.urlopen(mirror.base_url + path, timeout=30) as resp:
                    body = resp.read()
            except urllib.error.HTTPError as err:
                body = err.read()
            pages.append((path, body.decode("utf-8"), "https://mid.ru" + path))
    return pages


@needs_fast_path
@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")  # the xml prolog corner, on both paths
@pytest.mark.parametrize("group", [reference_pages, site_pages, parser_cases, archive_pages, corner_pages],
                         ids=lambda f: f.__name__)
def test_both_paths_give_identical_records_on_fixtures(group: Callable[[], list[Page]],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pages = group()
    assert pages
    assert _differences(pages, monkeypatch) == []


@needs_fast_path
def test_both_paths_give_identical_records_on_mirror_pages(mirror_pages: list[Page],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(mirror_pages) > 100
    assert _differences(mirror_pages, monkeypatch) == []


@needs_fast_path
def test_the_fast_path_reads_real_pages_with_lxml(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison means something only if the fast path does take real pages."""
    monkeypatch.setattr(_soup, "FAST_PATH", True)
    assert all(_CUT.cut(html).roots is not None for _, html, _ in reference_pages())
    monkeypatch.setattr(_soup, "FAST_PATH", False)
    assert all(_CUT.cut(html).roots is None for _, html, _ in reference_pages())


def test_an_untested_bs4_version_turns_the_fast_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bs4, "__version__", "4.99.0")
    assert _soup._load_replay() is None
    monkeypatch.setattr(bs4, "__version__", f"{max(_soup.TESTED_BS4, key=_minor)}.0")
    assert _soup._load_replay() is not None or _soup._replay is None


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def test_the_pin_stops_before_the_first_untested_minor_version() -> None:
    """pyproject.toml's beautifulsoup4 range admits every tested minor version and no newer one
    (older ones it admits run the strained parse: the golden tests pass on 4.12 that way)."""
    line = next(ln for ln in (ROOT / "pyproject.toml").read_text().splitlines() if "beautifulsoup4" in ln)
    low, high = re.search(r">=\s*(\d+\.\d+)[.\d]*\s*,\s*<\s*(\d+\.\d+)", line).groups()  # type: ignore[union-attr]
    tested = sorted(map(_minor, _soup.TESTED_BS4))
    assert _minor(low) <= tested[0] and _minor(high) == (tested[-1][0], tested[-1][1] + 1)
