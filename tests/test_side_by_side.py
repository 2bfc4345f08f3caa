"""The side-by-side HTML diff (scheduler/diff/side_by_side.py): rows aligned, words marked, moves named, text inert."""
from __future__ import annotations

import re

from scheduler.diff.compute import diff_versions
from scheduler.diff.side_by_side import render_side_by_side
from tests.test_diff import A1, A2, A3, BASE, INTRO, OPEN, Q1, Q2, Q3, TITLE, edited, hostile_diff, version


def rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="([a-z ]+)">(.*?)</tr>', html, re.S)


def render(old, new, **kw) -> str:
    return render_side_by_side(diff_versions(old, new), lang="ru", old_label="version 1", new_label="version 2", **kw)


def test_edited_words_are_deleted_on_the_left_and_inserted_on_the_right() -> None:
    html = render(BASE, version(TITLE, INTRO, OPEN, Q1, edited(A1, "стабильности", "мира и стабильности"), Q2, A2, Q3, A3))
    (cls, cells), = [r for r in rows(html) if r[0] == "changed"]
    left, right = cells.split("</td><td>")
    assert "<ins>мира и </ins>" in right and "<ins>" not in left and "<del>" not in right
    assert "¶4 edited" in right
    assert '<table class="sbs" lang="ru">' in html and "<caption>1 paragraph edited</caption>" in html
    assert "version 1" in html and "version 2" in html
    assert re.search(r'<tr class="elided"><td colspan="2">… \d unchanged paragraphs …</td></tr>', html)


def test_removed_and_added_paragraphs_stand_on_their_own_side() -> None:
    html = render(BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q2, A2, (None, "Совсем новый абзац о другом.")), context=0)
    kinds = [cls for cls, _ in rows(html)]
    assert "deleted" in kinds and "inserted" in kinds
    left, right = dict(rows(html))["deleted"].split("</td><td>")
    assert "<del>" in left and "<del>" not in right and "removed" in right
    left, right = dict(rows(html))["inserted"].split("</td><td>")
    assert "<ins>" in right and "Совсем новый абзац" not in left and "added" in right


def test_moved_answers_are_shown_as_moved_on_both_sides() -> None:
    html = render(BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q3, edited(A3, "адаптировалась", "давно адаптировалась"),
                                Q2, A2))
    moved = [cells for cls, cells in rows(html) if cls == "moved"]
    assert len(moved) == 2
    assert "moved to ¶" in moved[0] and "moved from old ¶" in moved[0]
    assert "<ins>давно </ins>" in moved[1]


def test_title_change_has_its_own_row() -> None:
    html = render(BASE, version(TITLE + " (обновлено)", INTRO, OPEN, Q1, A1, Q2, A2, Q3, A3))
    assert 'class="changed title"' in html and "<ins> (обновлено)</ins>" in html


def test_hostile_text_is_inert() -> None:
    html = render_side_by_side(hostile_diff(), lang="ru", old_label="<script>old</script>", new_label="new", context=None)
    tags = set(re.findall(r"<\s*/?\s*([a-zA-Z0-9!]+)", html))
    assert tags <= {"table", "caption", "thead", "tbody", "tr", "th", "td", "span", "b", "del", "ins"}
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]", html)
    assert "⟨U+202E⟩" in html   # an invisible character that was changed is shown
