"""The citation block of one version: where it was published, when it was captured, where the page is archived."""
from __future__ import annotations

from typing import Any, Mapping

from scheduler.diff.terminal import inline
from scheduler.reading_room.templating import lang_name, published, utc

PUBLISHER = "Ministry of Foreign Affairs of the Russian Federation"


def citation(statement: Mapping[str, Any], variant: Mapping[str, Any], version: Mapping[str, Any],
             permalink: str, record: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything a reader needs to cite one version, and a ready-to-paste line.

    ``version`` is a row of store.reading_room.versions (title, captured_at, published_at, WARC location),
    ``record`` the WARC record's index row when there is one (its WARC-Record-ID).
    """
    title = inline(version.get("title") or variant.get("title") or "")
    when = version.get("published_at") or statement.get("published_at")
    lang = variant["lang"]
    before, after = f"{PUBLISHER}, “", f"” ({lang_name(lang)})"
    parts = [f"{before}{title}{after}",
             f"Published {published(when)}" if when else "Publication time not shown",
             inline(variant.get("url") or "")]
    archived = f"Version {version['version']}, captured {utc(version.get('captured_at'))}"
    if version.get("warc_file"):
        archived += (f", WARC {inline(version['warc_file'])} offset {version.get('warc_offset')},"
                     f" payload {inline(version.get('payload_digest') or '')}")
    parts += [archived, f"Archived by ministry-watch: {permalink}"]
    return {
        "url": variant.get("url"), "title": version.get("title"), "lang": lang, "published_at": when,
        "captured_at": version.get("captured_at"), "version": version["version"],
        "warc_file": version.get("warc_file"), "warc_offset": version.get("warc_offset"),
        "payload_digest": version.get("payload_digest"),
        "record_id": (record or {}).get("record_id"), "document_number": version.get("document_number"),
        "permalink": permalink, "line": ". ".join(p for p in parts if p) + ".",
        # The same line in three pieces, so a page can mark the title's language.
        "line_parts": (before, title, after + ". " + ". ".join(p for p in parts[1:] if p) + "."),
    }
