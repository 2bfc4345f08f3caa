"""Send detected changes to sinks (Atom file, JSON-lines file, Apprise): each change a sink is owed, exactly once.

A sink is owed the changes recorded after it was added (store/emissions.py; --backlog: all of them), except
the database's first fill (--announce-initial: those too). Every delivery is recorded as it happens, so a sink
that fails part-way gets only the rest next time, and one sink's failure never stops another.
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import sqlite_utils

from scheduler.diff.compute import diff_versions
from scheduler.diff.html_format import render_html
from scheduler.diff.terminal import safe_terminal
from store.changes import change_rows
from store.emissions import delivered_ids, record_deliveries, register_sinks, sink_start
from store.export import json_line
from store.timestamps import utcnow
from store.versions import load_version

FEED_ID = "tag:ministry-watch,2026:changes"
FEED_TITLE = "ministry-watch: changes to mid.ru statements"
JSONL_FIELDS = ("statement_id", "lang", "kind", "cosmetic", "from_version", "to_version", "detected_at", "summary",
                "title", "url", "diff")
NOTIFY_DIFF_CHARS = 3000

Delivered = Callable[[list[int]], None]


class SinkError(Exception):
    """A sink could not deliver, or cannot be set up; the message is one line for the user."""


class Sink(Protocol):
    name: str      # the key of its deliveries in the store (never a secret)
    label: str     # how messages name it

    def send(self, changes: list[dict[str, Any]], delivered: Delivered) -> None: ...


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
    label: str = "--jsonl"

    def __post_init__(self) -> None:
        self.name = f"jsonl:{self.path}"
        self.label = f"--jsonl {self.path}"

    def _already_written(self) -> set[int]:
        import json

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

    def send(self, changes: list[dict[str, Any]], delivered: Delivered | None = None) -> None:
        try:
            done = self._already_written()
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
                    record = {"change_id": change["id"], **{k: change.get(k) for k in JSONL_FIELDS}}
                    fh.write(json_line(record) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc.strerror}") from None
        if delivered:
            delivered([c["id"] for c in changes])


@dataclass
class AtomSink:
    """Rewrites an Atom feed file with the latest `keep` changes this sink has been owed (atomic replace; entry
    ids are stable). The file is rewritten only when its content changes."""

    path: Path
    db: sqlite_utils.Database
    feed_url: str | None = None
    keep: int = 200
    name: str = "atom"
    label: str = "--atom"
    send_when_idle: bool = True   # written even with nothing new: a new feed exists from its first run on

    def __post_init__(self) -> None:
        self.name = f"atom:{self.path}"
        self.label = f"--atom {self.path}"

    def send(self, changes: list[dict[str, Any]], delivered: Delivered | None = None) -> None:
        from scheduler.feed import build_atom_feed

        ids = sorted({*delivered_ids(self.db, self.name, self.keep), *(c["id"] for c in changes)})[-self.keep:]
        entries = [with_html_diff(self.db, c) for c in change_rows(self.db, ids=ids)]
        data = build_atom_feed(entries, feed_id=FEED_ID, title=FEED_TITLE, self_link=self.feed_url)
        try:
            if not self.path.exists() or self.path.read_bytes() != data:
                tmp = self.path.with_name(self.path.name + ".tmp")
                tmp.write_bytes(data)
                os.replace(tmp, self.path)
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc.strerror}") from None
        if delivered and changes:
            delivered([c["id"] for c in changes])


def notification(change: dict[str, Any]) -> tuple[str, str]:
    """The (title, body) of one change as plain text: no control, bidi or zero-width characters from a page."""
    title = change.get("title") or change["statement_id"]
    head = safe_terminal(f"[{change['kind']}] {title} ({change['lang']})").replace("\n", " ")
    diff = (change.get("diff") or "")[:NOTIFY_DIFF_CHARS]
    body = safe_terminal(f"{change['summary']}\n{change.get('url') or ''}\n\n{diff}".rstrip())
    return head, body


@dataclass
class AppriseSink:
    """One notification per change through Apprise (mail, Matrix, Telegram, Slack, JSON webhooks...), sent as
    plain text (Apprise escapes it for HTML or Markdown services); each delivery recorded as it succeeds."""

    url: str
    index: int = 1
    name: str = "apprise"
    label: str = "--notify"

    def __post_init__(self) -> None:
        scheme = self.url.split("://", 1)[0]
        # Stable across processes (hash() is salted per process), without putting secrets in the db.
        self.name = f"apprise:{scheme}:{hashlib.sha256(self.url.encode()).hexdigest()[:12]}"
        self.label = f"--notify #{self.index} ({scheme}://...)"   # the URL itself may hold a password or token
        self.notifier = _apprise_for(self.url, self.label)

    def send(self, changes: list[dict[str, Any]], delivered: Delivered | None = None) -> None:
        import apprise

        for n, change in enumerate(changes):
            title, body = notification(change)
            ok = self.notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT,
                                      interpret_escapes=False)
            if not ok:
                raise SinkError(f"could not deliver change {change['id']} ({n} of {len(changes)} delivered)")
            if delivered:
                delivered([change["id"]])


def _apprise_for(url: str, label: str) -> Any:
    """An Apprise object for one URL; SinkError without the extra or for a URL Apprise cannot use."""
    try:
        import apprise
    except ImportError:
        raise SinkError("--notify needs the notify extra: pip install 'ministry-watch[notify]'") from None
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise SinkError(f"{label}: Apprise cannot use this URL (unknown scheme or a malformed URL)")
    return notifier


def _check_writable(path: Path, option: str) -> None:
    """SinkError unless a sink file can be written at `path` (checked without changing anything there)."""
    if path.is_dir():
        raise SinkError(f"{option} {path}: is a directory")
    parent = path.parent
    if not parent.is_dir():
        raise SinkError(f"{option} {path}: no such directory {parent}")
    try:
        if option == "--jsonl" and path.exists():
            with path.open("a"):
                pass
        else:
            fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".probe")
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise SinkError(f"{option} {path}: cannot write there ({exc.strerror})") from None


def check_feed_url(url: str | None) -> None:
    """SinkError unless the feed's address is an absolute http(s) URL."""
    if url is not None and not re.match(r"(?i)https?://[^/\s]+", url):
        raise SinkError(f"--feed-url {url!r}: give the http(s) address the feed is published at")


def check_sinks(*, atom: str | None = None, jsonl: str | None = None, notify: tuple[str, ...] = (),
                feed_url: str | None = None) -> None:
    """Find what would make a sink fail before anything is crawled: a missing extra, a URL Apprise cannot use,
    a file that cannot be written. SinkError with a one-line reason."""
    check_feed_url(feed_url)
    if atom:
        _check_writable(Path(atom), "--atom")
    if jsonl:
        _check_writable(Path(jsonl), "--jsonl")
    for i, url in enumerate(notify, 1):
        _apprise_for(url, f"--notify #{i} ({url.split('://', 1)[0]}://...)")


def make_sinks(db: sqlite_utils.Database, *, atom: str | None = None, jsonl: str | None = None,
               notify: tuple[str, ...] = (), feed_url: str | None = None) -> list[Any]:
    """The sinks a cycle delivers to; SinkError for one that cannot be set up (e.g. Apprise missing)."""
    sinks: list[Any] = []
    if atom:
        sinks.append(AtomSink(Path(atom), db, feed_url=feed_url))
    if jsonl:
        sinks.append(JsonlSink(Path(jsonl)))
    sinks += [AppriseSink(url, index=i) for i, url in enumerate(notify, 1)]
    return sinks


def register(db: sqlite_utils.Database, sinks: list[Any], *, now: str | None = None) -> None:
    """Remember when each sink was first used: it is owed only what is recorded from then on."""
    register_sinks(db, [s.name for s in sinks], now or utcnow())


@dataclass
class Emission:
    """What one emission did: changes delivered per sink, and the sinks that failed (label -> reason)."""

    sent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def owed(db: sqlite_utils.Database, sink: Any, *, backlog: bool = False,
         announce_initial: bool = False) -> list[dict[str, Any]]:
    """The changes a sink is owed and has not had, oldest first."""
    return change_rows(db, not_sent_to=sink.name, after_id=0 if backlog else sink_start(db, sink.name),
                       initial_fill=announce_initial)


def emit(db: sqlite_utils.Database, sinks: list[Any], *, backlog: bool = False, announce_initial: bool = False,
         now: str | None = None) -> Emission:
    """Send each sink what it is owed, recording every delivery as it succeeds. A sink that fails (whatever the
    error) keeps the rest pending for next time; the other sinks are served all the same."""
    result = Emission()
    for sink in sinks:
        pending = owed(db, sink, backlog=backlog, announce_initial=announce_initial)
        result.sent[sink.name] = 0

        def delivered(ids: list[int], sink: Any = sink) -> None:
            record_deliveries(db, sink.name, ids, now or utcnow())
            result.sent[sink.name] += len(ids)

        if not pending and not getattr(sink, "send_when_idle", False):
            continue
        try:
            sink.send(pending, delivered)
        except SinkError as exc:
            result.failed[sink.label] = str(exc)
        except sqlite3.Error:
            raise   # the store itself failed: the cycle reports that, not a sink
        except Exception as exc:  # noqa: BLE001 - one sink's bug or bad data must not stop the others
            result.failed[sink.label] = f"{type(exc).__name__}: {exc}"
    return result
