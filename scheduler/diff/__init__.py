"""Paragraph- and word-level diff of two statement versions, with a summary and text/HTML/JSON renderings.

One job per module: ``model`` (what a diff is), ``compute`` (diff_versions), ``summary`` (summarize),
``terminal`` (safe_terminal: page text made safe to print, used by every command that prints it),
``layout`` (what the renderers show), ``text_format`` / ``html_format`` / ``json_format`` (renderings).
Import each name from the module that defines it; the names below are re-exported for older callers.
"""
from scheduler.diff.compute import CHANGE_THRESHOLD, MOVE_THRESHOLD, diff_versions
from scheduler.diff.html_format import render_html, render_html_page
from scheduler.diff.json_format import render_json
from scheduler.diff.model import (CHANGED, DELETED, EQUAL, INSERTED, JSON_VERSION, MOVED, Diff, ParagraphOp, Segment,
                                  TitleDiff)
from scheduler.diff.summary import summarize
from scheduler.diff.terminal import safe_terminal
from scheduler.diff.text_format import render_text

__all__ = [
    "CHANGE_THRESHOLD", "MOVE_THRESHOLD", "diff_versions", "render_html", "render_html_page", "render_json",
    "CHANGED", "DELETED", "EQUAL", "INSERTED", "JSON_VERSION", "MOVED", "Diff", "ParagraphOp", "Segment",
    "TitleDiff", "summarize", "safe_terminal", "render_text",
]
