"""The browser's only way out: a proxy on 127.0.0.1 that passes the crawl's one scheme, host and port and refuses
everything else (redirects the browser would follow on its own, pop-ups, frames, Chromium's own traffic).

HTTPS goes through as a CONNECT tunnel to the site (TLS end to end, the browser's own); plain HTTP (a mirror) is
forwarded one request per connection. Anything else gets 403 and is remembered in `refused`.
"""
from __future__ import annotations

import socket
import threading
from typing import Callable
from urllib.parse import urlsplit

from crawler.boundary import origin

_HEAD_LIMIT = 64 * 1024


class OneHostProxy:
    """A proxy that reaches `base_url`'s origin only; `refused(target)` is called for each refusal."""

    def __init__(self, base_url: str, refused: Callable[[str], None]) -> None:
        self.allowed = origin(base_url)
        self.refused = refused
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self._closed = False
        threading.Thread(target=self._accept, name="browser-proxy", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        try:
            self.server.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), name="browser-proxy-conn", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            head = _read_head(client)
            method, target = (head.split(b"\r\n", 1)[0].decode("latin-1").split(" ") + ["", ""])[:2]
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                wanted = ("https", host.strip("[]").lower(), int(port) if port.isdigit() else 0)
            else:
                wanted = origin(target)
            if wanted != self.allowed:
                self.refused(f"{method} {target}"[:300])
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            upstream = socket.create_connection(self.allowed[1:], timeout=60)
            with upstream:
                if method == "CONNECT":
                    client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                else:
                    upstream.sendall(_origin_form(head, target))
                _pipe(client, upstream)
        except (OSError, ValueError):
            pass
        finally:
            client.close()


def _read_head(sock: socket.socket) -> bytes:
    """The request line and headers (and whatever body bytes came with them)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(8192)
        if not chunk:
            raise ValueError("closed before the request head")
        data += chunk
        if len(data) > _HEAD_LIMIT:
            raise ValueError("request head too long")
    return data


def _origin_form(head: bytes, target: str) -> bytes:
    """A proxy request (absolute URL) as the origin expects it, one request per connection."""
    lines, _, rest = head.partition(b"\r\n\r\n")
    first, *headers = lines.split(b"\r\n")
    method, _, version = first.decode("latin-1").split(" ")
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [h for h in headers if h.split(b":", 1)[0].strip().lower() not in (b"proxy-connection", b"connection")]
    return b"\r\n".join([f"{method} {path} {version}".encode("latin-1"), *kept, b"Connection: close", b""]) + b"\r\n" + rest


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until one side closes."""
    def copy(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    other = threading.Thread(target=copy, args=(b, a), daemon=True)
    other.start()
    copy(a, b)
    other.join(timeout=120)
