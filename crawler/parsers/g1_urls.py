"""URLs of the older portal (G1, Liferay asset publisher; ``archive.mid.ru``). Pure helpers.

Article URLs (reference ``mid-ru-site.md`` §3.1)::

    /<lang>/<section>/-/asset_publisher/<instance>/content/id/<assetId>
    /<section>/-/asset_publisher/<instance>/content/id/<assetId>
        ?p_p_id=101_INSTANCE_<instance>&_101_INSTANCE_<instance>_languageId=en_GB

The prefix may also be a locale (``/en_GB/``). The content language is the ``languageId``
portlet parameter when present, else the prefix.

Canonical article URL (what the parser puts in ``url`` and ``languages``)::

    <scheme>://<host>/<lang>/<section>/-/asset_publisher/<instance>/content/id/<assetId>
        ?p_p_id=101_INSTANCE_<instance>&_101_INSTANCE_<instance>_languageId=<ll_CC>

i.e. both addressing forms at once (the language prefix *and* the portlet parameter, exactly
as Liferay's language switcher appends it), so the URL selects the right translation whichever
of the two a server honours. Scheme and host are those of the URL the page was fetched from.

Listing URLs (§3.3): ``/<lang>/<section>`` plus the asset publisher parameter set with
``_101_INSTANCE_<instance>_cur=<page>`` (1-based) and ``_101_INSTANCE_<instance>_delta=<size>``.

``ARCHIVE_SECTIONS`` maps the project's section keys (``crawler.sections.SECTIONS``) to the
portal's section path and asset-publisher instance id (§3.2).
"""
from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

__all__ = [
    "SITE",
    "ARCHIVE_HOSTS",
    "ARCHIVE_LANGS",
    "LOCALES",
    "ARCHIVE_SECTIONS",
    "locale_to_lang",
    "G1Url",
    "split_g1_url",
    "is_g1_url",
    "canonical_article_url",
    "listing_url",
    "listing_query",
    "section_instance",
    "prefix_of",
    "absolute",
]

SITE = "archive.mid.ru"
ARCHIVE_HOSTS = frozenset({"archive.mid.ru", "www.mid.ru", "mid.ru"})
# Locales of the portal (§4): content language -> Liferay locale id.
LOCALES = {"ru": "ru_RU", "en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}
ARCHIVE_LANGS = tuple(LOCALES)

# section key -> (path without language prefix, asset publisher instance id)   (§3.2)
ARCHIVE_SECTIONS: dict[str, tuple[str, str]] = {
    "news": ("foreign_policy/news", "cKNonkJE02Bw"),
    "minister_speeches": ("press_service/minister_speeches", "7OvQR5KJWVmR"),
    "deputy_speeches": ("press_service/deputy_ministers_speeches", "O3publba0Cjv"),
    "briefings": ("press_service/spokesman/briefings", "D2wHaWMCU6Od"),
    "answers": ("press_service/spokesman/answers", "OyrhusXGz9Lz"),
    "official_statements": ("press_service/spokesman/official_statement", "t2GCdmD8RNIr"),
    "comments": ("kommentarii", "2MrVt3CzL5sw"),
}

_ARTICLE = re.compile(
    r"^(?:/(?P<prefix>[A-Za-z]{2}(?:[_-][A-Za-z]{2})?))?/(?P<section>(?:[^/]+/)*?[^/]+)"
    r"/-/asset_publisher/(?P<instance>[A-Za-z0-9]+)/content/id/(?P<asset>\d+)(?:/.*)?$"
)
_PREFIX = re.compile(r"^/(?P<prefix>[A-Za-z]{2}(?:_[A-Za-z]{2})?)(?=/|$)")
_LANG_PARAM = re.compile(r"^_101_INSTANCE_(?P<instance>[A-Za-z0-9]+)_languageId$")
_LOCALE = re.compile(r"^(?P<ll>[A-Za-z]{2})(?:[_-][A-Za-z]{2})?\d*$")


def locale_to_lang(value: str | None) -> str | None:
    """``"de_DE"``/``"de-DE"``/``"de-DE1"``/``"de"`` -> ``"de"``; None if it does not look like one."""
    m = _LOCALE.match((value or "").strip())
    return m.group("ll").lower() if m else None


class G1Url(NamedTuple):
    """Parts of an article URL; ``lang`` is the requested content language (may be None)."""

    lang: str | None
    prefix_lang: str | None
    section: str
    instance: str
    asset_id: int


def _param_lang(query: dict[str, list[str]], instance: str | None = None) -> str | None:
    for key, values in query.items():
        m = _LANG_PARAM.match(key)
        if m and values and (instance is None or m.group("instance") == instance):
            lang = locale_to_lang(values[0])
            if lang:
                return lang
    return None


def split_g1_url(url: str) -> G1Url | None:
    """Parts of a G1 article URL, or None if the URL is not one.

    ``lang`` is the content language the URL asks for (``languageId`` parameter, else the
    prefix), None when neither is present (the portal then shows its default, Russian).
    """
    parts = urlsplit(url)
    m = _ARTICLE.match(parts.path)
    if not m:
        return None
    prefix_lang = locale_to_lang(m.group("prefix")) if m.group("prefix") else None
    section = m.group("section")
    instance = m.group("instance")
    query = parse_qs(parts.query, keep_blank_values=True)
    lang = _param_lang(query, instance) or _param_lang(query) or prefix_lang
    return G1Url(lang, prefix_lang, section, instance, int(m.group("asset")))


def is_g1_url(url: str) -> bool:
    """True for URLs of the portal's asset publisher (article or listing with ``p_p_id``)."""
    parts = urlsplit(url)
    if "/-/asset_publisher/" in parts.path:
        return True
    return any(v.startswith("101_INSTANCE_") for v in parse_qs(parts.query).get("p_p_id", []))


def _base(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "https", SITE
    return parts.scheme, parts.netloc


def canonical_article_url(base_url: str, lang: str, section: str, instance: str, asset_id: int) -> str:
    """The canonical form (module docstring) on ``base_url``'s scheme and host."""
    scheme, netloc = _base(base_url)
    locale = LOCALES.get(lang, lang)
    query = urlencode([("p_p_id", f"101_INSTANCE_{instance}"),
                       (f"_101_INSTANCE_{instance}_languageId", locale)])
    path = f"/{lang}/{section.strip('/')}/-/asset_publisher/{instance}/content/id/{asset_id}"
    return urlunsplit((scheme, netloc, path, query, ""))


def listing_query(instance: str, page: int = 1, delta: int = 20) -> list[tuple[str, str]]:
    """The asset publisher's paging parameter set (§3.3), in the portal's order."""
    ns = f"_101_INSTANCE_{instance}_"
    return [
        ("p_p_id", f"101_INSTANCE_{instance}"), ("p_p_lifecycle", "0"), ("p_p_state", "normal"),
        ("p_p_mode", "view"), ("p_p_col_id", "column-1"), ("p_p_col_pos", "1"),
        ("p_p_col_count", "2"), (ns + "delta", str(delta)), (ns + "keywords", ""),
        (ns + "advancedSearch", "false"), (ns + "andOperator", "true"),
        ("p_r_p_564233524_resetCur", "false"), (ns + "cur", str(page)),
    ]


def listing_url(base_url: str, lang: str, section: str, instance: str, page: int = 1,
                delta: int = 20) -> str:
    """``<base>/<lang>/<section>?p_p_id=…&…_delta=…&…_cur=<page>``."""
    scheme, netloc = _base(base_url)
    path = f"/{lang}/{section.strip('/')}"
    return urlunsplit((scheme, netloc, path, urlencode(listing_query(instance, page, delta)), ""))


def section_instance(section_path: str) -> str | None:
    """Instance id of a known section path (``"foreign_policy/news"`` -> ``"cKNonkJE02Bw"``)."""
    wanted = section_path.strip("/")
    for path, instance in ARCHIVE_SECTIONS.values():
        if path == wanted:
            return instance
    return None


def prefix_of(path: str) -> str | None:
    """Language of a ``/xx/`` or ``/xx_YY/`` path prefix, if any."""
    m = _PREFIX.match(path)
    return locale_to_lang(m.group("prefix")) if m else None


def absolute(base: str, href: str) -> str:
    """``href`` made absolute against ``base``; links to the portal's hosts (archive.mid.ru,
    www.mid.ru) are moved to ``base``'s scheme and host, so a crawl of a mirror stays there."""
    from urllib.parse import urljoin

    joined = urljoin(base, (href or "").strip())
    b = urlsplit(base)
    j = urlsplit(joined)
    if j.scheme in ("http", "https") and j.hostname in ARCHIVE_HOSTS and j.netloc != b.netloc \
            and b.scheme in ("http", "https") and b.netloc:
        joined = urlunsplit((b.scheme, b.netloc, j.path, j.query, ""))
    return joined
