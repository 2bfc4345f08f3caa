"""crawler/sections.py: sections, paths and kind classification."""
from __future__ import annotations

import pytest

from crawler.sections import (
    KINDS,
    LANGUAGES,
    SECTIONS,
    classify_kind,
    listing_path,
    section_key,
    section_key_from_url,
    split_article_path,
)


def test_sections_and_languages():
    assert set(SECTIONS) == {"news", "minister_speeches", "briefings", "answers", "comments",
                             "official_statements", "deputy_speeches"}
    assert {"ru", "en", "de", "fr", "es"} <= set(LANGUAGES)


@pytest.mark.parametrize(
    "key, lang, path",
    [
        ("news", "ru", "/ru/foreign_policy/news/"),
        ("news", "en", "/en/foreign_policy/news/"),
        ("minister_speeches", "de", "/de/press_service/minister_speeches/"),
        ("briefings", "ru", "/ru/press_service/spokesman/briefings/"),
        ("answers", "en", "/en/press_service/spokesman/answers/"),
        ("comments", "ru", "/ru/press_service/spokesman/kommentarii/"),
        ("comments", "en", "/en/press_service/spokesman/comments/"),
        ("official_statements", "fr", "/fr/press_service/spokesman/official_statement/"),
        ("deputy_speeches", "ru", "/ru/press_service/deputy_ministers_speeches/"),
        ("deputy_speeches", "en", None),
    ],
)
def test_listing_path(key, lang, path):
    assert listing_path(key, lang) == path


def test_listing_path_unknown_section():
    with pytest.raises(KeyError):
        listing_path("nope", "ru")


@pytest.mark.parametrize(
    "value, key",
    [
        ("/ru/foreign_policy/news/1975319/", "news"),
        ("/en/foreign_policy/news/", "news"),
        ("foreign_policy/news", "news"),
        ("/ru/press_service/spokesman/kommentarii/1975000/", "comments"),
        ("/en/press_service/spokesman/comments/", "comments"),
        ("/ru/press_service/spokesman/briefings/1973703/", "briefings"),
        ("/ru/press_service/deputy_ministers_speeches/", "deputy_speeches"),
        ("https://mid.ru/en/press_service/minister_speeches/1972774/?lang=en", "minister_speeches"),
        ("briefings", "briefings"),
        ("/ru/maps/ua/", None),
        ("", None),
        (None, None),
    ],
)
def test_section_key(value, key):
    assert section_key(value) == key


def test_section_key_from_url():
    assert section_key_from_url("http://127.0.0.1:8000/ru/press_service/spokesman/answers/1975001/?lang=ru") == "answers"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/ru/foreign_policy/news/1974990/", ("ru", "foreign_policy/news", 1974990)),
        ("/fr/maps/ru/ru-kgd/1548072/", ("fr", "maps/ru/ru-kgd", 1548072)),
        ("/pt/foreign_policy/rso/nato/1795953", ("pt", "foreign_policy/rso/nato", 1795953)),
        ("/ru/foreign_policy/news/", ("ru", "foreign_policy/news", None)),
        ("/print/", (None, "print", None)),
        ("/", (None, None, None)),
    ],
)
def test_split_article_path(path, expected):
    assert split_article_path(path) == expected


@pytest.mark.parametrize(
    "section, title, kind",
    [
        # real titles from the saved pages
        ("foreign_policy/news", "Брифинг официального представителя МИД России М.В.Захаровой, Москва, 9 октября 2024 года", "briefing"),
        ("foreign_policy/news", "Ответы Министра иностранных дел Российской Федерации С.В.Лаврова на вопросы программы «Москва. Кремль. Путин», Москва, 8 октября 2024 года", "interview"),
        ("foreign_policy/news", "Выступление и.о. руководителя Делегации Российской Федерации на переговорах в Вене", "speech"),
        ("foreign_policy/news", "О встрече заместителя Министра иностранных дел России С.А.Рябкова с Послом Индии в России В.Кумаром", "news"),
        ("foreign_policy/news", "О брифинге заместителя Министра иностранных дел Российской Федерации С.В.Вершинина для представителей государств ОДКБ", "news"),
        ("foreign_policy/news", "О 19-м Восточноазиатском саммите", "news"),
        # other languages
        ("foreign_policy/news", "Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, October 9, 2024", "briefing"),
        ("foreign_policy/news", "Foreign Minister Sergey Lavrov’s interview with Channel One", "interview"),
        ("foreign_policy/news", "Foreign Minister Sergey Lavrov’s remarks and answers to media questions", "speech"),
        ("foreign_policy/news", "Foreign Minister Sergey Lavrov’s answers to media questions at a news conference", "interview"),
        ("foreign_policy/news", "Statement by Foreign Minister Sergey Lavrov at the UN Security Council", "speech"),
        ("foreign_policy/news", "Foreign Ministry statement on the situation in the Middle East", "statement"),
        ("foreign_policy/news", "Comment by the Information and Press Department on the EU sanctions", "comment"),
        ("foreign_policy/news", "On the meeting of Deputy Foreign Minister Sergey Ryabkov", "news"),
        ("foreign_policy/news", "Pressebriefing der offiziellen Sprecherin Maria Sacharowa", "briefing"),
        ("foreign_policy/news", "Interview des Außenministers Sergej Lawrow", "interview"),
        ("foreign_policy/news", "Rede des Außenministers Sergej Lawrow", "speech"),
        ("foreign_policy/news", "Erklärung des Außenministeriums Russlands", "statement"),
        ("foreign_policy/news", "Point de presse de la porte-parole Maria Zakharova", "briefing"),
        ("foreign_policy/news", "Réponses aux questions des médias de Sergueï Lavrov", "interview"),
        ("foreign_policy/news", "Discours du Ministre Sergueï Lavrov", "speech"),
        ("foreign_policy/news", "Déclaration du Ministère des Affaires étrangères", "statement"),
        ("foreign_policy/news", "Commentaire de la porte-parole", "comment"),
        ("foreign_policy/news", "Rueda de prensa de la portavoz María Zajárova", "briefing"),
        ("foreign_policy/news", "Entrevista del Ministro Serguéi Lavrov", "interview"),
        ("foreign_policy/news", "Discurso del Ministro Serguéi Lavrov", "speech"),
        ("foreign_policy/news", "Declaración del Ministerio de Asuntos Exteriores", "statement"),
        ("foreign_policy/news", "Comentario de la portavoz", "comment"),
        ("foreign_policy/news", "Анонс брифинга официального представителя МИД России", "news"),
        ("foreign_policy/news", "Интервью Министра иностранных дел России С.В.Лаврова газете «Известия»", "interview"),
        ("foreign_policy/news", "Заявление МИД России в связи с ситуацией на Ближнем Востоке", "statement"),
        ("foreign_policy/news", "Комментарий официального представителя МИД России М.В.Захаровой", "comment"),
        # the section decides when the title is silent (or only reports)
        ("press_service/spokesman/briefings", "Москва, 9 октября 2024 года", "briefing"),
        ("press_service/minister_speeches", "С.В.Лавров, Вьентьян, 11 октября 2024 года", "speech"),
        ("press_service/spokesman/answers", "О ситуации в Ливане", "interview"),
        ("press_service/spokesman/kommentarii", "О ситуации в Ливане", "comment"),
        ("press_service/spokesman/comments", "On the situation in Lebanon", "comment"),
        ("press_service/spokesman/official_statement", "О ситуации в Ливане", "statement"),
        ("press_service/deputy_ministers_speeches", "С.А.Рябков, Москва", "speech"),
        ("official_statements", "", "statement"),
        (None, None, "news"),
        ("maps/ua", "Что-то", "news"),
    ],
)
def test_classify_kind(section, title, kind):
    assert classify_kind(section, title) == kind
    assert kind in KINDS
