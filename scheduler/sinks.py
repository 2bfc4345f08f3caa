"""Send detected changes to sinks (Atom file, JSON-lines file, Apprise) exactly once per sink."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils

from scheduler.diff.compute import diff_versions
from scheduler.diff.html_format import render_html
from store.changes import change_rows
from store.emissions import record_deliveries
from store.timestamps import utcnow
from store.versions import load_version


class SinkError(Exception):
    """A sink could not deliver; the change stays pending for the next emission."""


class Sink(Protocol):
    name: str

    def send(self, changes: list[dict[str, Any]]) -> None: ...


def with_html_diff(db: sqlite_utils.Database, change: dict[str, Any]) -> dict[str, Any]:
    """Add `diff_html` (an escaped HTML diff) for edited changes."""
    out = dict(change)
    out["diff_html"] = None
    if change["kind"] == "edited" and change["from_version"] and change["to_version"]:
        old = load_version(db, change["statement_id"], change["lang"], change["from_version"])
        new = load_version(db, change["statement_id"], change["lang"], change["to_version"])
        if old and new:
            out["diff_html"] = render_html(diff_versions(old, new), title=new["title"])
    return out


@dataclass
class JsonlSink:
    """Appends one JSON object per change to a file; re-reads the file's tail so a crash never duplicates."""

    path: Path
    name: str = "jsonl"

    def __post_init__(self) -> None:
        self.name = f"jsonl:{self.path}"

    def _already_written(self) -> set[int]:
        if not self.path.exists():
            return set()
        done: set[int] = set()
        with self.path.open("rb") as fh:
            fh.seek(max(0, self.path.stat().st_size - 1_000_000))
            for line in fh.read().splitlines():
                try:
                    done.add(int(json.loads(line)["change_id"]))
                except (ValueError, KeyError, TypeError):
                    continue
        return done

    def send(self, changes: list[dict[str, Any]]) -> None:
        done = self._already_written()
        try:
            torn = False
            if self.path.exists() and self.path.stat().st_size:
                with self.path.open("rb") as tail:
                    tail.seek(-1, os.SEEK_END)
                    torn = tail.read(1) != b"\n"
            with self.path.open("a", encoding="utf-8") as fh:
                if torn:
                    # A crash cut the last line short: end it, so the next record starts on its own line
                    # (the torn record did not parse, so it is written again below).
                    fh.write("\n")
                for change in changes:
                    if change["id"] in done:
                        continue
                    record = {"change_id": change["id"], **{k: change[k] for k in (
                        "statement_id", "lang", "kind", "cosmetic", "from_version", "to_version", "detected_at",
                        "summary", "title", "url", "diff")}}
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc.strerror}") from None


@dataclass
class AtomSink:
    """Rewrites an Atom feed file with the latest `keep` changes (atomic replace; entry ids are stable)."""

    path: Path
    db: sqlite_utils.Database
    keep: int = 200
    name: str = "atom"

    def __post_init__(self) -> None:
        self.name = f"atom:{self.path}"

    def send(self, changes: list[dict[str, Any]]) -> None:
        from scheduler.feed import build_atom_feed

        latest = change_rows(self.db, newest=self.keep)
        entries = [with_html_diff(self.db, c) for c in latest]
        data = build_atom_feed(entries, feed_id="tag:ministry-watch,2026:changes",
                               title="ministry-watch: changes to mid.ru statements",
                               link=self.path.resolve().as_uri())
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc.strerror}") from None


@dataclass
class AppriseSink:
    """One notification per change through Apprise (mail, Matrix, Telegram, Slack, JSON webhooks...)."""

    url: str
    name: str = "apprise"

    def __post_init__(self) -> None:
        scheme = self.url.split("://", 1)[0]
        # Stable across processes (hash() is salted per process), without putting secrets in the db.
        self.name = f"apprise:{scheme}:{hashlib.sha256(self.url.encode()).hexdigest()[:12]}"
        try:
            import apprise  # noqa: F401
        except ImportError:
            raise SinkError("the Apprise sink needs the extra: pip install 'ministry-watch[notify]'") from None

    def send(self, changes: list[dict[str, Any]]) -> None:
        import apprise

        notifier = apprise.Apprise()
        if not notifier.add(self.url):
            raise SinkError(f"Apprise does not understand the URL scheme of {self.url.split('://', 1)[0]}://")
        for change in changes:
            body = f"{change['summary']}\n{change.get('url') or ''}\n\n{(change.get('diff') or '')[:3000]}"
            if not notifier.notify(title=f"[{change['kind']}] {change.get('title') or change['statement_id']}",
                                   body=body):
                raise SinkError(f"Apprise could not deliver change {change['id']}")


def make_sinks(db: sqlite_utils.Database, *, atom: str | None = None, jsonl: str | None = None,
               notify: tuple[str, ...] = ()) -> list[Any]:
    """The sinks a cycle delivers to; SinkError for one that cannot be set up (e.g. Apprise missing)."""
    sinks: list[Any] = []
    if atom:
        sinks.append(AtomSink(Path(atom), db))
    if jsonl:
        sinks.append(JsonlSink(Path(jsonl)))
    sinks += [AppriseSink(url) for url in notify]
    return sinks


def emit(db: sqlite_utils.Database, sinks: list[Any], *, now: str | None = None) -> dict[str, int]:
    """Send every change a sink has not had yet; record each delivery, so it happens once per sink."""
    sent: dict[str, int] = {}
    for sink in sinks:
        pending = change_rows(db, not_sent_to=sink.name)
        if not pending:
            sent[sink.name] = 0
            continue
        sink.send([with_html_diff(db, c) if isinstance(sink, AtomSink) else c for c in pending])
        record_deliveries(db, sink.name, [c["id"] for c in pending], now or utcnow())
        sent[sink.name] = len(pending)
    return sent
