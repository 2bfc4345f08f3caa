"""The article record both portals' parsers return (``docs/ARCHITECTURE.md``), built in one place."""
from __future__ import annotations

from typing import NamedTuple

from crawler.sections import classify_kind
from store.paragraphs import join_body

from .errors import NotAnArticle

__all__ = ["PageIdentity", "article_record"]


class PageIdentity(NamedTuple):
    """Which statement and language variant a page says it is (both portals' parsers read it)."""

    source_id: int
    lang: str
    section: str | None
    url: str                  # canonical
    languages: dict[str, str]


def article_record(*, site: str, source_id: int, lang: str, url: str, section: str | None, title: str,
                   published_at: str | None, document_number: str | None, languages: dict[str, str],
                   paragraphs: list[dict], parser_version: str) -> dict:
    """The record, keys in their documented order; ``kind`` and ``body`` derived here.

    Raises ``NotAnArticle`` when there are no paragraphs: never a record without a body.
    """
    if not paragraphs:
        raise NotAnArticle("empty body")
    return {
        "site": site,
        "source_id": source_id,
        "lang": lang,
        "url": url,
        "section": section,
        "title": title,
        "published_at": published_at,
        "document_number": document_number,
        "kind": classify_kind(section, title),
        "languages": languages,
        "paragraphs": paragraphs,
        "body": join_body(paragraphs),
        "parser_version": parser_version,
    }
