"""Transcript-bearing sections of the current site (G2) and kind classification.

Section keys and their listing paths (reference ``mid-ru-site.md`` §2.3). Paths are given
without the UI prefix; the UI prefix is the interface language (``/ru/``, ``/en/``, ...).

============================  =========================================  ===========================
key                           Russian UI path                            other UIs (en, de, fr, ...)
============================  =========================================  ===========================
``news``                      foreign_policy/news                        same
``minister_speeches``         press_service/minister_speeches            same
``briefings``                 press_service/spokesman/briefings          same
``answers``                   press_service/spokesman/answers            same
``comments``                  press_service/spokesman/kommentarii        press_service/spokesman/comments
``official_statements``       press_service/spokesman/official_statement same
``deputy_speeches``           press_service/deputy_ministers_speeches    (Russian only; en gives 404)
============================  =========================================  ===========================

Non-English, non-Russian UIs are assumed to use the English (Latin) slugs — not confirmed.

``classify_kind(section, title)`` returns one of ``briefing|speech|interview|statement|comment|
news``. Rules, in order:

1. A title that *reports on* or announces an event ("О встрече…", "Об участии…", "Анонс…",
   "On the meeting…", "Sur…", "Über…", "Sobre…", "Press release on…") is not itself a transcript: the section's
   default kind is used (``news`` for the news feed). So "О брифинге заместителя Министра…"
   is ``news``, not ``briefing``.
2. Otherwise the *earliest* kind keyword in the title wins (ru/en/de/fr/es/pt):
   briefing (брифинг, briefing, point de presse, rueda de prensa), interview (интервью,
   interview, entretien, entrevista, "ответы … на вопросы", "answers to … questions"),
   speech (выступление, речь, remarks, speech, address, "statement by X at …", Rede,
   discours, allocution, intervention, discurso, статья/article), statement (заявление,
   statement, Erklärung, déclaration, declaración, declaração), comment (комментарий,
   comment, Kommentar, commentaire, comentario, comentário).
   "Выступление и ответы на вопросы СМИ" is therefore a speech (earliest keyword).
3. If the title is silent, the section decides (see ``SECTION_DEFAULT_KIND``).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = [
    "SECTIONS",
    "SECTION_DEFAULT_KIND",
    "KINDS",
    "UI_LANGS",
    "CONTENT_LANGS",
    "LANGUAGES",
    "listing_path",
    "section_paths",
    "section_key",
    "section_key_from_url",
    "split_article_path",
    "classify_kind",
]

KINDS = ("briefing", "speech", "interview", "statement", "comment", "news")

# Interface prefixes seen on G2 (§4). "ar"/"cn" UIs are unconfirmed but harmless to accept.
UI_LANGS = ("ru", "en", "de", "fr", "es", "pt", "ar", "cn", "zh")
# Content languages (?lang=) seen or reported (§4).
CONTENT_LANGS = ("ru", "en", "de", "fr", "es", "ar", "pt", "cn", "zh")

# Languages crawled by default: a listing is read under the UI prefix of the same language and
# documents are requested with ?lang=<that language>. ru/en/de/fr/es/pt UIs are confirmed;
# "ar" content is confirmed but an /ar/ UI is not (its RSS feed was never seen working).
LANGUAGES = ("ru", "en", "de", "fr", "es", "pt", "ar")

# key -> {ui lang or "*": path}. "*" is the default for every UI not listed explicitly.
SECTIONS: dict[str, dict[str, str]] = {
    "news": {"*": "foreign_policy/news"},
    "minister_speeches": {"*": "press_service/minister_speeches"},
    "briefings": {"*": "press_service/spokesman/briefings"},
    "answers": {"*": "press_service/spokesman/answers"},
    "comments": {"ru": "press_service/spokesman/kommentarii", "*": "press_service/spokesman/comments"},
    "official_statements": {"*": "press_service/spokesman/official_statement"},
    "deputy_speeches": {"ru": "press_service/deputy_ministers_speeches"},
}

SECTION_DEFAULT_KIND: dict[str, str] = {
    "news": "news",
    "minister_speeches": "speech",
    "briefings": "briefing",
    "answers": "interview",
    "comments": "comment",
    "official_statements": "statement",
    "deputy_speeches": "speech",
    # other paths that carry transcripts (§2.3), not crawled as sections
    "video_briefings": "briefing",
}

_EXTRA_PATHS = {"press_service/video/brifingi": "video_briefings"}

_PATH_TO_KEY: dict[str, str] = {
    path: key for key, paths in SECTIONS.items() for path in paths.values()
}
_PATH_TO_KEY.update(_EXTRA_PATHS)

_ID_RE = re.compile(r"^\d{6,8}$")
_UI_RE = re.compile(r"^[a-z]{2}$")


def listing_path(section: str, lang: str) -> str | None:
    """``("news", "en") -> "/en/foreign_policy/news/"``; None if the section has no such UI."""
    paths = SECTIONS.get(section)
    if paths is None:
        raise KeyError(f"unknown section {section!r}; known: {', '.join(SECTIONS)}")
    path = paths.get(lang) or paths.get("*")
    if path is None:
        return None
    return f"/{lang}/{path}/"


def section_paths(section: str) -> set[str]:
    """Every path (without UI prefix) under which a section key is known."""
    return set(SECTIONS[section].values())


def split_article_path(path: str) -> tuple[str | None, str | None, int | None]:
    """``"/ru/foreign_policy/news/1974990/" -> ("ru", "foreign_policy/news", 1974990)``.

    Any part that cannot be found is None (``ui`` when the path has no 2-letter prefix,
    ``source_id`` when no 6-8 digit segment). The section is the part between the UI prefix
    and the id (or the whole remaining path for a listing).
    """
    segs = [s for s in path.split("/") if s]
    ui = None
    if segs and _UI_RE.match(segs[0]):
        ui = segs.pop(0)
    source_id = None
    for i in range(len(segs) - 1, -1, -1):
        if _ID_RE.match(segs[i]):
            source_id = int(segs[i])
            segs = segs[:i]
            break
    section = "/".join(segs) or None
    return ui, section, source_id


def section_key(section_path: str | None) -> str | None:
    """Section key for a path (with or without UI prefix / id), or None if not a known section.

    Accepts a key itself too: ``section_key("briefings") == "briefings"``.
    """
    if not section_path:
        return None
    if section_path in SECTION_DEFAULT_KIND:
        return section_path
    if "://" in section_path:
        section_path = urlsplit(section_path).path
    stripped = section_path.strip("/")
    if stripped in _PATH_TO_KEY:
        return _PATH_TO_KEY[stripped]
    _, section, _ = split_article_path(section_path)
    if section is None:
        return None
    return _PATH_TO_KEY.get(section.strip("/"))


def section_key_from_url(url: str) -> str | None:
    """Section key of an article or listing URL (``?lang=`` and host are ignored)."""
    return section_key(urlsplit(url).path)


# --- kind classification -------------------------------------------------------------------

# Titles that report about something rather than being the thing itself.
_REPORT_PREFIX = re.compile(
    r"^\s*(?:«\s*)?(?:о|об|обо|к|в связи с|анонс|on|about|regarding|press release|announcement|"
    r"ankündigung|annonce|anuncio|anúncio|"
    r"über|zum|zur|zu|pressemitteilung|sur|à propos|au sujet|communiqué de presse|"
    r"sobre|acerca|comunicado de prensa|a propósito|nota à imprensa|comunicado à imprensa)\b",
    re.IGNORECASE,
)

_KIND_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("briefing", re.compile(
        r"брифинг|briefing|point de presse|rueda de prensa|sesión informativa|"
        r"conferência de imprensa", re.I)),
    ("interview", re.compile(
        r"интервью|\binterview|\bentretien|\bentrevue|\bentrevista|"
        r"ответ\w*\s.{0,120}?\bна\s+вопрос|"
        r"\banswers?\s+to\s+(?:\w+\s+){0,3}questions?|"
        r"\bantwort\w*\s+auf\s+(?:\w+\s+){0,3}fragen?|"
        r"\bréponses?\s+(?:aux|à\s+des|à\s+une|à\s+la)\s+(?:\w+\s+){0,3}questions?|"
        r"\brespuestas?\s+a\s+(?:\w+\s+){0,3}preguntas?|"
        r"\brespostas?\s+(?:às|a)\s+(?:\w+\s+){0,3}perguntas?", re.I)),
    ("speech", re.compile(
        r"выступлени|\bречь\b|\bстатья\b|\bremarks\b|\bspeech\b|\baddress\b|"
        r"\bstatement\s+by\b[^,.;]*?\s(?:at|to|during|before)\s|"
        r"\bopening\s+remarks|\barticle\b|\brede\b|\bansprache\b|\bdiscours\b|\ballocution\b|"
        r"\bintervention\b|\bdiscurso\b|\bintervención\b|\bintervenção\b|"
        # Opening words and greetings are speeches too (vступительное слово, приветствие...).
        r"вступительн\w*\s+слов|приветстви|\bgreetings?\b|\bmessage\s+(?:of|de)\b|"
        r"\ber[öo]ffnungsworte|\bgrußwort|\bpalabras\s+de\s+apertura|\bsaludo\b|"
        r"\bpropos\s+liminaires|\bmot\s+d.ouverture|\bmessage\s+de\s+salutation", re.I)),
    ("statement", re.compile(
        r"заявлени|\bstatement\b|\berklärung\b|\bstellungnahme\b|\bdéclaration\b|"
        r"\bdeclaración\b|\bdeclaração\b|\bcommuniqué\b", re.I)),
    ("comment", re.compile(
        r"комментари|\bcomments?\b|\bkommentar\b|\bcommentaire\b|\bcomentario\b|"
        r"\bcomentário\b", re.I)),
]


def classify_kind(section_path: str | None, title: str | None) -> str:
    """Kind of a document from its section (key or path) and title; see module docstring."""
    key = section_key(section_path) if section_path else None
    default = SECTION_DEFAULT_KIND.get(key or "", "news")
    text = (title or "").strip()
    if not text or _REPORT_PREFIX.match(text):
        return default
    best: tuple[int, int, str] | None = None
    for order, (kind, rx) in enumerate(_KIND_PATTERNS):
        m = rx.search(text)
        if m and (best is None or (m.start(), order) < best[:2]):
            best = (m.start(), order, kind)
    return best[2] if best else default
