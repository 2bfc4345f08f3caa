"""Export the corpus for other tools: one record per language variant (JSON lines or CSV), written so that no
page text can act on the terminal, viewer or spreadsheet that shows it."""
from __future__ import annotations

import csv
import json
import re
from typing import Any, Iterator, TextIO

import sqlite_utils

from store.sources import WARC_OF_VERSION
from store.texts import paragraphs_of

# Columns of one exported variant (current text), in order.
VARIANT_FIELDS = [
    "statement_id", "site", "source_id", "lang", "url", "kind", "section", "published_at", "document_number",
    "statement_status", "variant_status", "first_seen_at", "last_changed_at",
    "version", "title", "body", "paragraphs", "content_sha256", "captured_at", "parser_version",
    "payload_digest", "warc_file", "warc_offset",
]
# Columns of one version in --with-versions output.
VERSION_FIELDS = ["version", "title", "body", "paragraphs", "content_sha256", "captured_at", "parser_version",
                  "rederived", "published_at", "document_number", "payload_digest", "warc_file", "warc_offset",
                  "source", "evidence_url", "evidence_digest"]

_VARIANTS_SQL = """
SELECT va.statement_id, s.site, s.source_id, va.lang, va.url, s.kind, s.section, s.published_at, s.document_number,
       s.status, va.status, va.first_seen_at, va.last_changed_at,
       v.version, v.title, v.body, v.layout, v.content_sha256, v.captured_at, v.parser_version,
       w.payload_digest, w.warc_file, w.warc_offset, {kept}
FROM variants va
JOIN statements s ON s.id = va.statement_id
JOIN versions v ON v.statement_id = va.statement_id AND v.lang = va.lang AND v.version = va.current_version
{warc}
WHERE {where}
ORDER BY s.published_at, s.source_id, va.lang
"""
# The paragraphs are stored as a layout over the body, or kept as JSON (store/texts.py): selected after the fields.
_KEPT = "(SELECT p.paragraphs FROM version_paragraphs p WHERE p.version_id = v.id)"


# Characters a JSON text may carry raw but a terminal or viewer would act on: DEL and the C1 controls (U+009B
# is a one-byte CSI), bidi marks, embeddings, overrides and isolates, zero-width and line-separator characters,
# lone surrogates. json.dumps already escapes C0; these are escaped too (\uXXXX: the data is unchanged).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069"
                          "\ufeff\ufff9-\ufffb\ud800-\udfff]")
# Control characters (C0 but tab and line breaks, DEL, C1: ESC, BEL, CSI ...) and the bidi embeddings,
# overrides and isolates, which CSV cannot escape: they are left out of every cell.
_CSV_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A cell starting with one of these is a formula (or becomes one) in spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_json_text(text: str) -> str:
    """A JSON text with every character that could act on a terminal escaped (\\uXXXX); Cyrillic and other
    letters stay readable. These characters only occur inside strings, where the escape means the same."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_line(obj: Any) -> str:
    """One object as a line of JSON for people and programs: UTF-8 text readable, controls and bidi escaped."""
    return safe_json_text(json.dumps(obj, ensure_ascii=False))


def safe_cell(value: Any, *, raw: bool = False) -> Any:
    """A CSV cell without control or bidi-override characters; unless `raw`, text that a spreadsheet would
    run as a formula gets a leading apostrophe (shown as text, as OWASP advises)."""
    if not isinstance(value, str):
        return value
    value = _CSV_UNSAFE.sub("", value)
    return "'" + value if not raw and value.startswith(_FORMULA_START) else value


def since_condition(column: str, since: str) -> tuple[str, str]:
    """SQL for `column >= since`: a date compares with the stored text (the page's own calendar day), a
    timestamp (a relative --since such as 12h) as an instant, whatever offset the column carries."""
    if "T" in since:
        return f"datetime({column}) >= datetime(?)", since
    return f"{column} >= ?", since


def iter_variants(db: sqlite_utils.Database, since: str | None = None, with_versions: bool = False,
                  langs: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Variants with their current text (paragraphs decoded), and every version when asked."""
    where, params = ["1"], []
    if since:
        condition, value = since_condition("s.published_at", since)
        where.append(condition)
        params.append(value)
    if langs:
        where.append(f"va.lang IN ({','.join('?' * len(langs))})")
        params += langs
    cur = db.conn.execute(_VARIANTS_SQL.format(where=" AND ".join(where), kept=_KEPT, warc=WARC_OF_VERSION), params)
    warc = {"payload_digest", "warc_file", "warc_offset"}   # said by the version's WARC record
    version_columns = ", ".join("v.layout" if f == "paragraphs" else f"w.{f}" if f in warc else f"v.{f}"
                                for f in VERSION_FIELDS)
    for row in cur.fetchall():
        item = dict(zip(VARIANT_FIELDS, row))
        item["paragraphs"] = paragraphs_of(item["body"], item["paragraphs"], row[-1])
        if with_versions:
            vcur = db.conn.execute(
                f"SELECT {version_columns}, {_KEPT} FROM versions v {WARC_OF_VERSION}"
                " WHERE v.statement_id=? AND v.lang=?"
                " ORDER BY v.version", (item["statement_id"], item["lang"]))
            item["versions"] = []
            for vrow in vcur.fetchall():
                version = dict(zip(VERSION_FIELDS, vrow))
                version["paragraphs"] = paragraphs_of(version["body"], version["paragraphs"], vrow[-1])
                version["rederived"] = bool(version["rederived"])
                item["versions"].append(version)
        yield item


def write_jsonl(items: Iterator[dict[str, Any]], out: TextIO) -> int:
    """One JSON object per line (see `json_line`); how many."""
    n = 0
    for item in items:
        out.write(json_line(item) + "\n")
        n += 1
    return n


CSV_VERSION_FIELDS = [f for f in VARIANT_FIELDS if f not in VERSION_FIELDS] + ["current"] + \
    [f for f in VERSION_FIELDS]


def write_csv(items: Iterator[dict[str, Any]], out: TextIO, with_versions: bool = False, *, raw_cells: bool = False,
              bom: bool = False) -> int:
    """One row per variant (current text), or per version with `with_versions`; paragraphs as JSON text. Cells
    are made safe (`safe_cell`); `bom` starts the file with a UTF-8 byte order mark for spreadsheet programs."""
    fields = CSV_VERSION_FIELDS if with_versions else VARIANT_FIELDS
    if bom:
        out.write(BOM)
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
            row["paragraphs"] = json_line(row["paragraphs"])
            writer.writerow({k: safe_cell(v, raw=raw_cells) for k, v in row.items()})
            n += 1
    return n
