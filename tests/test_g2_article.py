"""crawler/parsers/g2_article.py over every real saved page and every hand-written case.

Golden records live in tests/golden/parsers/<name>.json (regenerate with `make golden` and
read the diff: the records are the product).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from crawler.parsers import PARSER_VERSION, ChallengePage, NotAnArticle, ParseError, parse_article, parse_page

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
REFERENCE = ROOT / "reference-pages"
CASES = ROOT / "parser-cases"

# file -> numeric id (from each page's print link; see fixtures/reference-pages/README.md)
REFERENCE_IDS = {
    "08-10-2024_1": 1974985, "08-10-2024_3": 1974990, "09-10-2024_1": 1975156,
    "09-10-2024_3": 1975193, "09-10-2024_4": 1975198, "09-10-2024_6": 1975319,
    "09-10-2024_7": 1975329, "09-10-2024_8": 1975336, "10-10-2024_1": 1975354,
    "10-10-2024_10": 1975559, "10-10-2024_11": 1975564, "10-10-2024_3": 1975359,
    "10-10-2024_5": 1975442, "10-10-2024_6": 1975513, "10-10-2024_8": 1975535,
    "10-10-2024_9": 1975554, "11-10-2024_3": 1975638, "11-10-2024_5": 1975652,
    "11-10-2024_6": 1975657, "11-10-2024_7": 1975705, "11-10-2024_9": 1975726,
}

# hand-written article cases -> the URL they are served under
ARTICLE_CASES = {
    "full-document-ru": "https://www.mid.ru/ru/foreign_policy/news/1975359/",
    "stripped-ru-qa": "https://mid.ru/ru/foreign_policy/news/1974990/",
    "en-qa": "https://mid.ru/ru/foreign_policy/news/1974990/?lang=en",
    "en-briefing": "https://mid.ru/ru/foreign_policy/news/1975319/?lang=en",
    "de-briefing": "https://mid.ru/ru/foreign_policy/news/1975319/?lang=de",
    "fr-briefing": "https://mid.ru/fr/foreign_policy/news/1975319/?lang=fr",
    "es-briefing": "https://mid.ru/es/foreign_policy/news/1975319/?lang=es",
    "ru-edge-cases": "http://127.0.0.1:8765/ru/foreign_policy/news/1975400/",
    "announcement-article": "https://mid.ru/ru/foreign_policy/news/1975610/",
}
ERROR_CASES = {
    "challenge-data-processing.html": ChallengePage,
    "challenge-bobcmn.html": ChallengePage,
    "404.html": NotAnArticle,
    "empty-shell.html": NotAnArticle,
    "listing-ru.html": NotAnArticle,
    "listing-empty.html": NotAnArticle,
    "announcements-listing.html": NotAnArticle,
}

KEYS = ["site", "source_id", "lang", "url", "section", "title", "published_at", "document_number",
        "kind", "languages", "paragraphs", "body", "parser_version"]


def ref_url(stem: str) -> str:
    return f"https://mid.ru/ru/foreign_policy/news/{REFERENCE_IDS[stem]}/"


def parse_ref(stem: str) -> dict:
    return parse_article((REFERENCE / f"{stem}.html").read_text(encoding="utf-8"), ref_url(stem))


def parse_case(stem: str) -> dict:
    return parse_article((CASES / f"{stem}.html").read_text(encoding="utf-8"), ARTICLE_CASES[stem])


def test_every_reference_page_is_listed():
    assert sorted(p.stem for p in REFERENCE.glob("*.html")) == sorted(REFERENCE_IDS)


def _check_record(rec: dict) -> None:
    assert list(rec) == KEYS
    assert rec["site"] == "mid.ru" and rec["parser_version"] == PARSER_VERSION
    assert rec["title"] and rec["paragraphs"] and rec["body"]
    assert rec["lang"] in rec["languages"] and rec["languages"][rec["lang"]] == rec["url"]
    assert rec["url"].endswith(f"/{rec['section']}/{rec['source_id']}/?lang={rec['lang']}")
    assert rec["kind"] in {"briefing", "speech", "interview", "statement", "comment", "news"}
    for p in rec["paragraphs"]:
        assert set(p) == {"speaker", "text"} and p["text"] and p["text"] == p["text"].strip()
        assert "\n" not in p["text"] and "  " not in p["text"] and "\u00a0" not in p["text"]
    expected_body = "\n\n".join(f"{p['speaker']}: {p['text']}" if p["speaker"] else p["text"]
                                for p in rec["paragraphs"])
    assert rec["body"] == expected_body
    # nothing but the statement
    for noise in ("Дополнительные материалы", "Additional materials", "Video Player", "Фотоальбом",
                  "фотографий в альбоме", "Use Up/Down Arrow keys", "Назад к оглавлению",
                  "Back to the table of contents", "Back to contents", "СОДЕРЖАНИЕ", "Table of contents",
                  "Поделиться", "Печать", "00:00"):
        assert noise not in rec["body"], noise
    assert rec["body"] == rec["body"].strip()


@pytest.mark.parametrize("stem", sorted(REFERENCE_IDS))
def test_reference_page_golden(stem, golden):
    rec = parse_ref(stem)
    _check_record(rec)
    assert rec["source_id"] == REFERENCE_IDS[stem]
    assert rec["lang"] == "ru" and rec["section"] == "foreign_policy/news"
    assert rec["url"] == f"https://mid.ru/ru/foreign_policy/news/{REFERENCE_IDS[stem]}/?lang=ru"
    # the document number's date is the publication date
    d, m, y = rec["document_number"].split("-")[1:]
    assert rec["published_at"].startswith(f"{y}-{m}-{d}T")
    golden(f"parsers/{stem}.json", rec)


@pytest.mark.parametrize("stem", sorted(ARTICLE_CASES))
def test_article_case_golden(stem, golden):
    rec = parse_case(stem)
    _check_record(rec)
    golden(f"parsers/{stem}.json", rec)


@pytest.mark.parametrize("name, error", sorted(ERROR_CASES.items()))
def test_error_cases_raise(name, error):
    html = (CASES / name).read_text(encoding="utf-8")
    with pytest.raises(error):
        parse_article(html, "https://mid.ru/ru/foreign_policy/news/1975999/")
    assert issubclass(error, ParseError)


@pytest.mark.parametrize("html", ["", "   ", "<html><body></body></html>", "<p>Просто текст</p>",
                                  '<h1 class="photo-content__title">Только заголовок</h1>'])
def test_shells_are_not_articles(html):
    with pytest.raises(NotAnArticle):
        parse_article(html, "https://mid.ru/ru/foreign_policy/news/1975999/")


# --- behaviour a reader would notice --------------------------------------------------------

def test_briefing_9_october():
    rec = parse_ref("09-10-2024_6")
    assert rec["kind"] == "briefing"
    assert rec["title"] == "Брифинг официального представителя МИД России М.В.Захаровой, Москва, 9 октября 2024 года"
    assert rec["published_at"] == "2024-10-09T18:16:00+03:00"
    assert rec["document_number"] == "1900-09-10-2024"
    assert rec["languages"] == {xx: f"https://mid.ru/ru/foreign_policy/news/1975319/?lang={xx}"
                                for xx in ("ru", "en", "fr", "de", "es")}
    texts = [p["text"] for p in rec["paragraphs"]]
    # the table of contents is gone: its entries appear only once (as section headings)
    assert "СОДЕРЖАНИЕ" not in rec["body"] and "Назад к оглавлению" not in rec["body"]
    assert texts.count("Об участии С.В.Лаврова в 19-м Восточноазиатском саммите") == 1
    assert texts[0] == "Об участии С.В.Лаврова в 19-м Восточноазиатском саммите"
    # section headings are kept as speaker-less paragraphs (the TOC said "II Международном
    # конгрессе", the heading in the body is longer)
    for heading in ("О текущей ситуации в Ливане", "Об украинском кризисе",
                    "О втором Международном конгрессе Национального медицинского исследовательского "
                    "центра эндокринологии Минздрава России", "Из ответов на вопросы:"):
        assert {"speaker": None, "text": heading} in rec["paragraphs"]
    assert "О II Международном конгрессе НМИЦ эндокринологии Минздрава России" not in texts
    # Q&A part: speakers split off
    speakers = [p["speaker"] for p in rec["paragraphs"] if p["speaker"]]
    assert speakers.count("Вопрос") + speakers.count("Вопрос (перевод с английского)") == 23
    assert speakers.count("Ответ") == 23
    first_q = next(p for p in rec["paragraphs"] if p["speaker"] == "Вопрос")
    assert first_q["text"].startswith("Как бы Вы могли прокомментировать ход расследования терактов")
    assert not any(t.startswith(("Вопрос:", "Ответ:")) for t in texts)
    # inline links keep their text without invented spaces
    assert "«Северные потоки – 1, 2» (1,2,3), произошедших" in rec["body"]
    assert "\nВопрос: Как бы Вы могли" in rec["body"]


def test_lavrov_qa_8_october():
    rec = parse_ref("08-10-2024_3")
    assert rec["kind"] == "interview"
    assert rec["published_at"] == "2024-10-08T19:39:00+03:00"
    assert rec["document_number"] == "1895-08-10-2024"
    assert set(rec["languages"]) == {"ru", "en"}
    assert [p["speaker"] for p in rec["paragraphs"]] == ["Вопрос", "С.В.Лавров", "Вопрос", "С.В.Лавров"]
    assert rec["paragraphs"][1]["text"].startswith("Меня это вообще не интересует.")
    assert rec["body"].startswith("Вопрос: В СМИ Запада пишут, что в Киеве якобы")


def test_press_release_keeps_its_label_and_drops_empty_paragraphs():
    rec = parse_ref("10-10-2024_9")
    assert rec["kind"] == "news"
    assert rec["published_at"] == "2024-10-10T18:52:00+03:00"
    assert rec["document_number"] == "1911-10-10-2024"
    assert rec["languages"] == {"ru": "https://mid.ru/ru/foreign_policy/news/1975554/?lang=ru"}
    assert [p["text"][:25] for p in rec["paragraphs"]] == [
        "СООБЩЕНИЕ ДЛЯ СМИ", "10 октября заместитель Ми", "Состоялась сверка позиций"]
    rec = parse_ref("11-10-2024_5")  # four trailing &nbsp; paragraphs
    assert len(rec["paragraphs"]) == 3 and rec["document_number"] == "1918-11-10-2024"
    assert rec["kind"] == "news"  # "О брифинге ..." reports on a briefing


def test_speech_at_osce_has_no_false_speakers():
    rec = parse_ref("09-10-2024_8")
    assert rec["kind"] == "speech"
    assert rec["published_at"] == "2024-10-09T21:12:00+03:00"
    assert all(p["speaker"] is None for p in rec["paragraphs"])
    assert rec["paragraphs"][0]["text"] == "Пункт повестки дня: «Общие заявления»"
    assert rec["paragraphs"][3]["text"] == "Господин Председатель,"
    assert rec["paragraphs"][-1]["text"] == "Благодарю за внимание."
    assert "Делегации Российской Федерации на переговорах" in rec["title"]  # double space collapsed


def test_url_variants_give_the_same_identity():
    html = (REFERENCE / "10-10-2024_8.html").read_text(encoding="utf-8")
    base = parse_article(html, "https://mid.ru/ru/foreign_policy/news/1975535/")
    # lang from ?lang=, host kept (mirror), id from the print link when the URL has none
    mirror = parse_article(html, "http://127.0.0.1:8765/ru/foreign_policy/news/1975535/?lang=ru")
    assert mirror["url"] == "http://127.0.0.1:8765/ru/foreign_policy/news/1975535/?lang=ru"
    assert mirror["languages"]["en"] == "http://127.0.0.1:8765/ru/foreign_policy/news/1975535/?lang=en"
    no_id = parse_article(html, "https://mid.ru/ru/foreign_policy/news/")
    assert no_id["source_id"] == 1975535 and no_id["url"] == base["url"]
    for key in ("title", "paragraphs", "published_at", "document_number", "kind"):
        assert base[key] == mirror[key] == no_id[key]


def test_browser_noise_does_not_change_the_record():
    real = parse_ref("08-10-2024_3")
    stripped = parse_case("stripped-ru-qa")
    assert stripped == real
    full = parse_case("full-document-ru")
    real3 = parse_ref("10-10-2024_3")
    assert full["paragraphs"] == real3["paragraphs"] and full["title"] == real3["title"]
    assert full["url"] == "https://www.mid.ru/ru/foreign_policy/news/1975359/?lang=ru"


def test_english_transcripts():
    rec = parse_case("en-qa")
    assert rec["lang"] == "en" and rec["kind"] == "interview"
    assert [p["speaker"] for p in rec["paragraphs"]] == ["Question", "Sergey Lavrov", "Question", "Sergey Lavrov"]
    assert rec["title"].endswith("Moscow, October 8, 2024")
    rec = parse_case("en-briefing")
    assert rec["kind"] == "briefing" and len(rec["languages"]) == 5
    texts = [p["text"] for p in rec["paragraphs"]]
    assert texts[0] == "Sergey Lavrov’s participation in the 19th East Asia Summit"
    assert "Answers to media questions:" in texts
    assert texts.count("The current situation in Lebanon") == 1
    assert [p["speaker"] for p in rec["paragraphs"] if p["speaker"]] == ["Question", "Answer"]


@pytest.mark.parametrize("stem, lang, speakers, kind", [
    ("de-briefing", "de", ["Frage", "Antwort"], "briefing"),
    ("fr-briefing", "fr", ["Question", "Réponse"], "briefing"),
    ("es-briefing", "es", ["Pregunta", "Respuesta"], "briefing"),
])
def test_other_languages(stem, lang, speakers, kind):
    rec = parse_case(stem)
    assert rec["lang"] == lang and rec["kind"] == kind
    assert set(rec["languages"]) == {"ru", "en", "fr", "de", "es"}
    assert rec["published_at"] == "2024-10-09T18:16:00+03:00"
    assert [p["speaker"] for p in rec["paragraphs"] if p["speaker"]] == speakers
    assert len([p for p in rec["paragraphs"] if not p["speaker"]]) == 3  # heading, text, Q&A heading
    assert not any(re.search(r"Inhalt|Sommaire|Índice|Zurück|Retour|Volver", p["text"]) for p in rec["paragraphs"])


def test_edge_cases():
    rec = parse_case("ru-edge-cases")
    paras = [(p["speaker"], p["text"]) for p in rec["paragraphs"]]
    assert paras[:2] == [(None, "СООБЩЕНИЕ ДЛЯ СМИ"), (None, "Важно отметить: встреча прошла в конструктивном ключе.")]
    assert (None, "Стороны обсудили повестку дня и графики консультаций.") in paras  # shy, zwsp, thin space
    assert ("Вопрос (РИА «Новости»)", "Когда состоится следующий раунд?") in paras      # <br> splits
    assert ("С.В.Лавров", "Сроки согласуются.") in paras
    assert ("М.В.Захарова", "Договоренности будут выполнены.") in paras                # label-only paragraph
    assert ("Вопрос", "Будет ли совместное заявление?") in paras and ("Ответ", "Да, текст согласован.") in paras
    assert (None, "Из ответов на вопросы:") in paras
    assert (None, "Пункт повестки дня: «Общие заявления»") in paras
    assert (None, "Страна | Дата") in paras and (None, "Лаос | 10.10.2024") in paras
    assert (None, "Вьетнам (Ханой)") in paras
    assert (None, "Первый абзац в таблице-вёрстке.") in paras and (None, "Второй абзац в таблице-вёрстке.") in paras
    assert paras[-4:] == [(None, "Первый пункт списка;"), (None, "второй пункт списка."),
                          (None, "Цитата из документа."), (None, "Текст в блоке div.")]
    assert rec["url"] == "http://127.0.0.1:8765/ru/foreign_policy/news/1975400/?lang=ru"


def test_announcement_template():
    rec = parse_case("announcement-article")
    assert rec["title"] == "Анонс брифинга официального представителя МИД России М.В.Захаровой"
    assert rec["document_number"] == "1915-11-10-2024"
    assert rec["published_at"] == "2024-10-11T10:00:00+03:00"
    assert rec["kind"] == "news" and len(rec["paragraphs"]) == 2


def test_parse_page_dispatches_articles():
    html = (REFERENCE / "10-10-2024_9.html").read_text(encoding="utf-8")
    assert parse_page(html, ref_url("10-10-2024_9")) == parse_ref("10-10-2024_9")


def test_parser_is_fast_enough():
    pages = [(p.read_text(encoding="utf-8"), ref_url(p.stem)) for p in sorted(REFERENCE.glob("*.html"))]
    start = time.perf_counter()
    for html, url in pages:
        parse_article(html, url)
    per_page = (time.perf_counter() - start) / len(pages)
    assert per_page < 0.25, f"{per_page * 1000:.1f} ms/page"


def test_records_are_json_serialisable():
    rec = parse_ref("09-10-2024_6")
    assert json.loads(json.dumps(rec, ensure_ascii=False)) == rec


@pytest.mark.parametrize("html, expected", [
    ("<p><strong>Вопрос:</strong> Когда?</p>", ("Вопрос", "Когда?")),
    ("<p><b>Ответ</b>: посмотрим.</p>", ("Ответ", "посмотрим.")),
    ("<p><strong><a id='14' name='14'>Вопрос</a>: Как бы Вы прокомментировали?</strong></p>",
     ("Вопрос", "Как бы Вы прокомментировали?")),
    ("<p>Вопрос: Будет ли заявление?</p>", ("Вопрос", "Будет ли заявление?")),
    ("<p><b>Question :</b> Et alors ?</p>", ("Question", "Et alors ?")),
    ("<p><strong>Sergey Lavrov:</strong> Thank you.</p>", ("Sergey Lavrov", "Thank you.")),
    ("<p><strong>Maria Zakharova: </strong>Good afternoon.</p>", ("Maria Zakharova", "Good afternoon.")),
    ("<p><b>Question from the floor:</b> When?</p>", ("Question from the floor", "When?")),
    ("<p><b>С.В.Лавров:</b> Да.</p>", ("С.В.Лавров", "Да.")),
    ("<p><b>Ведущий:</b> Добрый вечер.</p>", ("Ведущий", "Добрый вечер.")),
    # not speakers
    ("<p><strong>Главное:</strong> всё.</p>", (None, "Главное: всё.")),
    ("<p><strong>Важно отметить:</strong> встреча прошла.</p>", (None, "Важно отметить: встреча прошла.")),
    ("<p>С.В.Лавров: без выделения не метка.</p>", (None, "С.В.Лавров: без выделения не метка.")),
    ("<p>Ответ на этот вопрос: очевиден.</p>", (None, "Ответ на этот вопрос: очевиден.")),
    ("<p>В 10:30 началось заседание.</p>", (None, "В 10:30 началось заседание.")),
    ("<p><b>Примечание:</b> текст.</p>", (None, "Примечание: текст.")),
    ("<p><b>Заявление МИД: нечто важное</b> и ещё.</p>", (None, "Заявление МИД: нечто важное и ещё.")),
    ("<p><b>Очень длинная жирная фраза из многих слов перед двоеточием:</b> текст.</p>",
     (None, "Очень длинная жирная фраза из многих слов перед двоеточием: текст.")),
    ("<p><em><u>Из ответов на вопросы:</u></em></p>", (None, "Из ответов на вопросы:")),
])
def test_speaker_labels(html, expected):
    from bs4 import BeautifulSoup

    from crawler.parsers import extract_paragraphs

    paras = extract_paragraphs(BeautifulSoup(f"<div>{html}</div>", "lxml").div)
    assert [(p["speaker"], p["text"]) for p in paras] == [expected]
