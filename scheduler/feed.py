"""Atom feed of detected changes (one entry per change), built with feedgen."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from feedgen.feed import FeedGenerator

from scheduler.diff.terminal import safe_terminal
from store.timestamps import to_datetime

# Characters XML 1.0 forbids; lxml refuses to serialise them, so one bad page must not break the feed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_KIND_LABELS = {"new": "new", "edited": "edited", "deleted": "deleted", "restored": "restored"}


def change_entry_id(change_id: Any) -> str:
    """The permanent Atom id of a change; never derived from mutable data such as titles or URLs."""
    return f"tag:ministry-watch,2026:change/{change_id}"


def _text(value: Any) -> str:
    # Page-derived plain text: no controls, bidi overrides, line breaks or XML-invalid characters (U+FFFF,
    # lone surrogates) in any field: lxml refuses to serialise those, and one bad title must not break the feed.
    return _XML_INVALID.sub("", safe_terminal(str(value or ""))).replace("\n", " ").strip()


def _http_url(url: Any) -> str | None:
    # Only http(s) links are emitted, so a hostile value can never become a javascript: link.
    url = _text(url)
    return url if re.match(r"(?i)https?://", url) else None


def entry_title(change: Mapping[str, Any]) -> str:
    """E.g. "[edited] Брифинг официального представителя МИД России (ru)"."""
    kind = _KIND_LABELS.get(str(change.get("kind")), _text(change.get("kind")) or "change")
    if kind == "edited" and change.get("cosmetic"):
        kind = "edited, cosmetic"
    title = _text(change.get("title")) or f"statement {change.get('statement_id')}"
    lang = _text(change.get("lang"))
    return f"[{kind}] {title} ({lang})" if lang else f"[{kind}] {title}"


def _content(change: Mapping[str, Any], url: str | None) -> str:
    diff_html = change.get("diff_html")
    if diff_html:
        # Our own render_html output: already escaped; only XML-illegal characters are removed.
        body = _XML_INVALID.sub("", str(diff_html))
    else:
        body = f"<p>{html.escape(_text(change.get('summary')) or _text(change.get('kind')))}</p>"
    if url:
        href = html.escape(url, quote=True)
        body += f'\n<p><a href="{href}">{href}</a></p>'
    return body


def build_atom_feed(
    changes: Sequence[Mapping[str, Any]],
    *,
    feed_id: str,
    title: str,
    link: str | None = None,
    self_link: str | None = None,
    updated: datetime | None = None,
) -> bytes:
    """Serialise ``changes`` (newest first) as an Atom document (UTF-8 bytes).

    `self_link` is the address the feed is published at (rel="self", which RFC 4287 recommends but does not
    require), `link` a page the feed is about (rel="alternate"); each only if it is http(s). A local file's
    path is never published: the feed's identity is its tag URI `feed_id`.
    """
    items = sorted(changes, key=lambda c: (to_datetime(c["detected_at"]), str(c["id"])), reverse=True)

    fg = FeedGenerator()
    fg.id(_text(feed_id))
    fg.title(_text(title))
    for href, rel in ((_http_url(self_link), "self"), (_http_url(link), "alternate")):
        if href:
            fg.link(href=href, rel=rel)
    fg.author({"name": "ministry-watch"})
    fg.generator("ministry-watch")
    if updated is not None:
        fg.updated(to_datetime(updated))
    elif items:
        fg.updated(to_datetime(items[0]["detected_at"]))
    else:
        fg.updated(datetime.now(timezone.utc))

    for change in items:
        fe = fg.add_entry(order="append")
        when = to_datetime(change["detected_at"])
        url = _http_url(change.get("url"))
        fe.id(change_entry_id(change["id"]))
        fe.title(entry_title(change))
        if url:
            fe.link(href=url, rel="alternate")
        fe.updated(when)
        fe.published(when)
        summary = _text(change.get("summary"))
        if summary:
            fe.summary(summary)
        fe.content(_content(change, url), type="html")
        for term in (change.get("kind"), change.get("lang")):
            if term:
                fe.category(term=_text(term))
    return fg.atom_str(pretty=True)
