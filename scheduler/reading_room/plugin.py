"""The Datasette plugin (registered through the `datasette` entry point): the reading room's routes, a menu entry,
and the archive's metadata (descriptions, hidden bookkeeping tables, canned queries) for a plain `datasette`."""
from __future__ import annotations

import asyncio
from typing import Any, Callable
from urllib.parse import unquote

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from scheduler.reading_room.changes_page import atom, render_changes
from scheduler.reading_room.links import ServerLinks
from scheduler.reading_room.search_page import render_search
from scheduler.reading_room.start_page import render_start, warm
from scheduler.reading_room.statement_page import render_statement
from scheduler.reading_room.templating import stylesheet
from store.ids import statement_ref
from store.meta import datasette_metadata
from store.reading_room import is_archive, is_archive_file, wrap

_CACHE = "_ministry_watch_archives"   # attribute on the Datasette instance: database name -> is an archive


def _is_archive_name(datasette: Any, name: str, db: Any) -> bool:
    cache = datasette.__dict__.setdefault(_CACHE, {})
    if name not in cache:
        cache[name] = bool(getattr(db, "path", None)) and is_archive_file(db.path)
    return cache[name]


def archive_names(datasette: Any) -> list[str]:
    """The ministry-watch archives among the databases Datasette serves (read once per database)."""
    return [name for name, db in list(datasette.databases.items())
            if name != "_internal" and not getattr(db, "is_memory", False) and _is_archive_name(datasette, name, db)]


async def _archive(datasette: Any) -> Any:
    for name in archive_names(datasette):
        db = datasette.databases[name]
        if await db.execute_fn(lambda conn: is_archive(wrap(conn))):
            return db
    raise NotFound("No ministry-watch archive is open in this Datasette.")


def _params(request: Any) -> dict[str, list[str]]:
    return {key: request.args.getlist(key) for key in request.args.keys()}


async def _page(datasette: Any, request: Any, build: Callable[..., Any], *, kind: str = "html") -> Response:
    """Run ``build(db, links)`` on the archive's read-only connection (in Datasette's thread pool) and answer."""
    db = await _archive(datasette)
    await datasette.ensure_permissions(request.actor, [("view-database", db.name), "view-instance"])
    links = ServerLinks(datasette.urls.path("/"), f"{request.scheme}://{request.host}")
    body = await db.execute_fn(lambda conn: build(wrap(conn), links))
    if body is None:
        raise NotFound("Not in the archive.")
    if kind == "atom":
        return Response(body, content_type="application/atom+xml; charset=utf-8")
    return Response.html(body)


async def start(datasette: Any, request: Any) -> Response:
    return await _page(datasette, request, lambda db, links: render_start(db, links, live=True))


async def statement(datasette: Any, request: Any) -> Response:
    sid = statement_ref(unquote(request.url_vars["sid"]))
    args = request.args
    version = args.get("version") or ""
    view = {"lang": args.get("lang") or None, "version": int(version) if version.isdigit() else None,
            "against": args.get("against") or None}
    return await _page(datasette, request, lambda db, links: render_statement(db, links, sid, **view))


async def changes(datasette: Any, request: Any) -> Response:
    params = _params(request)
    return await _page(datasette, request, lambda db, links: render_changes(db, links, params))


async def changes_feed(datasette: Any, request: Any) -> Response:
    params = _params(request)
    return await _page(datasette, request, lambda db, links: atom(db, links, params), kind="atom")


async def search(datasette: Any, request: Any) -> Response:
    params = _params(request)
    return await _page(datasette, request, lambda db, links: render_search(db, links, params))


async def css(datasette: Any, request: Any) -> Response:
    return Response(stylesheet(), content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


WARM_EVERY = 30.0   # seconds between checks whether the archive changed (then the charts are recomputed)


async def _warm(datasette: Any) -> None:
    """Keep the start page's aggregates computed: at start-up and whenever a crawl changed the archive."""
    while True:
        for name in archive_names(datasette):
            db = datasette.databases.get(name)
            if db is None:
                continue
            try:
                await db.execute_fn(lambda conn: warm(wrap(conn)))
            except Exception:  # noqa: BLE001 - a page computes what the warmer could not
                pass
        await asyncio.sleep(WARM_EVERY)


@hookimpl
def startup(datasette: Any) -> None:
    if archive_names(datasette):
        datasette.__dict__["_ministry_watch_warmer"] = asyncio.get_running_loop().create_task(_warm(datasette))


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Callable[..., Any]]]:
    return [
        (r"^/-/reading-room$", start),
        (r"^/-/reading-room/style\.css$", css),
        (r"^/-/statement/(?P<sid>[^/]+)$", statement),
        (r"^/-/changes$", changes),
        (r"^/-/changes\.atom$", changes_feed),
        (r"^/-/search$", search),
    ]


@hookimpl
def menu_links(datasette: Any, actor: Any) -> list[dict[str, str]]:
    if not archive_names(datasette):
        return []
    return [{"href": datasette.urls.path(path), "label": label} for path, label in
            (("/-/reading-room", "Reading room"), ("/-/search", "Search the texts"), ("/-/changes", "Changes"))]


@hookimpl
def get_metadata(datasette: Any, key: Any, database: Any, table: Any) -> dict[str, Any]:
    """The shipped metadata for every archive Datasette serves, so a plain `datasette ministry-watch.db` has
    the descriptions, the hidden bookkeeping tables and the canned queries (a --metadata file still wins)."""
    names = archive_names(datasette)
    if not names:
        return {}
    meta = datasette_metadata(names[0])
    template = meta.get("databases", {}).pop(names[0], {})
    meta["databases"] = {name: template for name in names}
    base = datasette.urls.path("/")
    if base != "/" and "description_html" in meta:
        meta["description_html"] = meta["description_html"].replace('href="/', f'href="{base}')
    return meta
