"""Article parser of the older portal (G1, archive.mid.ru) over the fixtures in fixtures/archive/."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.parsers import (
    ChallengePage, NotAnArticle, parse_any_article, parse_page,
)
from crawler.parsers.g1_article import PARSER_VERSION, is_g1_page, parse_article

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT / "fixtures" / "archive"
MANIFEST = json.loads((ARCHIVE / "manifest.json").read_text(encoding="utf-8"))
STATEMENTS = {st["asset_id"]: st for st in MANIFEST["statements"]}
HOST = "https://archive.mid.ru"

NOISE = [
    "Additional materials", "Дополнительные материалы", "Zusätzliche Materialien",
    "Matériaux supplémentaires", "Materiales adicionales",
    "Advanced settings", "Дополнительные инструменты поиска", "Erweiterte Einstellungen",
    "Paramètres avancés", "Configuración avanzada",
    "Organization for Security and Co-operation in Europe", "Council of Europe (CoE)",
    "NATO (North Atlantic Treaty Organization)", "European Union (EU)",
    "Организация по безопасности и сотрудничеству в Европе", "Совет Европы (СЕ)", "Европейский союз (ЕС)",
    "Navigation", "Навигация", "Translation (original)", "Перевод (оригинал)",
    "de-DE", "en-GB", "ru-RU", "fr-FR", "es-ES", "Skip to Content",
]
MINISTRY = ["Министерство иностранных дел Российской Федерации",
            "Ministry of Foreign Affairs of the Russian Federation"]

ASEAN_TITLES = {lang: data["title"] for lang, data in STATEMENTS[3929435]["langs"].items()}


def article_url(asset_id: int, lang: str, host: str = HOST) -> str:
    st = STATEMENTS[asset_id]
    section = st["sections"][0]
    inst = MANIFEST["sections"][section]["instance"]
    return f"{host}/{lang}/{section}/-/asset_publisher/{inst}/content/id/{asset_id}"


def canonical(asset_id: int, lang: str, host: str = HOST, section: str | None = None) -> str:
    st = STATEMENTS[asset_id]
    section = section or st["sections"][0]
    inst = MANIFEST["sections"][section]["instance"]
    locale = {"ru": "ru_RU", "en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}[lang]
    return (f"{host}/{lang}/{section}/-/asset_publisher/{inst}/content/id/{asset_id}"
            f"?p_p_id=101_INSTANCE_{inst}&_101_INSTANCE_{inst}_languageId={locale}")


def page(asset_id: int, lang: str) -> str:
    return (ARCHIVE / STATEMENTS[asset_id]["langs"][lang]["file"]).read_text(encoding="utf-8")


def parse(asset_id: int, lang: str) -> dict:
    return parse_article(page(asset_id, lang), article_url(asset_id, lang))


ALL_PAGES = [(st["asset_id"], lang) for st in MANIFEST["statements"] for lang in st["langs"]]


@pytest.mark.parametrize("asset_id,lang", ALL_PAGES)
def test_g1_article_golden(golden, asset_id, lang):
    golden(f"parsers/g1/article_{asset_id}.{lang}.json", parse(asset_id, lang))


@pytest.mark.parametrize("lang", ["ru", "en", "de", "fr", "es"])
def test_asean_statement_in_every_language(lang):
    rec = parse(3929435, lang)
    assert rec["site"] == "archive.mid.ru"
    assert rec["source_id"] == 3929435
    assert rec["lang"] == lang
    assert rec["title"] == ASEAN_TITLES[lang]
    assert rec["published_at"] == "2020-02-03T14:15:00+03:00"
    assert len(rec["paragraphs"]) == 10
    assert all(p["speaker"] is None for p in rec["paragraphs"])
    assert rec["section"] == "foreign_policy/news"
    assert rec["url"] == canonical(3929435, lang)
    assert set(rec["languages"]) == {"ru", "en", "de", "fr", "es"}
    assert rec["languages"] == {xx: canonical(3929435, xx) for xx in ("ru", "en", "de", "fr", "es")}
    assert rec["document_number"] is None
    assert rec["parser_version"] == PARSER_VERSION
    assert rec["body"] == "\n\n".join(p["text"] for p in rec["paragraphs"])


def test_asean_english_text_matches_the_capture():
    rec = parse(3929435, "en")
    assert rec["paragraphs"][0]["text"] == "Mr Secretary-General,"
    # "organisations.&nbsp; It" and "to &nbsp; &nbsp; a strategic" collapse to single spaces
    assert "regional organisations. It is the core" in rec["paragraphs"][1]["text"]
    assert "dialogue to a strategic level in 2018." in rec["paragraphs"][3]["text"]
    assert rec["paragraphs"][-1]["text"].startswith("I am confident that your visit")
    assert rec["kind"] == "speech"


@pytest.mark.parametrize("asset_id,lang", ALL_PAGES)
def test_no_portal_chrome_in_any_body(asset_id, lang):
    rec = parse(asset_id, lang)
    for text in NOISE:
        assert text not in rec["body"], text
        assert text not in rec["title"]
    assert rec["title"] not in MINISTRY
    assert rec["title"] == STATEMENTS[asset_id]["langs"][lang]["title"]
    assert rec["source_id"] == asset_id and rec["lang"] == lang
    assert set(rec["languages"]) == set(STATEMENTS[asset_id]["langs"])


def test_language_from_parameter_and_no_prefix():
    url = (f"{HOST}/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435"
           "?p_p_id=101_INSTANCE_cKNonkJE02Bw&_101_INSTANCE_cKNonkJE02Bw_languageId=de_DE")
    rec = parse_article(page(3929435, "de"), url)
    assert rec["lang"] == "de" and rec["url"] == canonical(3929435, "de")
    # locale-style prefix
    rec = parse_article(page(3929435, "en"), article_url(3929435, "en").replace("/en/", "/en_GB/"))
    assert rec["lang"] == "en" and rec["url"] == canonical(3929435, "en")


def test_language_from_page_when_url_says_nothing():
    rec = parse_article(page(3929435, "fr"), "file:///tmp/saved.html")
    assert rec["lang"] == "fr" and rec["source_id"] == 3929435
    assert rec["url"] == canonical(3929435, "fr")


def test_urls_follow_the_host_of_the_given_url():
    rec = parse_article(page(3929435, "es"), article_url(3929435, "es", host="http://127.0.0.1:8123"))
    assert rec["url"] == canonical(3929435, "es", host="http://127.0.0.1:8123")
    assert all(u.startswith("http://127.0.0.1:8123/") for u in rec["languages"].values())


def test_second_section_path():
    url = "https://archive.mid.ru/ru/press_service/minister_speeches/-/asset_publisher/7OvQR5KJWVmR/content/id/3929435"
    rec = parse_article(page(3929435, "ru"), url)
    assert rec["section"] == "press_service/minister_speeches"
    assert rec["url"] == canonical(3929435, "ru", section="press_service/minister_speeches")
    assert rec["kind"] == "speech"


def test_legacy_dxl_body_before_2014():
    rec = parse(121364, "ru")
    assert rec["published_at"] == "2013-07-01T17:45:00+04:00"   # Moscow was UTC+4 in 2011-2014
    assert rec["document_number"] == "1385-01-07-2013"
    assert rec["kind"] == "statement"
    texts = [p["text"] for p in rec["paragraphs"]]
    # runs are joined as written: no space invented between "Евро" and "пейского"
    assert texts[0] == ("С 1 июля 2013 года Республика Хорватия стала двадцать восьмым государством – "
                        "членом Европейского союза.")
    assert len(texts) == 4  # the &nbsp;-only paragraph is gone
    assert texts[-1] == "1 июля 2013 года"
    en = parse(121364, "en")  # saved with Russian chrome ("Дополнительные инструменты поиска")
    assert en["published_at"] == "2013-07-01T17:45:00+04:00" and en["lang"] == "en"
    assert en["title"].startswith("Russian Foreign Ministry statement")


def test_summer_2010_is_plus_four_and_winter_2010_plus_three():
    assert parse(196424, "ru")["published_at"] == "2010-06-15T12:00:00+04:00"
    assert parse(203977, "ru")["published_at"] == "2010-12-09T18:20:00+03:00"
    assert parse(203977, "en")["published_at"] == "2010-12-09T18:20:00+03:00"


def test_anons_template():
    rec = parse(203977, "ru")
    assert rec["title"] == "О предстоящем визите в Россию Министра иностранных дел Польши Р.Сикорского"
    assert rec["document_number"] == "1725-09-12-2010"
    assert len(rec["paragraphs"]) == 2
    assert rec["paragraphs"][0]["text"].startswith("13–14 декабря в Москве")
    assert set(rec["languages"]) == {"ru", "en"}


def test_speakers_and_inline_related_box():
    rec = parse(3925710, "ru")
    assert [p["speaker"] for p in rec["paragraphs"]] == ["С.В.Лавров", None, "Вопрос", "С.В.Лавров"]
    assert "Фото" not in rec["body"]
    en = parse(3925710, "en")
    assert [p["speaker"] for p in en["paragraphs"]] == ["Sergey Lavrov", None, "Question", "Sergey Lavrov"]
    qa = parse(3928876, "ru")
    assert [p["speaker"] for p in qa["paragraphs"]] == ["Вопрос", "Ответ", None]
    assert qa["kind"] == "interview"


# --- pages written differently (another mirror may follow the reference in other ways) ---------

VARIANT = """<!DOCTYPE html><html lang="ru-RU"><head><title>x</title></head><body>
<div id="banner"><h1>Министерство иностранных дел Российской Федерации</h1></div>
<div class="page-content">
<p>Navigation</p><p>Reden des Ministers</p>
<span class="article-status-line"><span><span>24 Dezember 2020<i>21:46</i></span></span></span>
<h1 class="title"> Interview des Außenministers Russlands, Sergej Lawrow </h1>
<ul><li><a href="/de/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/4500001?_101_INSTANCE_cKNonkJE02Bw_languageId=de_DE">de-DE<b>1</b></a>
<a href="/de/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/4500001?_101_INSTANCE_cKNonkJE02Bw_languageId=ru_RU">ru-RU<b>1</b></a></li></ul>
<article class="article">
<ul class="lang"><li><a href="?_101_INSTANCE_cKNonkJE02Bw_languageId=ru_RU">ru-RU1</a></li></ul>
<p><b>Frage:</b> Wie bewerten Sie das Jahr?</p>
<p><b>Sergej Lawrow:</b> Es war ein schwieriges Jahr.</p>
<p>Translation (original)</p>
<h3>Zusätzliche Materialien</h3>
<p>Fotos</p>
</article>
<div>Advanced settings</div>
</div></body></html>"""


def test_variant_markup_from_the_reference():
    url = "https://www.mid.ru/de/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/4500001"
    rec = parse_article(VARIANT, url)
    assert rec["title"] == "Interview des Außenministers Russlands, Sergej Lawrow"
    assert rec["published_at"] == "2020-12-24T21:46:00+03:00"
    assert rec["lang"] == "de" and rec["source_id"] == 4500001
    assert set(rec["languages"]) == {"de", "ru"}
    assert rec["paragraphs"] == [
        {"speaker": "Frage", "text": "Wie bewerten Sie das Jahr?"},
        {"speaker": "Sergej Lawrow", "text": "Es war ein schwieriges Jahr."},
    ]
    assert rec["url"].startswith("https://www.mid.ru/de/foreign_policy/news/")
    assert rec["kind"] == "interview"


def test_errors():
    with pytest.raises(NotAnArticle):
        parse_article("", article_url(3929435, "ru"))
    with pytest.raises(ChallengePage):
        parse_article("<html><body>Data processing... Please, wait.</body></html>", article_url(3929435, "ru"))
    shell = (ARCHIVE / "shells" / "foreign_policy__news.ru.html").read_text(encoding="utf-8")
    with pytest.raises(NotAnArticle):  # the portal's chrome with no article (error page)
        parse_article(shell.replace("<!--CONTENT-->", "<div>Запрашиваемый ресурс не найден.</div>"),
                      article_url(3929435, "ru"))
    with pytest.raises(NotAnArticle):  # no asset id anywhere
        parse_article("<div class='page-content'><h1>Заголовок</h1><div class='text article-content'>"
                      "<p>Текст.</p></div></div>", "https://archive.mid.ru/ru/foreign_policy/news")


def test_dispatch_by_portal():
    url = article_url(3929435, "en")
    assert is_g1_page(page(3929435, "en")) and is_g1_page("", url)
    assert parse_page(page(3929435, "en"), url)["site"] == "archive.mid.ru"
    assert parse_page(page(3929435, "en"), "file:///x.html")["site"] == "archive.mid.ru"
    assert parse_any_article(page(3929435, "en"), url)["source_id"] == 3929435
    g2 = (ROOT / "fixtures" / "reference-pages" / "08-10-2024_1.html").read_text(encoding="utf-8")
    assert not is_g1_page(g2)
    g2_url = "https://mid.ru/ru/foreign_policy/news/1974990/?lang=ru"
    assert parse_any_article(g2, g2_url)["site"] == "mid.ru"


@pytest.mark.parametrize("text,expected", [
    ("МИНИСТЕРСТВО ИНОСТРАННЫХ ДЕЛ РОССИЙСКОЙ ФЕДЕРАЦИИ", True),
    ("The Ministry of Foreign Affairs of Russia", True),
    ("Ministère des Affaires étrangères de la Fédération de Russie", True),
    ("Ministry of Foreign Affairs statement on the situation in Syria", False),
    ("Заявление МИД России", False),
])
def test_ministry_header_is_never_the_title(text, expected):
    from crawler.parsers.g1_article import is_ministry_name

    assert is_ministry_name(text) is expected


@pytest.mark.parametrize("line,expected", [
    # the time after the date, glued to it in the same span (the portal's usual line)
    ('<span class="article-date"><span>3 February 2020<i>14:15</i></span></span>', "2020-02-03T14:15:00+03:00"),
    # the time before the date (older pages): "<i>09:40</i> <span>10 December 2009</span>"
    ('<i>09:40</i> <span>10 December 2009</span>', "2009-12-10T09:40:00+03:00"),
    ('<span><span><i>09:40</i></span> <span>10 December 2009</span></span>', "2009-12-10T09:40:00+03:00"),
    # glued to the date with no space, a document number after it
    ('<i>09:40</i><span>10 December 2009</span><b class="doc-number">2345-10-12-2009</b>', "2009-12-10T09:40:00+03:00"),
    ('<i>18:05</i> <span>9 декабря 2009 г.</span>', "2009-12-09T18:05:00+03:00"),
    # summer 2010 was +04:00, whichever side the time is on
    ('<i>11:00</i> <span>1 July 2010</span>', "2010-07-01T11:00:00+04:00"),
    # two different times: the date alone, nothing guessed
    ('<i>09:40</i> <span>10 December 2009</span> <i>10:15</i>', "2009-12-10T00:00:00+03:00"),
])
def test_status_line_is_read_whole(line, expected):
    html = page(3929435, "en")
    old = html[html.index('<div class="article-status-line">'):]
    old = old[:old.index("</div>") + len("</div>")]
    rec = parse_article(html.replace(old, f'<div class="article-status-line">{line}</div>'),
                        article_url(3929435, "en"))
    assert rec["published_at"] == expected
    assert rec["title"] == ASEAN_TITLES["en"]   # the line never leaks into the text
