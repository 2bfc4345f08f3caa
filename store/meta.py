"""The Datasette metadata shipped with the package (title, source, license, descriptions, facets)."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import quote

TEMPLATE_DB = "ministry-watch"


def datasette_metadata(db_name: str = TEMPLATE_DB) -> dict[str, Any]:
    """The metadata, keyed for a database Datasette names `db_name` (the file's stem)."""
    text = resources.files("store").joinpath("datasette-metadata.json").read_text(encoding="utf-8")
    data = json.loads(text)
    dbs = data.get("databases", {})
    if TEMPLATE_DB in dbs and db_name != TEMPLATE_DB:
        dbs[db_name] = dbs.pop(TEMPLATE_DB)
        # The index page's links to the useful views name the database as Datasette does.
        data["description_html"] = data.get("description_html", "").replace(
            f'href="/{TEMPLATE_DB}/', f'href="/{quote(db_name)}/')
    return data
