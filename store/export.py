"""Export the corpus for other tools: one record per language variant (JSON lines or CSV)."""
from __future__ import annotations

import csv
import json
from typing import Any, Iterator, TextIO

import sqlite_utils

# Columns of one exported variant (current text), in order.
VARIANT_FIELDS = [
    "statement_id", "site", "source_id", "lang", "url", "kind", "section", "published_at", "document_number",
    "statement_status", "variant_status", "first_seen_at", "last_changed_at",
    "version", "title", "body", "paragraphs", "content_sha256", "captured_at", "parser_version",
    "payload_digest", "warc_file", "warc_offset",
]
# Columns of one version in --with-versions output.
VERSION_FIELDS = ["version", "title", "body", "paragraphs", "content_sha256", "captured_at", "parser_version",
                  "rederived", "published_at", "document_number", "payload_digest", "warc_file", "warc_offset"]

_VARIANTS_SQL = """
SELECT va.statement_id, s.site, s.source_id, va.lang, va.url, s.kind, s.section, s.published_at, s.document_number,
       s.status, va.status, va.first_seen_at, va.last_changed_at,
       v.version, v.title, v.body, v.paragraphs, v.content_sha256, v.captured_at, v.parser_version,
       v.payload_digest, v.warc_file, v.warc_offset
FROM variants va
JOIN statements s ON s.id = va.statement_id
JOIN versions v ON v.statement_id = va.statement_id AND v.lang = va.lang AND v.version = va.current_version
WHERE {where}
ORDER BY s.published_at, s.source_id, va.lang
"""


def iter_variants(db: sqlite_utils.Database, since: str | None = None, with_versions: bool = False,
                  langs: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Variants with their current text (paragraphs decoded), and every version when asked."""
    where, params = ["1"], []
    if since:
        where.append("s.published_at >= ?")
        params.append(since)
    if langs:
        where.append(f"va.lang IN ({','.join('?' * len(langs))})")
        params += langs
    cur = db.conn.execute(_VARIANTS_SQL.format(where=" AND ".join(where)), params)
    for row in cur.fetchall():
        item = dict(zip(VARIANT_FIELDS, row))
        item["paragraphs"] = json.loads(item["paragraphs"])
        if with_versions:
            vcur = db.conn.execute(
                f"SELECT {', '.join(VERSION_FIELDS)} FROM versions WHERE statement_id=? AND lang=? ORDER BY version",
                (item["statement_id"], item["lang"]))
            item["versions"] = []
            for vrow in vcur.fetchall():
                version = dict(zip(VERSION_FIELDS, vrow))
                version["paragraphs"] = json.loads(version["paragraphs"])
                version["rederived"] = bool(version["rederived"])
                item["versions"].append(version)
        yield item


def write_jsonl(items: Iterator[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for item in items:
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
        n += 1
    return n


CSV_VERSION_FIELDS = [f for f in VARIANT_FIELDS if f not in VERSION_FIELDS] + ["current"] + \
    [f for f in VERSION_FIELDS]


def write_csv(items: Iterator[dict[str, Any]], out: TextIO, with_versions: bool = False) -> int:
    """One row per variant (current text), or per version with `with_versions`; paragraphs as JSON text."""
    fields = CSV_VERSION_FIELDS if with_versions else VARIANT_FIELDS
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    n = 0
    for item in items:
        rows = []
        if with_versions:
            for version in item["versions"]:
                row = {k: item[k] for k in fields if k in item and k not in VERSION_FIELDS}
                row.update(version)
                row["current"] = int(version["version"] == item["version"])
                row["rederived"] = int(version["rederived"])
                rows.append(row)
        else:
            rows.append({k: item[k] for k in fields})
        for row in rows:
            row["paragraphs"] = json.dumps(row["paragraphs"], ensure_ascii=False)
            writer.writerow(row)
            n += 1
    return n
