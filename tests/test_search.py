"""store/search.py: what a reader's words find (a word with its inflected forms, word* as a prefix, phrases and
exact words as typed), and that the FTS5 expression built from them is always only quoted words."""
import re

import pytest

from scheduler.reading_room.snippets import pattern
from store.db import open_db
from store.pages import record_page
from store.search import match_expression, matching_ids, query_terms
from tests.helpers import ok_fetch, record

WORDS = {
    "ru": ["Лавров", "Лаврова", "Лаврову", "Лавровым", "Лавровский", "мир", "мира", "миром", "мировой",
           "правительство", "права", "заявил", "заявила", "заявили"],
    "en": ["talk", "talks", "talked", "talking", "talkative", "agree", "agreed", "col", "cold", "col's"],
    "fr": ["invité", "invitée", "invités"],
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """One version per word: its title and body are that word alone, so a search lists the words it finds."""
    db = open_db(tmp_path_factory.mktemp("search") / "t.db")
    source_id = 1000
    for lang, words in WORDS.items():
        for word in words:
            source_id += 1
            rec = record(source_id=source_id, lang=lang, title=word, paragraphs=[(None, word)])
            record_page(db, None, rec, ok_fetch(rec))
    return db


def found(db, query, **kw):
    ids = matching_ids(db, match_expression(query, **kw), before=None, limit=1000)
    return sorted((r[0] for r in db.conn.execute(
        f"SELECT title FROM versions WHERE id IN ({','.join(map(str, ids)) or 'NULL'})")), key=str.lower)


def test_russian_word_forms(db):
    # Case forms of the surname, not the different word it begins (a street, a name: Лавровский).
    assert found(db, "Лавров") == ["Лавров", "Лаврова", "Лаврову", "Лавровым"]
    assert found(db, "лаврова") == ["Лаврова"]            # endings only add: no form is stripped
    # A short word finds its own forms, not the thousands of words it begins.
    assert found(db, "мир") == ["мир", "мира", "миром"]
    assert found(db, "прав") == ["права"]
    assert found(db, "заявил") == ["заявил", "заявила", "заявили"]


def test_latin_word_forms(db):
    assert found(db, "talk") == ["talk", "talked", "talking", "talks"]
    assert found(db, "agree") == ["agree", "agreed"]
    assert found(db, "col") == ["col", "col's"]           # not "cold": d only follows an e
    assert found(db, "invité") == ["invité", "invitée", "invités"]


def test_a_word_with_a_star_is_a_prefix(db):
    assert found(db, "talk*") == ["talk", "talkative", "talked", "talking", "talks"]
    assert found(db, "мир*") == ["мир", "мира", "мировой", "миром"]
    assert found(db, "Лавров*") == ["Лавров", "Лаврова", "Лавровский", "Лаврову", "Лавровым"]


def test_exact_words_and_phrases_are_as_typed(db):
    assert found(db, "Лавров", word_forms=False) == ["Лавров"]
    assert found(db, "talk", word_forms=False) == ["talk"]
    assert found(db, '"мир"') == ["мир"]
    assert found(db, "ми") == []                            # under three letters: the word itself only


@pytest.mark.parametrize("query", ["Лавров", "мир", "talk", "agree", "col", "заявил", "прав", "talk*", '"мир"',
                                   "invité"])
def test_the_highlight_marks_exactly_what_the_search_finds(db, query):
    pat = pattern(query_terms(query))
    marked = sorted((w for words in WORDS.values() for w in words if pat.fullmatch(w)), key=str.lower)
    # "col's" is two words to the index; the highlight marks its "col" (below).
    assert [w for w in found(db, query) if "'" not in w] == marked


def test_the_highlight_marks_whole_forms_of_every_word():
    pat = pattern(query_terms("мир Лавров talk"))
    text = "Лавров и Лаврову о мире, мировой Лавровский talked, talkative col's"
    assert pat.findall(text) == ["Лавров", "Лаврову", "мире", "talked"]
    assert pattern(query_terms("col")).findall("col's cold") == ["col"]


@pytest.mark.parametrize("query", ['"', '*', 'AND', 'OR x', 'NOT talk', 'NEAR(talk mir)', 'title:talk',
                                   'col: talk', '^talk', 'talk + mir', '"unclosed', 'a"b"c', '(talk)', '{title}: x',
                                   'talk*"*', '-talk', '___', 'talk_s'])
def test_reader_syntax_never_acts(db, query):
    expr = match_expression(query)
    # Only quoted words, AND, OR, parentheses and a star after a closing quote.
    assert re.fullmatch(r'(\(?"[\w ]+"\*?( OR "[\w ]+")*\)?( AND )?)*', expr), expr
    matching_ids(db, expr, before=None, limit=10) if expr else None     # and FTS5 accepts it


def test_title_and_col_filters_are_words(db):
    assert found(db, "title:talk") == []                     # "title" must appear too: nothing has it
    assert found(db, "NEAR(talk)") == []
