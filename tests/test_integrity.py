"""crawler/parsers/integrity.py: a page is a version only if it is whole and is the page asked for."""
import re
from pathlib import Path

import pytest

from crawler.encoding import implausible_cyrillic
from crawler.parsers import parse_any_article
from crawler.parsers.integrity import check_page, page_ids, text_language

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REFERENCE = sorted((FIXTURES / "reference-pages").glob("*.html"))
URL = "https://mid.ru/ru/foreign_policy/news/{id}/?lang={lang}"


def page(name: str) -> tuple[str, dict, int]:
    html = (FIXTURES / "reference-pages" / name).read_text(encoding="utf-8")
    (sid,) = page_ids(html)
    return html, parse_any_article(html, URL.format(id=sid, lang="ru")), sid


def whole_document(fragment: str) -> str:
    return ("<!DOCTYPE html><html lang=\"ru\"><head><title>t</title></head><body><header>МИД</header>"
            f"{fragment}<footer class=\"footer\">© МИД России</footer></body></html>")


@pytest.mark.parametrize("path", REFERENCE, ids=lambda p: p.name)
def test_every_real_page_passes_as_a_fragment_and_as_a_whole_document(path):
    html, record, sid = page(path.name)
    assert check_page(html, record, source_id=sid, lang="ru") is None
    assert check_page(whole_document(html), record, source_id=sid, lang="ru") is None


def test_a_page_cut_after_its_second_paragraph_is_truncated():
    html, record, sid = page("08-10-2024_3.html")
    doc = whole_document(html)
    start = doc.index("article-content")
    cut = doc[:[m.end() for m in re.finditer(r"</p>", doc[start:])][1] + start]
    rejection = check_page(cut, parse_any_article(cut, URL.format(id=sid, lang="ru")), source_id=sid, lang="ru")
    assert rejection is not None and rejection.outcome == "truncated"


def test_a_whole_looking_document_that_never_reaches_its_footer_is_truncated():
    html, record, sid = page("10-10-2024_1.html")
    doc = whole_document(html)
    cut = doc[:doc.index("<footer")]
    assert check_page(cut, record, source_id=sid, lang="ru").outcome == "truncated"


def test_a_php_fatal_error_in_place_of_the_rest_is_server_error_text():
    html, record, sid = page("10-10-2024_1.html")
    tail = ("<br />\n<b>Fatal error</b>:  Allowed memory size of 134217728 bytes exhausted in"
            " <b>/home/bitrix/www/bitrix/modules/main/classes/mysql/database.php</b> on line <b>112</b><br />")
    assert check_page(whole_document(html + tail), record, source_id=sid, lang="ru").outcome == "server_error_text"


def test_another_statements_page_at_this_url_is_the_wrong_page():
    html, record, sid = page("10-10-2024_1.html")
    rejection = check_page(html, record, source_id=sid + 1, lang="ru")
    assert rejection.outcome == "wrong_page" and str(sid) in rejection.reason


def test_the_russian_text_for_an_english_request_is_the_wrong_page():
    html, record, sid = page("09-10-2024_8.html")
    assert check_page(html, record, source_id=sid, lang="en").outcome == "wrong_page"


def test_koi8r_read_as_windows_1251_is_mojibake():
    html, record, sid = page("09-10-2024_8.html")
    garbled = html.encode("koi8-r", "replace").decode("cp1251", "replace")
    record = parse_any_article(garbled, URL.format(id=sid, lang="ru"))
    assert check_page(garbled, record, source_id=sid, lang="ru").outcome == "mojibake"


def test_scrambled_cyrillic_is_told_apart_from_real_text():
    _, record, _ = page("11-10-2024_9.html")
    text = record["body"]
    assert not implausible_cyrillic(text)
    assert implausible_cyrillic(text.encode("koi8-r", "replace").decode("cp1251", "replace"))
    assert implausible_cyrillic(text.encode("cp1251", "replace").decode("koi8-r", "replace"))
    assert not implausible_cyrillic("СООБЩЕНИЕ ДЛЯ СМИ")   # too short to judge


def test_latin_languages_are_told_apart_by_their_function_words():
    en = "The minister said that the talks with our partners are going well and that we are ready for this. " * 8
    de = "Der Minister sagte, dass die Gespräche mit den Partnern gut laufen und wir sind nicht auf dem Weg. " * 8
    assert text_language(en) == ("latin", "en")
    assert text_language(de) == ("latin", "de")
    assert text_language("Короткий текст.")[1] is None


def test_an_editors_unclosed_div_inside_a_whole_page_is_not_taken_for_a_cut():
    html, record, sid = page("10-10-2024_1.html")
    start = html.index("<p", html.index("article-content"))
    unbalanced = html[:start] + '<div class="note">' + html[start:]
    record = parse_any_article(unbalanced, URL.format(id=sid, lang="ru"))
    assert check_page(unbalanced, record, source_id=sid, lang="ru") is None
    assert check_page(whole_document(unbalanced), record, source_id=sid, lang="ru") is None
