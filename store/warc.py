"""The evidence archive: HTTP exchanges of article pages in size-rotated, per-record-gzipped WARC files.

Each exchange is a request record and a response record (warcio). A response whose payload (the
HTTP body) was already archived as a 200 response is written as a `revisit` record
(identical-payload-digest profile) that refers to the original, so identical pages are stored once.
Every record written is indexed in the `warc_records` table (file, offset, digest) right after it is
on disk; versions point at the response record that holds their page.

Paths in the database are relative to the database's directory when the WARC directory is inside it
(the default `<db stem>-warc/` next to the database), so the pair can be moved together.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import os
import socket
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Iterable

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

DEFAULT_MAX_SIZE = 100 * 1000 * 1000          # rotate after ~100 MB (compressed)
# On real 75 KB mid.ru pages: level 3 ~2.6 ms and ~21.5 KB per page; level 6 ~10 ms / 18.9 KB;
# level 9 (warcio's own) ~19 ms / 18.6 KB. Crawl-speed backfills and benchmarks feel the difference.
GZIP_LEVEL = 3
SOFTWARE = "ministry-watch"
# Framing headers that no longer describe the body we hold (Scrapy hands over a de-chunked,
# decompressed body): dropped, and Content-Length set to the stored length.
_FRAMING = {"transfer-encoding", "content-encoding", "content-length"}


class WarcError(Exception):
    """A WARC record is missing or does not match what the database says about it."""


@dataclass(frozen=True)
class WarcRef:
    """Where one exchange went: its own record, and the response record that holds the payload."""

    record_id: int                 # warc_records.id of this exchange's response or revisit record
    record_type: str               # response | revisit
    payload_record_id: int         # warc_records.id of the response record holding the payload
    payload_file: str
    payload_offset: int
    payload_digest: str


# The response record already holding a payload (a new identical one is written as a revisit). The index holds
# the digest's first 15 characters (migration 18) and the whole digest is compared too, written +payload_digest:
# SQLite 3.40 otherwise scans the index instead of searching it.
ORIGINAL_SQL = ("SELECT id, warc_file, warc_offset, record_id, target_uri, warc_date FROM warc_records"
                " WHERE substr(payload_digest, 1, 15) = substr(?, 1, 15) AND +payload_digest=?"
                " AND record_type='response' AND http_status=200 ORDER BY +id LIMIT 1")


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of a body, as warcio writes it (sha1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def db_directory(db: sqlite_utils.Database) -> Path:
    """The directory of the database file (the current directory for an in-memory database)."""
    for _, name, path in db.conn.execute("PRAGMA database_list").fetchall():
        if name == "main" and path:
            return Path(path).resolve().parent
    return Path.cwd()


def default_warc_dir(db_path: str | os.PathLike[str]) -> Path:
    """`<db stem>-warc/` next to the database."""
    p = Path(db_path)
    return p.with_name(f"{p.stem}-warc")


def resolve(db: sqlite_utils.Database, warc_file: str) -> Path:
    """The path of a WARC file named in the database."""
    p = Path(warc_file)
    return p if p.is_absolute() else db_directory(db) / p


def parse_size(text: str | int) -> int:
    """'100M', '1G', '500k', '1048576' -> bytes (decimal units)."""
    if isinstance(text, int):
        return text
    t = str(text).strip().upper().removesuffix("B")
    mult = {"K": 10**3, "M": 10**6, "G": 10**9}.get(t[-1:], 1)
    number = t[:-1] if t[-1:] in "KMG" else t
    try:
        value = int(float(number) * mult)
    except ValueError:
        raise ValueError(f"{text!r} is not a size (e.g. 100M, 1G)") from None
    if value < 1:
        raise ValueError(f"{text!r}: the size must be positive")
    return value


class WarcArchive:
    """Appends exchanges to the newest WARC file in `directory` (a new one beyond `max_size`).

    Several processes may append to the same directory: every write takes an exclusive lock on the
    file and measures its offset under that lock.
    """

    def __init__(self, db: sqlite_utils.Database, directory: str | os.PathLike[str] | None = None,
                 max_size: int = DEFAULT_MAX_SIZE) -> None:
        self.db = db
        base = db_directory(db)
        if directory is None:
            stem = "ministry-watch"
            for _, name, path in db.conn.execute("PRAGMA database_list").fetchall():
                if name == "main" and path:
                    stem = Path(path).stem
            directory = base / f"{stem}-warc"
        self.directory = Path(directory).resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            self._prefix = str(self.directory.relative_to(base))
        except ValueError:
            self._prefix = str(self.directory)
        self.max_size = max_size
        self._path: Path | None = None
        self._fh: io.FileIO | None = None
        self._writer = WARCWriter(io.BytesIO(), gzip=True)   # only used as a record builder
        self.bytes_written = 0

    # -- files -----------------------------------------------------------------------------------

    def _name(self, path: Path) -> str:
        return f"{self._prefix}/{path.name}" if not Path(self._prefix).is_absolute() else str(path)

    def _open(self, size_hint: int) -> tuple[io.FileIO, Path]:
        """The file to append to, rotated when the next write would pass max_size."""
        if self._fh is not None and self._path is not None:
            if self._path.stat().st_size + size_hint <= self.max_size or self._path.stat().st_size == 0:
                return self._fh, self._path
            self._fh.close()
            self._fh = None
        if self._path is None:
            candidates = sorted(self.directory.glob("*.warc.gz"))
            if candidates and candidates[-1].stat().st_size + size_hint <= self.max_size:
                self._path = candidates[-1]
                self._fh = open(self._path, "ab", buffering=0)
                self._repair_tail()
                return self._fh, self._path
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
        self._path = self.directory / f"{SOFTWARE}-{stamp}-{os.getpid()}.warc.gz"
        self._fh = open(self._path, "ab", buffering=0)
        info = self._writer.create_warcinfo_record(self._path.name, {
            "software": f"{SOFTWARE} (warcio)", "hostname": socket.gethostname(),
            "format": "WARC File Format 1.0", "description": "HTTP responses for mid.ru article pages",
        })
        self._append([info])
        return self._fh, self._path

    def _serialise(self, record) -> bytes:
        """One record as its own gzip member, at GZIP_LEVEL rather than warcio's fixed level 9."""
        buf = io.BytesIO()
        WARCWriter(buf, gzip=False).write_record(record)
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        return compressor.compress(buf.getvalue()) + compressor.flush()

    def _append(self, records: list) -> list[tuple[int, int]]:
        """Write warcio records as one locked append; returns (offset, length) of each."""
        return self._append_blobs([self._serialise(r) for r in records])

    def _append_blobs(self, blobs: list[bytes]) -> list[tuple[int, int]]:
        """Write serialised records as one locked append; returns (offset, length) of each.

        A write that fails part-way (a full disk) is cut back to where it started, so the file only ever
        holds whole records and every later append stays readable by a reader walking the file.
        """
        assert self._fh is not None
        fd = self._fh.fileno()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            start = os.lseek(fd, 0, os.SEEK_END)
            try:
                _write_all(fd, b"".join(blobs))
            except OSError:
                os.ftruncate(fd, start)
                raise
            out, offset = [], start
            for blob in blobs:
                out.append((offset, len(blob)))
                offset += len(blob)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        self.bytes_written += sum(len(b) for b in blobs)
        return out

    def _repair_tail(self) -> None:
        """Cut a torn record (a process killed or a disk filled mid-write) off the end of the file to append to."""
        assert self._fh is not None and self._path is not None
        fd = self._fh.fileno()
        row = self.db.conn.execute("SELECT max(warc_offset + warc_length) FROM warc_records WHERE warc_file=?",
                                   (self._name(self._path),)).fetchone()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.lseek(fd, 0, os.SEEK_END)
            known = row[0] if row and row[0] is not None and row[0] <= size else 0
            with open(self._path, "rb") as reader:
                end = whole_records_end(reader, known)
            if end < size:
                os.ftruncate(fd, end)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    # -- exchanges -------------------------------------------------------------------------------

    def write_exchange(self, *, url: str, status: int, body: bytes,
                       response_headers: Iterable[tuple[str, str]] = (),
                       request_headers: Iterable[tuple[str, str]] = (), method: str = "GET",
                       protocol: str = "HTTP/1.1", reason: str | None = None,
                       ip_address: str | None = None) -> WarcRef:
        """Archive one HTTP exchange and index it; returns where it went."""
        from urllib.parse import urlsplit

        digest = payload_digest(body)
        parts = urlsplit(url)
        req_headers = [(k, v) for k, v in request_headers]
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", parts.netloc))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if reason is None:
            try:
                reason = HTTPStatus(status).phrase
            except ValueError:
                reason = ""
        resp_headers = [(k, v) for k, v in response_headers if k.lower() not in _FRAMING]
        resp_headers.append(("Content-Length", str(len(body))))
        http_resp = _http_head(f"{protocol} {status} {reason}".strip(), resp_headers)
        http_req = _http_head(f"{method} {target} {protocol}", req_headers)
        date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        record_id = _record_id()
        ip = [("WARC-IP-Address", ip_address)] if ip_address else []

        original = None
        if status == 200 and body:
            original = self.db.conn.execute(ORIGINAL_SQL, (digest, digest)).fetchone()
        if original is not None:
            # Identical-payload-digest revisit: the HTTP headers only, pointing at the stored payload.
            record = _record("revisit", url, date, record_id, [
                *ip, ("WARC-Profile", REVISIT_PROFILE), ("WARC-Refers-To", original[3]),
                ("WARC-Refers-To-Target-URI", original[4]), ("WARC-Refers-To-Date", original[5]),
                ("WARC-Payload-Digest", digest)], "application/http; msgtype=response", (http_resp,))
            rtype = "revisit"
        else:
            record = _record("response", url, date, record_id, [*ip, ("WARC-Payload-Digest", digest)],
                             "application/http; msgtype=response", (http_resp, body))
            rtype = "response"
        request = _record("request", url, date, _record_id(), [("WARC-Concurrent-To", record_id)],
                          "application/http; msgtype=request", (http_req,))
        _, path = self._open(len(body) // 3 + 2048)
        (_, _), (offset, length) = self._append_blobs([request, record])
        name = self._name(path)
        cur = self.db.conn.execute(
            "INSERT INTO warc_records (warc_file, warc_offset, warc_length, record_type, record_id, target_uri,"
            " warc_date, http_status, payload_digest, payload_length, refers_to) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (name, offset, length, rtype, record_id, url, date, status, digest, len(body),
             original[0] if original else None),
        )
        rid = int(cur.lastrowid)
        if original is not None:
            return WarcRef(rid, rtype, int(original[0]), original[1], int(original[2]), digest)
        return WarcRef(rid, rtype, rid, name, offset, digest)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def whole_records_end(fh: io.BufferedReader, start: int = 0) -> int:
    """The offset just past the last whole gzip member (record) at or after `start`: where the file would end
    without a torn tail. `start` must be a record boundary."""
    fh.seek(start)
    boundary = position = start
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    while chunk := fh.read(1 << 16):
        data = chunk
        while data:
            try:
                inflater.decompress(data, 1 << 20)
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, 1 << 20)
            except zlib.error:
                return boundary
            if not inflater.eof:
                position += len(data)
                break
            position += len(data) - len(inflater.unused_data)
            boundary = position
            data = inflater.unused_data
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    return boundary


REVISIT_PROFILE = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _http_head(first_line: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """An HTTP message head; header bytes go back out as the latin-1 they were read as."""
    lines = [first_line, *(f"{k}: {v}" for k, v in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1", "replace")


def _record(rtype: str, url: str, date: str, record_id: str, headers: list[tuple[str, str]],
            content_type: str, block: tuple[bytes, ...]) -> bytes:
    """One WARC/1.0 record (``block`` in parts) as its own gzip member.

    Written here rather than with warcio's record builder (which ``read_record`` and the tests read
    them back with, digests checked): the builder's header objects and block re-reading cost about
    as much as compressing the page.
    """
    block_digest = hashlib.sha1()
    for part in block:
        block_digest.update(part)
    lines = ["WARC/1.0", f"WARC-Type: {rtype}", f"WARC-Record-ID: {record_id}", f"WARC-Date: {date}",
             f"WARC-Target-URI: {url}", *(f"{k}: {v}" for k, v in headers),
             "WARC-Block-Digest: sha1:" + base64.b32encode(block_digest.digest()).decode("ascii"),
             f"Content-Type: {content_type}", f"Content-Length: {sum(len(p) for p in block)}", "", ""]
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    out = [compressor.compress("\r\n".join(lines).encode("utf-8"))]
    out += [compressor.compress(part) for part in block]
    out.append(compressor.compress(b"\r\n\r\n"))
    out.append(compressor.flush())
    return b"".join(out)


@dataclass
class ArchivedResponse:
    """One response record read back from a WARC file."""

    record_type: str
    target_uri: str
    warc_date: str
    http_status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes
    payload_digest: str | None     # as written in the record

    def digest_ok(self) -> bool:
        return self.payload_digest == payload_digest(self.payload)


def read_record(path: str | os.PathLike[str], offset: int) -> ArchivedResponse:
    """Read the record at `offset` (the start of its gzip member)."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        fh.seek(offset)
        try:
            return _first_record(fh)
        except WarcError:
            raise
        except Exception as exc:  # warcio, gzip and parsing errors of a damaged file all mean the same
            raise WarcError(f"unreadable WARC record at {path}:{offset}: {type(exc).__name__}: {exc}") from None


def _first_record(fh: io.BufferedReader) -> ArchivedResponse:
    for record in ArchiveIterator(fh):
        status = None
        headers: list[tuple[str, str]] = []
        if record.http_headers is not None:
            headers = list(record.http_headers.headers)
            try:
                status = int(record.http_headers.get_statuscode())
            except (TypeError, ValueError):
                status = None
        payload = record.content_stream().read() if record.rec_type == "response" else b""
        return ArchivedResponse(
            record.rec_type, record.rec_headers.get_header("WARC-Target-URI") or "",
            record.rec_headers.get_header("WARC-Date") or "", status, headers, payload,
            record.rec_headers.get_header("WARC-Payload-Digest"))
    raise WarcError("no WARC record there")


def load_payload(db: sqlite_utils.Database, warc_file: str, offset: int,
                 expected_digest: str | None = None) -> tuple[str, bytes]:
    """(url, body) of an archived response; WarcError if it is missing or its digest does not match."""
    rec = read_record(resolve(db, warc_file), offset)
    if rec.record_type != "response":
        raise WarcError(f"{warc_file}:{offset} is a {rec.record_type} record, not a response")
    if not rec.digest_ok() or (expected_digest and rec.payload_digest != expected_digest):
        raise WarcError(f"{warc_file}:{offset}: payload digest does not match")
    return rec.target_uri, rec.payload
