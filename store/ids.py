"""Statement ids: '<site>:<numeric id>', and reading the short forms people type."""
from __future__ import annotations

DEFAULT_SITE = "mid.ru"


def statement_id(site: str, source_id: int | str) -> str:
    """The stable id of a statement: '<site>:<numeric id>'.

    >>> statement_id("mid.ru", 1974990)
    'mid.ru:1974990'
    """
    return f"{site}:{source_id}"


def statement_ref(text: str, site: str = DEFAULT_SITE) -> str:
    """A statement id as a user typed it: `1974990` means the current site's, a full id stays as it is.

    >>> statement_ref("1974990"), statement_ref("archive.mid.ru:3929435")
    ('mid.ru:1974990', 'archive.mid.ru:3929435')
    """
    text = text.strip()
    return statement_id(site, text) if text.isdigit() else text


def source_id_of(sid: str) -> int | None:
    """The numeric id of a statement id, or None when it has none."""
    tail = sid.rpartition(":")[2]
    return int(tail) if tail.isdigit() else None


def site_of(sid: str) -> str:
    """The site part of a statement id."""
    return sid.partition(":")[0]
