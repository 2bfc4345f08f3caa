"""crawler/text.py: the one place for text normalisation."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from crawler.text import (
    BREAK,
    element_lines,
    element_text,
    normalize_inline,
    normalize_text,
    text_runs,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("", ""),
        (None, ""),
        ("  Москва,\u00a0 9\u00a0октября  ", "Москва, 9 октября"),
        ("a\u202fb\u2009c\u2002d\u3000e\u2007f", "a b c d e f"),
        ("Сто\u00adроны", "Стороны"),
        ("сове\u200bщание\u200c \u200dи\ufeff\u2060", "совещание и"),
        ("line\nbreak\r\n\ttab", "line break tab"),
        ("para\u2028sep\u2029end\u0085", "para sep end"),
        # NFC: decomposed й / é become composed
        ("и\u0306 e\u0301", "й é"),
        # punctuation, quotes, dashes, case and ё are kept
        ("«Ёлка» – „Quote“ — ТАСС!", "«Ёлка» – „Quote“ — ТАСС!"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_text_is_idempotent():
    s = " \u00a0Вопрос:\u00a0 текст\u00ad \u200b"
    assert normalize_text(normalize_text(s)) == normalize_text(s) == "Вопрос: текст"


def test_normalize_inline_keeps_one_edge_space():
    assert normalize_inline("  a\u00a0\u00a0b  ") == " a b "
    assert normalize_inline("x\u00ad") == "x"
    assert normalize_inline(None) == ""


def _el(html: str):
    return BeautifulSoup(html, "lxml").body.contents[0]


def test_element_text_invents_no_space_between_inline_elements():
    p = _el('<p><em><a href="#100"><u>Из ответов на вопросы</u>:</a></em></p>')
    assert element_text(p) == "Из ответов на вопросы:"
    p = _el("<p><strong>Из ответов на вопросы</strong>:</p>")
    assert element_text(p) == "Из ответов на вопросы:"
    p = _el('<p>(<a href="/1">1</a>,<a href="/2">2</a>,<a href="/3">3</a>)</p>')
    assert element_text(p) == "(1,2,3)"


def test_element_text_keeps_existing_spaces_and_drops_comments_scripts():
    p = _el("<p><strong>Вопрос: </strong>В СМИ<!-- c --> <script>x()</script>пишут</p>")
    assert element_text(p) == "Вопрос: В СМИ пишут"


def test_br_and_blocks_are_a_space_in_element_text_and_a_split_in_element_lines():
    div = _el("<div>Москва,<br>9 октября<p>Абзац</p>хвост<br/><br></div>")
    assert element_text(div) == "Москва, 9 октября Абзац хвост"
    assert element_lines(div) == ["Москва,", "9 октября", "Абзац", "хвост"]
    assert element_text(None) == "" and element_lines(None) == []


def test_text_runs_report_bold():
    p = _el("<p><b>С.В.Лавров:</b> <strong>да<br>нет</strong> конец</p>")
    runs = list(text_runs(p))
    assert runs[0] is BREAK and runs[-1] is BREAK
    assert ("С.В.Лавров:", True) in runs
    assert (" конец", False) in runs
    assert runs.count(BREAK) == 3
