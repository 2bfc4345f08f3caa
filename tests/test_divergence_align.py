"""Paragraph alignment between language variants (scheduler/divergence/align.py and the modules it runs, anchors.py)."""
import json
from pathlib import Path

import pytest

from scheduler.divergence.align import align
from scheduler.divergence.anchors import compare_anchors, extract_anchors
from scheduler.divergence.links import HIGH
from scheduler.divergence.roles import roles_compatible, speaker_role

CASES = Path(__file__).parent.parent / "fixtures" / "divergence"


def load(name):
    return json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))


def pairs(al):
    return [(lk.a, lk.b) for lk in al.links]


# ------------------------------------------------------------------------------- anchors


@pytest.mark.parametrize("ru, other", [
    ("1 000 человек", "1,000 people"),
    ("1 000 человек", "1.000 Menschen"),
    ("рост на 5 %", "growth of 5%"),
    ("5 процентов", "5 per cent"),
    ("5 процентов", "5 Prozent"),
    ("1,5 млрд долларов", "1.5 billion dollars"),
    ("1,5 млрд евро", "1,5 Milliarden Euro"),
    ("10 000 млн", "10 billion"),
    ("2 сентября 2024 года", "September 2, 2024"),
    ("2 сентября 2024 года", "2. September 2024"),
    ("16 сентября", "16 de septiembre"),
    ("1 октября", "1er octobre"),
    ("IX Форум", "9th Forum"),
    ("XXI век", "21st century"),
])
def test_numbers_dates_and_percentages_normalise_across_languages(ru, other):
    a, b = extract_anchors(ru), extract_anchors(other)
    assert a and a == b


def test_substitutions_are_told_apart_from_spelled_numbers_and_ranges():
    assert compare_anchors(extract_anchors("на 5%"), extract_anchors("by 15%"), "на 5%", "by 15%") == (
        0, ["pct:5"], ["pct:15"])
    # "в 3 раза" / "three times": a digit matched by a number word
    assert compare_anchors(extract_anchors("в 3 раза"), extract_anchors("three times"), "в 3 раза", "three times")[1:] \
        == ([], [])
    # a date range written differently
    a, b = "11–12 ноября", "November 11-12"
    assert compare_anchors(extract_anchors(a), extract_anchors(b), a, b)[1:] == ([], [])
    # Latin names in Cyrillic text are found in the other side's text
    a, b = "саммит БРИКС и G20", "the BRICS summit and the G20"
    assert compare_anchors(extract_anchors(a), extract_anchors(b), a, b)[1:] == ([], [])


@pytest.mark.parametrize("ru, other", [
    ("Вопрос", "Question"), ("Вопрос", "Frage"), ("Вопрос", "Pregunta"), ("Ответ", "Answer"), ("Ответ", "Antwort"),
    ("С.В.Лавров", "Sergey Lavrov"), ("С.В.Лавров", "Sergej Lawrow"), ("С.В.Лавров", "Sergueï Lavrov"),
    ("С.В.Лавров", "Serguéi Lavrov"), ("М.В.Захарова", "Maria Zakharova"), ("М.В.Захарова", "Maria Sacharowa"),
    ("М.В.Захарова", "María Zajárova"),
])
def test_speaker_labels_map_across_languages(ru, other):
    assert roles_compatible(speaker_role(ru), speaker_role(other)) == 1


def test_conflicting_speakers():
    assert roles_compatible(speaker_role("Вопрос"), speaker_role("Answer")) == -1
    assert roles_compatible(speaker_role("С.В.Лавров"), speaker_role("Maria Zakharova")) == -1
    assert roles_compatible(speaker_role("Ответ"), speaker_role("Sergey Lavrov")) == 0  # plausible, not proof


# ------------------------------------------------------------------------------- alignment


def test_faithful_qa_aligns_one_to_one_with_high_confidence():
    case = load("qa_faithful_ru_en")
    al = align(case["a"]["paragraphs"], case["b"]["paragraphs"], "ru", "en")
    assert pairs(al) == [((i,), (i,)) for i in range(7)]
    assert all(lk.confidence >= 0.9 for lk in al.links)


def test_split_and_merged_paragraphs():
    case = load("speech_split_merge_ru_en")
    al = align(case["a"]["paragraphs"], case["b"]["paragraphs"], "ru", "en")
    assert pairs(al) == [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((3, 4), (4,)), ((5,), (5,)), ((6,), (6,))]
    assert min(lk.confidence for lk in al.links) >= HIGH


def test_reordered_answers_are_paired_out_of_order():
    case = load("qa_reordered_ru_de")
    al = align(case["a"]["paragraphs"], case["b"]["paragraphs"], "ru", "de")
    got = {lk.a: lk.b for lk in al.links}
    assert got == {(0,): (0,), (1,): (1,), (2,): (2,), (3,): (5,), (4,): (6,), (5,): (3,), (6,): (4,)}
    assert any(lk.moved for lk in al.links)
    assert all(lk.kind == "match" for lk in al.links)


def test_missing_exchange_is_one_confident_gap():
    case = load("qa_missing_answer_ru_en")
    al = align(case["a"]["paragraphs"], case["b"]["paragraphs"], "ru", "en")
    gaps = [lk for lk in al.links if lk.kind != "match"]
    assert [(lk.a, lk.whole_turn) for lk in gaps] == [((3,), True), ((4,), True)]
    assert all(lk.confidence >= HIGH for lk in gaps)
    assert ((5,), (3,)) in pairs(al) and ((6,), (4,)) in pairs(al)


def test_briefing_sections_align_by_headings_and_anchors():
    case = load("briefing_missing_section_ru_en")
    al = align(case["a"]["paragraphs"], case["b"]["paragraphs"], "ru", "en")
    assert pairs(al) == [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ()), ((4,), (2,)), ((5,), (3,)),
                         ((6,), (4,)), ((7,), (5,)), ((8,), (6,))]


def test_boilerplate_line_is_ignored_not_missing():
    ru = [{"speaker": None, "text": "СООБЩЕНИЕ ДЛЯ СМИ"},
          {"speaker": None, "text": "10 октября состоялась встреча министров. Обсуждены вопросы сотрудничества."}]
    en = [{"speaker": None, "text": "On October 10, the ministers held a meeting. They discussed cooperation."}]
    al = align(ru, en, "ru", "en")
    assert [(lk.a, lk.b, lk.ignorable) for lk in al.links] == [((0,), (), True), ((1,), (0,), False)]


def test_unrelated_texts_get_low_confidence():
    ru = [{"speaker": None, "text": "Короткий абзац."},
          {"speaker": None, "text": "Очень длинный абзац " * 30}]
    en = [{"speaker": None, "text": "A very long paragraph " * 25},
          {"speaker": None, "text": "Short one."},
          {"speaker": None, "text": "Another long paragraph about something else entirely " * 6}]
    al = align(ru, en, "ru", "en")
    assert al.confidence < 0.8
    assert any(lk.confidence < HIGH for lk in al.links)


def test_empty_and_one_sided_texts():
    assert align([], [], "ru", "en").links == []
    al = align([{"speaker": None, "text": "Текст заявления о переговорах, длинный и содержательный абзац."}], [],
               "ru", "en")
    assert [lk.kind for lk in al.links] == ["only_a"]


def test_long_texts_stay_fast():
    import time

    ru = [{"speaker": None, "text": f"Абзац номер {i}: " + "текст брифинга " * (5 + i % 7) + "и точка."}
          for i in range(150)]
    en = [{"speaker": None, "text": f"Paragraph number {i}: " + "briefing text " * (5 + i % 7) + "full stop."}
          for i in range(150)]
    start = time.monotonic()
    al = align(ru, en, "ru", "en")
    assert time.monotonic() - start < 10
    assert pairs(al) == [((i,), (i,)) for i in range(150)]


def test_real_translated_pairs_in_the_mirror_align_confidently():
    """The mirror's real 1974990 ru/en Q&A and the five-language 1963150, parsed by the crawler's parser."""
    from crawler.parsers import parse_article
    from fixtures.mirror import MirrorServer
    import urllib.request

    with MirrorServer(state="initial") as server:
        def get(path):
            with urllib.request.urlopen(server.base_url + path) as resp:
                return parse_article(resp.read().decode("utf-8"), server.base_url + path)

        ru = get("/ru/foreign_policy/news/1974990/?lang=ru")
        en = get("/ru/foreign_policy/news/1974990/?lang=en")
        al = align(ru["paragraphs"], en["paragraphs"], "ru", "en")
        assert pairs(al) == [((i,), (i,)) for i in range(len(ru["paragraphs"]))]
        assert al.confidence >= 0.9
        ru5 = get("/ru/press_service/minister_speeches/1963150/?lang=ru")
        for lang in ("en", "de", "fr", "es"):
            other = get(f"/ru/press_service/minister_speeches/1963150/?lang={lang}")
            al = align(ru5["paragraphs"], other["paragraphs"], "ru", lang)
            assert all(lk.kind == "match" and lk.confidence >= HIGH for lk in al.links), lang
