"""scheduler/reading_room/snippets.py: where the reader's words are, cut out of long texts and marked."""
from __future__ import annotations

from scheduler.reading_room.snippets import pattern, snippet
from store.search import Term


def words(*terms: str, prefix: bool = True):
    return pattern([Term((t,), prefix) for t in terms])


def test_a_match_deep_in_a_long_transcript_is_shown_and_marked():
    text = "Вопрос: " + "слово " * 20000 + "Министр Лавров сказал, что переговоры продолжатся. " + "ещё " * 5000
    out = str(snippet(text, words("лавров")))
    assert "<mark>Лавров</mark> сказал" in out and out.startswith("… ") and out.endswith(" …")
    assert len(out) < 400


def test_a_cut_inside_a_word_never_makes_a_false_match():
    # The window around the real match starts 520 characters before it; put a word ending in the query's
    # letters exactly there: a cut inside it would leave "лавров" at the window's start.
    head = "слово " * 1000 + "x"
    filler = " " + "ы" * 512 + " "
    text = head + "лавров" + filler + "лавров сказал " + "ещё " * 200
    assert text.index("лавров сказал") - 520 == len(head)
    out = str(snippet(text, words("лавров")))
    assert out.count("<mark>") == 1 and "<mark>лавров</mark> сказал" in out


def test_no_match_gives_the_texts_beginning_and_whitespace_is_folded():
    out = str(snippet("Заявление  МИД\nРоссии " + "о ситуации " * 100, words("nothing")))
    assert out.startswith("Заявление МИД России") and out.endswith(" …") and "<mark>" not in out


def test_page_text_is_escaped_around_the_marks():
    out = str(snippet("<script>alert(1)</script> Лавров", words("лавров")))
    assert "&lt;script&gt;" in out and "<mark>Лавров</mark>" in out and "<script>" not in out
