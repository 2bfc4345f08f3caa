"""A run's summary as the terminal shows it after `crawl run`, a watch cycle or a demo step."""
from __future__ import annotations

from typing import Any


def run_summary(row: dict[str, Any]) -> list[str]:
    """The lines that sum up a closed run."""
    lines = [
        f"run {row['id']} {row['status']}: fetched {row['pages_fetched']} pages"
        f" ({row['not_modified']} not modified), {row['statements_new']} new statements,"
        f" {row['variants_new']} new language variants, {row['versions_new']} new versions",
        f"  changes: {row['edited']} edited, {row['deleted']} deleted, {row['restored']} restored;"
        f" errors: {row['errors']}, challenge pages: {row['challenge_pages']}",
    ]
    if row.get("browser_pages"):
        lines.append(f"  anti-bot wall: {row['browser_pages']} pages needed the browser: {row['browser_fetched']}"
                     f" fetched through it, {row['browser_pages'] - row['browser_fetched']} with its cookie")
    if row["robots_skipped"]:
        lines.append(f"  skipped {row['robots_skipped']} URLs forbidden by robots.txt (listing pages beyond page 1);"
                     " --ignore-robots overrides")
    if row.get("message"):
        lines.append(f"  note: {row['message']}")
    return lines
