"""Where each reading-room page lives: under Datasette (`/-/statement/<id>?lang=..`) or as files of the static site."""
from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import quote, urlencode

from store.ids import site_of, source_id_of

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def _query(params: Mapping[str, Any]) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs += [(key, str(v)) for v in values if v not in (None, "", False)]
    return ("?" + urlencode(pairs)) if pairs else ""


class ServerLinks:
    """Links inside Datasette; ``base`` is Datasette's base_url ("/" unless it is served under a prefix)."""

    static = False

    def __init__(self, base: str = "/", origin: str = "") -> None:
        self.base = base if base.endswith("/") else base + "/"
        self.origin = origin.rstrip("/")   # scheme://host of the request, for absolute permalinks

    def start(self) -> str:
        return f"{self.base}-/reading-room"

    def css(self) -> str:
        return f"{self.base}-/reading-room/style.css"

    def statement(self, sid: str, lang: str | None = None, version: int | None = None,
                  against: str | None = None) -> str:
        return (f"{self.base}-/statement/{quote(sid, safe=':')}"
                + _query({"lang": lang, "version": version, "against": against}))

    def changes(self, **params: Any) -> str:
        return f"{self.base}-/changes" + _query(params)

    def changes_atom(self, **params: Any) -> str:
        return f"{self.base}-/changes.atom" + _query(params)

    def search(self, **params: Any) -> str:
        return f"{self.base}-/search" + _query(params)

    def datasette(self, path: str) -> str | None:
        """A Datasette page (a table, a view, a canned query) under the base; None on the static site."""
        return self.base + path.lstrip("/")

    def absolute(self, link: str) -> str:
        return self.origin + link if self.origin and link.startswith("/") else link


class StaticLinks:
    """Relative links between the static site's files, from a page ``depth`` directories below the root.

    A statement lives in statement/<site>/<numeric id>/: index.html (its first language, current text),
    <lang>.html, <lang>-v<N>.html (each version: the permalinks) and <lang>-vs-<other>.html (two languages).
    """

    static = True

    def __init__(self, depth: int = 0, site_url: str = "") -> None:
        self.root = "../" * depth
        self.site_url = site_url.rstrip("/")

    def start(self) -> str:
        return f"{self.root}index.html"

    def css(self) -> str:
        return f"{self.root}style.css"

    def statement(self, sid: str, lang: str | None = None, version: int | None = None,
                  against: str | None = None) -> str:
        return f"{self.root}{statement_path(sid, lang, version, against)}"

    def changes(self, **params: Any) -> str:
        page = params.get("page")
        return f"{self.root}changes/{'p%d.html' % page if page is not None else 'index.html'}"

    def changes_atom(self, **params: Any) -> str:
        return f"{self.root}changes.atom"

    def search(self, **params: Any) -> str | None:
        return None

    def datasette(self, path: str) -> str | None:
        return None

    def absolute(self, link: str) -> str:
        """The published address of a link (needs `crawl site --url`), else the link itself."""
        if not self.site_url:
            return link
        path = link[len(self.root):] if self.root and link.startswith(self.root) else link
        return f"{self.site_url}/{path}"


def statement_dir(sid: str) -> str:
    """The statement's directory in the static site: statement/<site>/<numeric id> (safe characters only)."""
    source = source_id_of(sid)
    tail = str(source) if source is not None else sid.rpartition(":")[2]
    return f"statement/{_SAFE.sub('_', site_of(sid))}/{_SAFE.sub('_', tail)}"


def statement_path(sid: str, lang: str | None = None, version: int | None = None, against: str | None = None) -> str:
    """The statement page's file, relative to the static site's root."""
    if lang is None:
        name = "index.html"
    elif against:
        name = f"{_SAFE.sub('_', lang)}-vs-{_SAFE.sub('_', against)}.html"
    elif version is not None:
        name = f"{_SAFE.sub('_', lang)}-v{int(version)}.html"
    else:
        name = f"{_SAFE.sub('_', lang)}.html"
    return f"{statement_dir(sid)}/{name}"
