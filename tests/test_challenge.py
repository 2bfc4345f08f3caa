"""crawler/parsers/challenge.py: anti-bot interstitial detection."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.parsers import is_challenge

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
CASES = ROOT / "parser-cases"
REFERENCE = ROOT / "reference-pages"


@pytest.mark.parametrize("name", ["challenge-data-processing.html", "challenge-bobcmn.html"])
def test_challenge_pages_are_detected(name):
    html = (CASES / name).read_text(encoding="utf-8")
    assert is_challenge(html)
    assert is_challenge(html.encode("utf-8"))


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><p>Data processing... Please wait.</p></body></html>",
        '<script>window[ "bobcmn" ] = "x";</script>',
        '<script src="/TSPD/0123?type=7"></script>',
        "<html><body><noscript>Please enable JavaScript</noscript></body></html>",
    ],
)
def test_marker_variants(html):
    assert is_challenge(html)


def test_real_pages_and_content_with_injected_f5_script_are_not_challenges():
    for path in sorted(REFERENCE.glob("*.html")):
        assert not is_challenge(path.read_text(encoding="utf-8")), path.name
    # a normal page into which F5 injected its /TSPD/ script is still content
    assert not is_challenge((CASES / "full-document-ru.html").read_text(encoding="utf-8"))
    for name in ("listing-ru.html", "listing-empty.html", "rss.xml", "404.html"):
        assert not is_challenge((CASES / name).read_text(encoding="utf-8")), name
    assert not is_challenge("") and not is_challenge(None)
