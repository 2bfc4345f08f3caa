"""Is a fetched article page whole, and the page that was asked for? Read from the page itself (pure functions).

A page that fails becomes a transient outcome with its own name (store.outcomes: truncated, wrong_page,
server_error_text, mojibake), never a version: the store only holds text that came whole from the right page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

from crawler.encoding import implausible_cyrillic, looks_like_mojibake


@dataclass(frozen=True)
class Rejection:
    """Why a page is not a version: the outcome to record and a one-line reason."""

    outcome: str
    reason: str


# --- server error text in place of content ------------------------------------------------------------------
# Plain substrings every message below contains: most pages have none, and a substring scan costs ~1/100 of
# the pattern's.
_ERROR_MARKERS = ("rror</b>:", "rror: ", "RROR: ", " on line ", "Stack trace", "Uncaught ", "uery error",
                  "uery Error", "SQLSTATE[")
_ERROR_TITLE = re.compile(r"<title>\s*(?:50[0-4] |Internal Server Error|Bad Gateway|Service (?:Temporarily )?"
                          r"Unavailable|Gateway Time-?out)", re.I)
_SERVER_ERRORS = re.compile(
    r"(?:<b>)?(?:Fatal error|Parse error|Catchable fatal error)(?:</b>)?:\s"
    r"|\bon line (?:<b>)?\d+(?:</b>)?\s*(?:<br|$)"
    r"|\bStack trace:\s*(?:<br\s*/?>)?\s*#0\b"
    r"|\bUncaught (?:exception|Error|TypeError)\b"
    r"|\b(?:MySQL|DB) [Qq]uery [Ee]rror\b|\bSQLSTATE\[[0-9A-Z]{5}\]",
    re.I | re.M)

# --- completeness ------------------------------------------------------------------------------------------
_HIDDEN = re.compile(r"<!--.*?-->|<script\b.*?</script\s*>|<style\b.*?</style\s*>", re.S | re.I)
_BODY_CONTAINER = re.compile(r"""<div\b[^>]*\bclass\s*=\s*["'][^"']*\b(?:article-content|anons-text)\b[^"']*["'][^>]*>""",
                             re.I)
_DIV_TAG = re.compile(r"<(/?)div\b[^>]*?(/?)>", re.I)
_DOCUMENT_START = re.compile(r"^\s*(?:<!doctype\b[^>]*>\s*)?<html\b", re.I)
_DOCUMENT_END = re.compile(r"</body\s*>|</html\s*>|<footer\b|\bclass\s*=\s*[\"'][^\"']*\bfooter\b", re.I)
# What follows an article's text on both portals' pages (the share line, "additional materials", the photo
# album, the end of the main column or of the document): a page that reaches one of them went past the article
# even when its markup does not balance (editors' HTML often leaves a <div> open).
_AFTER_ARTICLE = re.compile(r"\bclass\s*=\s*[\"'][^\"']*\b(?:share-line|share|additional|photo-slider[\w-]*|footer)\b"
                            r"|</main\s*>|<footer\b|</body\s*>|</html\s*>", re.I)

# --- the page's own id ---------------------------------------------------------------------------------------
_CANONICAL = re.compile(
    r"""<link\b[^>]*\brel\s*=\s*["']canonical["'][^>]*\bhref\s*=\s*["']([^"']+)["']"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']([^"']+)["'][^>]*\brel\s*=\s*["']canonical["']"""
    r"""|<meta\b[^>]*\bproperty\s*=\s*["']og:url["'][^>]*\bcontent\s*=\s*["']([^"']+)["']""", re.I)
_OWN_LINKS = re.compile(
    r"""<a\b[^>]*\bclass\s*=\s*["'][^"']*\b(?:print-tv__link|translation__link)\b[^"']*["'][^>]*>"""
    r"""|<a\b[^>]*\bhref\s*=\s*["'][^"']*(?:/(?:print|tv)/\?[^"']*\bid=|_languageId=)[^"']*["'][^>]*>""", re.I)
_HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.I)
_PATH_ID = re.compile(r"/(?:content/id/)?(\d{6,8})(?:/|$)")

# --- the language of the text ---------------------------------------------------------------------------------
_STOPWORDS = {
    "en": frozenset("the and of is that with this are we for".split()),
    "de": frozenset("der die und das ist nicht mit wir sich auf".split()),
    "fr": frozenset("les et est dans nous une pour qui pas sur".split()),
    "es": frozenset("los las y del por una con para es se".split()),
    "pt": frozenset("os não do da uma com em dos ao são".split()),
}
_WORD = re.compile(r"[^\W\d_]+")
# Each script's letters counted by deleting everything else (C speed).
_NOT_SCRIPT = {"cyrillic": re.compile(r"[^\u0400-\u04ff]+"), "latin": re.compile(r"[^A-Za-z\u00c0-\u024f]+"),
               "arabic": re.compile(r"[^\u0600-\u06ff]+"), "cjk": re.compile(r"[^\u4e00-\u9fff]+")}
_SAMPLE = 20_000   # characters of a text enough to tell its language
_SCRIPT_OF = {"ru": "cyrillic", "en": "latin", "de": "latin", "fr": "latin", "es": "latin", "pt": "latin",
              "ar": "arabic", "zh": "cjk", "cn": "cjk"}


def check_page(html: str, record: Mapping[str, Any], *, source_id: int | None, lang: str) -> Rejection | None:
    """None when the page is whole and is the page asked for (`source_id` in `lang`), else why it is not."""
    visible = _HIDDEN.sub(" ", html)
    text = f"{record.get('title') or ''}\n{record.get('body') or ''}"
    for check in (lambda: _server_error(visible), lambda: _truncated(visible),
                  lambda: _other_statement(html, source_id), lambda: _garbled(text),
                  lambda: _other_language(text, lang)):
        rejection = check()
        if rejection is not None:
            return rejection
    return None


def _server_error(visible: str) -> Rejection | None:
    match = _ERROR_TITLE.search(visible, 0, 8192)
    if match is None and any(marker in visible for marker in _ERROR_MARKERS):
        match = _SERVER_ERRORS.search(visible)
    if match is None:
        return None
    return Rejection("server_error_text", f"server error text in the page: {match.group(0).strip()[:80]!r}")


def _truncated(visible: str) -> Rejection | None:
    """The article container must be closed, and a whole document must reach its end (footer, </body>, </html>).
    A page cut short keeps a plausible head (title, first paragraphs) but neither."""
    container = _BODY_CONTAINER.search(visible)
    if (container is not None and not _closed(visible, container.end())
            and not _AFTER_ARTICLE.search(visible, container.end())):
        return Rejection("truncated", "the article's text container is never closed and nothing follows it: the"
                                      " page was cut short")
    if _DOCUMENT_START.search(visible) and not _DOCUMENT_END.search(visible, container.end() if container else 0):
        return Rejection("truncated", "the page ends before its footer and </html>: it was cut short")
    return None


def _closed(visible: str, start: int) -> bool:
    depth = 1
    for match in _DIV_TAG.finditer(visible, start):
        if match.group(2):
            continue  # <div/>
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return True
    return False


def page_ids(html: str) -> set[int]:
    """The statement ids a page gives for itself: canonical link, og:url, print/TV links, language links."""
    urls = [u for m in _CANONICAL.finditer(html) for u in m.groups() if u]
    for tag in _OWN_LINKS.finditer(html):
        href = _HREF.search(tag.group(0))
        if href:
            urls.append(href.group(1).replace("&amp;", "&"))
    ids: set[int] = set()
    for url in urls:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        if "id" in query and query["id"][0].isdigit() and re.search(r"/(?:print|tv)/?$", parts.path):
            ids.add(int(query["id"][0]))
            continue
        match = _PATH_ID.search(parts.path)
        if match:
            ids.add(int(match.group(1)))
    return ids


def _other_statement(html: str, source_id: int | None) -> Rejection | None:
    if source_id is None:
        return None
    others = sorted(page_ids(html) - {source_id})
    if not others:
        return None
    return Rejection("wrong_page", f"the page is statement {others[0]}, not {source_id}")


def _garbled(text: str) -> Rejection | None:
    if looks_like_mojibake(text) or implausible_cyrillic(text):
        return Rejection("mojibake", "the text is garbled: decoded with a wrong charset somewhere")
    return None


def text_language(text: str) -> tuple[str | None, str | None]:
    """(main script, Latin language by function words) of a text; None where it cannot be told."""
    text = text[:_SAMPLE]
    counts = {name: len(pattern.sub("", text)) for name, pattern in _NOT_SCRIPT.items()}
    total = sum(counts.values())
    script = max(counts, key=counts.__getitem__) if total >= 80 else None
    if script is not None and counts[script] < 0.6 * total:
        script = None
    if script not in (None, "latin"):
        return script, None
    words = [w.lower() for w in _WORD.findall(text)]
    hits = {code: sum(1 for w in words if w in stop) for code, stop in _STOPWORDS.items()}
    best = max(hits, key=hits.__getitem__)
    latin = best if hits[best] >= 15 and sorted(hits.values())[-2] * 3 <= hits[best] else None
    return script, latin


def _other_language(text: str, lang: str) -> Rejection | None:
    expected = _SCRIPT_OF.get(lang)
    if expected is None:
        return None
    script, latin = text_language(text)
    if script is not None and script != expected:
        return Rejection("wrong_page", f"the text is in {script} script, not the {lang} page asked for")
    if expected == "latin" and latin is not None and latin != lang and script == "latin":
        return Rejection("wrong_page", f"the text is in {latin}, not the {lang} page asked for")
    return None
