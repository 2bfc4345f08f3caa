"""What can be crawled: the sites, their section keys and the content languages (one vocabulary for all)."""
from __future__ import annotations

SITES = ("mid.ru", "archive.mid.ru")
DEFAULT_SITE = "mid.ru"

# Section keys per site; the crawler maps each key to the site's URL paths (crawler/sections.py,
# crawler/parsers/g1_urls.py).
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "mid.ru": ("news", "minister_speeches", "briefings", "answers", "comments", "official_statements",
               "deputy_speeches"),
    "archive.mid.ru": ("news", "minister_speeches", "briefings", "answers", "comments", "official_statements",
                       "deputy_speeches"),
}

# Content languages crawled by default: ru/en/de/fr/es/pt are confirmed on the site; "ar" content is
# confirmed but its interface is not.
LANGUAGES = ("ru", "en", "de", "fr", "es", "pt", "ar")


def check_sections(site: str, keys: tuple[str, ...] | list[str]) -> None:
    """Raise ValueError naming the first unknown section key of a site."""
    known = SECTION_KEYS[site]
    for key in keys:
        if key not in known:
            raise ValueError(f"unknown section {key!r} for {site}; choose from {', '.join(known)}")


def check_languages(langs: tuple[str, ...] | list[str]) -> None:
    """Raise ValueError naming the first unknown content language."""
    for lang in langs:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; choose from {', '.join(LANGUAGES)}")
