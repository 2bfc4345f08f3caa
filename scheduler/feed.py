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
    # Page-derived plain text: no controls, bidi overrides or line breaks in titles and summaries.
    return safe_terminal(str(value or "")).replace("\n", " ").strip()


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
    link: str,
    updated: datetime | None = None,
) -> bytes:
    """Serialise ``changes`` (newest first) as an Atom document (UTF-8 bytes)."""
    items = sorted(changes, key=lambda c: (to_datetime(c["detected_at"]), str(c["id"])), reverse=True)

    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(_text(title))
    fg.link(href=link, rel="alternate")
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
