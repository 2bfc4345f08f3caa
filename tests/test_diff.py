"""Paragraph alignment, word diffs, summaries and renderings of statement versions."""
from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from scheduler.diff.compute import diff_versions
from scheduler.diff.html_format import render_html, render_html_page
from scheduler.diff.json_format import render_json
from scheduler.diff.model import Segment
from scheduler.diff.summary import summarize
from scheduler.diff.terminal import safe_terminal
from scheduler.diff.text_format import render_text

Para = tuple[str | None, str]


def version(title: str, *paras: Para) -> dict[str, Any]:
    return {"title": title, "paragraphs": [{"speaker": s, "text": t} for s, t in paras]}


def ops(d) -> list[tuple[str, int | None, int | None]]:
    return [(op.kind, op.old_index, op.new_index) for op in d.ops]


def changes(d) -> list[tuple[str, int | None, int | None]]:
    return [t for t in ops(d) if t[0] != "equal"]


TITLE = "Выступление и ответы на вопросы СМИ Министра иностранных дел России С.В.Лаврова по итогам переговоров, Москва, 10 октября 2024 года"
INTRO: Para = (None, "Добрый день. Мы провели содержательные переговоры с нашими коллегами, обсудили двусторонние отношения и международную повестку дня.")
OPEN: Para = ("С.В.Лавров", "Подтвердили общую заинтересованность в развитии торговли, в том числе в национальных валютах, и в расширении гуманитарных связей.")
Q1: Para = ("Вопрос", "Как Вы оцениваете перспективы урегулирования ситуации на Ближнем Востоке?")
A1: Para = ("С.В.Лавров", "Мы неоднократно говорили, что без создания палестинского государства, как это предусмотрено решениями СБ ООН, стабильности в регионе не будет.")
Q2: Para = ("Вопрос", "Будет ли Россия участвовать в следующем раунде консультаций в Женеве?")
A2: Para = ("С.В.Лавров", "Если приглашение поступит, мы его рассмотрим. Но пока никаких конкретных предложений не было.")
Q3: Para = ("Вопрос", "Какова позиция Москвы по поводу новых санкций?")
A3: Para = ("С.В.Лавров", "Санкции не работают и никогда не работали. Наша экономика адаптировалась.")
BASE = version(TITLE, INTRO, OPEN, Q1, A1, Q2, A2, Q3, A3)


def edited(p: Para, old: str, new: str) -> Para:
    assert old in p[1]
    return (p[0], p[1].replace(old, new, 1))


# ---------------------------------------------------------------- operations and summaries


def test_identical_versions() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q2, A2, Q3, A3))
    assert not d.changed
    assert changes(d) == []
    assert [op.kind for op in d.ops] == ["equal"] * 8
    assert summarize(d) == "no textual change"
    assert render_text(d) == "no textual change\n"


def test_one_word_edited() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, edited(A1, "неоднократно", "всегда"), Q2, A2, Q3, A3))
    assert changes(d) == [("changed", 3, 3)]
    op = d.ops[3]
    assert op.speaker == "С.В.Лавров"
    assert op.words == (
        Segment("equal", "Мы "),
        Segment("delete", "неоднократно"),
        Segment("insert", "всегда"),
        Segment("equal", A1[1].split("неоднократно")[1]),
    )
    assert summarize(d) == "1 paragraph edited"


def test_comma_changed() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, edited(A1, "говорили, что", "говорили что"), Q2, A2, Q3, A3))
    assert changes(d) == [("changed", 3, 3)]
    assert [s for s in d.ops[3].words if s.op != "equal"] == [Segment("delete", ",")]
    assert "говорили[-,-] что" in render_text(d)
    assert "говорили<del>,</del> что" in render_html(d)


def test_punctuation_swap_is_shown() -> None:
    d = diff_versions(version("T", (None, "Это так.")), version("T", (None, "Это так?")))
    assert d.ops[0].words == (Segment("equal", "Это так"), Segment("delete", "."), Segment("insert", "?"))


def test_paragraph_inserted() -> None:
    new_q = ("Вопрос", "Уточните, пожалуйста, сроки визита.")
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, A1, new_q, Q2, A2, Q3, A3))
    assert changes(d) == [("inserted", None, 4)]
    assert summarize(d) == "1 paragraph added"


def test_paragraph_deleted() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, Q1, A1, Q2, A2, Q3, A3))
    assert changes(d) == [("deleted", 1, None)]
    assert d.ops[1].speaker == "С.В.Лавров"
    assert summarize(d) == "1 paragraph removed"


def test_question_and_answer_removed() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q3, A3))
    assert changes(d) == [("deleted", 4, None), ("deleted", 5, None)]
    assert [op.speaker for op in d.ops if op.kind == "deleted"] == ["Вопрос", "С.В.Лавров"]
    assert summarize(d) == "2 paragraphs removed"


def test_only_answer_removed() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q2, Q3, A3))
    assert changes(d) == [("deleted", 5, None)]
    assert summarize(d) == "1 paragraph removed"


def test_qa_turns_reordered() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q3, A3, Q2, A2))
    # Q2/A2 stay aligned, Q3/A3 move up in front of them (either pair could be "the moved one";
    # the matcher keeps the earlier one in place).
    assert changes(d) == [("moved", 6, 4), ("moved", 7, 5)]
    assert summarize(d) == "2 paragraphs moved"
    assert all(op.words is None for op in d.ops if op.kind == "moved")


def test_moved_and_edited() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q3, edited(A3, "адаптировалась", "давно адаптировалась"), Q1, A1, Q2, A2))
    assert changes(d) == [("moved", 6, 2), ("moved", 7, 3)]
    a3 = d.ops[3]
    assert a3.words is not None and Segment("insert", "давно ") in a3.words
    assert d.ops[2].words is None
    assert summarize(d) == "2 paragraphs moved (1 of them also edited)"


def test_reordered_and_touched_up_turns() -> None:
    # No paragraph survives verbatim, so everything after INTRO is one replaced block; turns
    # that cross the in-place alignment are moves.
    new = version(TITLE, INTRO, edited(Q2, "Женеве", "Вене"), edited(A2, "никаких ", ""),
                  edited(Q1, "Как Вы", "Как вы"), edited(A1, "не будет", "не наступит"))
    d = diff_versions(version(TITLE, INTRO, Q1, A1, Q2, A2), new)
    # Which pair counts as "in place" depends on similarity scores; the pairing itself must not.
    assert sorted((o, n) for _, o, n in changes(d)) == [(1, 3), (2, 4), (3, 1), (4, 2)]
    assert sorted(k for k, _, _ in changes(d)) == ["changed", "changed", "moved", "moved"]
    assert [n for _, _, n in changes(d)] == [1, 2, 3, 4]  # ops come in new-document order
    assert summarize(d) == "2 paragraphs edited, 2 moved and edited"


def test_lightly_edited_paragraph_is_changed_not_replaced() -> None:
    new_a2 = ("С.В.Лавров", "Если приглашение поступит, мы его внимательно рассмотрим. Но пока конкретных предложений не было.")
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q2, new_a2, Q3, A3))
    assert changes(d) == [("changed", 5, 5)]


def test_rewritten_paragraph_is_removed_and_added() -> None:
    new_a2 = ("С.В.Лавров", "Этот вопрос не ко мне, обратитесь к организаторам встречи.")
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q2, new_a2, Q3, A3))
    assert changes(d) == [("deleted", 5, None), ("inserted", None, 5)]
    assert summarize(d) == "1 paragraph added, 1 removed"


def test_title_edited() -> None:
    d = diff_versions(BASE, version(TITLE.replace("10 октября", "11 октября"), INTRO, OPEN, Q1, A1, Q2, A2, Q3, A3))
    assert d.title.changed and changes(d) == []
    assert [s for s in d.title.words if s.op != "equal"] == [Segment("delete", "10"), Segment("insert", "11")]
    assert summarize(d) == "title edited"


def test_speaker_changed() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, ("М.В.Захарова", OPEN[1]), Q1, A1, Q2, A2, Q3, A3))
    assert changes(d) == [("changed", 1, 1)]
    op = d.ops[1]
    assert (op.old_speaker, op.new_speaker, op.speaker_changed) == ("С.В.Лавров", "М.В.Захарова", True)
    assert all(s.op == "equal" for s in op.words)
    assert "@@ ¶2 edited (С.В.Лавров → М.В.Захарова) @@" in render_text(d)
    assert "~ [-С.В.Лавров-]{+М.В.Захарова+}: Подтвердили" in render_text(d)


def test_mixed_summary() -> None:
    new = version(
        TITLE + " (обновлено)",
        INTRO,
        edited(OPEN, "торговли", "взаимной торговли"),
        Q1,
        edited(A1, "не будет", "не будет никогда"),
        Q3,
        A3,
        Q2,
        ("Вопрос", "И последний вопрос: когда следующая встреча?"),
    )
    d = diff_versions(BASE, new)
    # Q3/A3 stay aligned; Q2 is the turn that moved (below them), A2 is gone.
    assert summarize(d) == "title edited; 2 paragraphs edited, 1 added, 1 removed, 1 moved"
    assert changes(d) == [
        ("changed", 1, 1),
        ("changed", 3, 3),
        ("deleted", 5, None),
        ("moved", 4, 6),
        ("inserted", None, 7),
    ]


def test_whitespace_quote_dash_yo_case_edits_are_word_diffs() -> None:
    old = version("T", (None, "Это «важный» шаг — ещё один."))
    for new_text, expected in [
        ("Это  «важный» шаг — ещё один.", [("insert", " ")]),
        ("Это „важный“ шаг — ещё один.", [("delete", "«"), ("insert", "„"), ("delete", "»"), ("insert", "“")]),
        ("Это «важный» шаг – ещё один.", [("delete", "—"), ("insert", "–")]),
        ("Это «важный» шаг — еще один.", [("delete", "ещё"), ("insert", "еще")]),
        ("Это «Важный» шаг — ещё один.", [("delete", "важный"), ("insert", "Важный")]),
    ]:
        d = diff_versions(old, version("T", (None, new_text)))
        assert changes(d) == [("changed", 0, 0)]
        assert [(s.op, s.text) for s in d.ops[0].words if s.op != "equal"] == expected
        assert summarize(d) == "1 paragraph edited"


def test_latin_scripts() -> None:
    old = version("Foreign Minister’s remarks", (None, "Nous sommes prêts à dialoguer, mais pas à n’importe quel prix."),
                  ("Frage", "Wie bewerten Sie die Lage?"))
    new = version("Foreign Minister’s remarks", (None, "Nous sommes prêts à dialoguer, mais pas à tout prix."),
                  ("Frage", "Wie bewerten Sie die Lage, Herr Minister?"))
    d = diff_versions(old, new)
    assert changes(d) == [("changed", 0, 0), ("changed", 1, 1)]
    assert [s for s in d.ops[0].words if s.op != "equal"] == [Segment("delete", "n’importe quel"), Segment("insert", "tout")]
    assert [s for s in d.ops[1].words if s.op != "equal"] == [Segment("insert", ", Herr Minister")]


def test_new_statement_from_empty() -> None:
    d = diff_versions({"title": "", "paragraphs": []}, BASE)
    assert changes(d) == [("inserted", None, j) for j in range(8)]
    assert summarize(d) == "title edited; 8 paragraphs added"


def test_json_shape_and_stability() -> None:
    d = diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, edited(A1, "неоднократно", "всегда"), Q2, A2, Q3))
    data = json.loads(render_json(d))
    assert list(data) == ["version", "changed", "summary", "counts", "title", "ops"]
    assert data["counts"] == {"title": 0, "edited": 1, "added": 0, "removed": 1, "moved": 0, "moved_edited": 0}
    op = data["ops"][3]
    assert list(op) == ["kind", "old_index", "new_index", "speaker", "old_speaker", "new_speaker", "old_text", "new_text", "words"]
    assert op["kind"] == "changed" and op["words"][1] == {"op": "delete", "text": "неоднократно"}
    assert data["ops"][-1]["kind"] == "deleted" and data["ops"][-1]["new_index"] is None
    assert render_json(d) == render_json(diff_versions(BASE, version(TITLE, INTRO, OPEN, Q1, edited(A1, "неоднократно", "всегда"), Q2, A2, Q3)))
    assert "неоднократно" in render_json(d)  # readable UTF-8, not \u escapes
    assert json.loads(d.to_json()) == d.to_dict()


# ---------------------------------------------------------------- renderings (golden files)

MIXED_NEW = version(
    TITLE.replace("по итогам переговоров", "по итогам переговоров с Министром иностранных дел Египта"),
    INTRO,
    edited(OPEN, "торговли, в том числе", "торговли – в том числе"),
    Q1,
    edited(A1, "говорили, что", "подчёркивали:"),
    Q3,
    A3,
    Q2,
    ("Вопрос", "И последний вопрос: когда следующая встреча?"),
)


def long_transcript(n_turns: int = 60) -> dict[str, Any]:
    paras: list[Para] = [INTRO]
    for k in range(n_turns):
        paras.append(("Вопрос", f"Вопрос номер {k + 1}: как Вы прокомментируете заявление коллег от {k + 1} числа?"))
        paras.append(("С.В.Лавров", f"Ответ {k + 1}. " + " ".join(p[1] for p in (A1, A2, A3))))
    return version(TITLE, *paras)


@pytest.mark.parametrize(
    "name, old, new",
    [
        ("mixed", BASE, MIXED_NEW),
        ("qa_reordered", BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q3, A3, Q2, A2)),
        ("answer_removed", BASE, version(TITLE, INTRO, OPEN, Q1, A1, Q2, Q3, A3)),
        ("cosmetic", BASE, version(TITLE, INTRO, OPEN, Q1, edited(A1, "Мы ", "Мы  "), Q2, A2, Q3, edited(A3, "Наша", "НАША"))),
        ("speaker_changed", BASE, version(TITLE, INTRO, ("М.В.Захарова", OPEN[1]), Q1, A1, Q2, A2, Q3, A3)),
        ("latin", version("Press release", (None, "The Ministry “regrets” the decision — again."), ("Question", "Will you go to Geneva?")),
                  version("Press release", (None, "The Ministry ‘deeply regrets’ the decision – again!"), ("Question", "Will you go to Geneva?"))),
        ("long_paragraph", long_transcript(5), None),
    ],
)
def test_renderings_golden(golden, name: str, old: dict, new: dict | None) -> None:
    if new is None:  # one long edited answer among many: checks in-paragraph trimming and elision
        new = json.loads(json.dumps(old))
        p = new["paragraphs"][6]
        p["text"] = p["text"].replace("стабильности в регионе", "стабильности в этом регионе", 1)
    d = diff_versions(old, new)
    golden(f"diff/{name}.txt", render_text(d))
    golden(f"diff/{name}.color.txt", render_text(d, color=True))
    golden(f"diff/{name}.html", render_html(d, title=new["title"]))
    golden(f"diff/{name}.json", json.loads(render_json(d)))


def test_full_page_golden(golden) -> None:
    d = diff_versions(BASE, MIXED_NEW)
    page = render_html_page(d, title=MIXED_NEW["title"], full=True)
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert page.count('class="mw-equal"') == 4  # INTRO, Q1, Q3, A3: full mode elides nothing
    golden("diff/mixed.page.html", page)


def test_context_and_elision() -> None:
    old = long_transcript(10)
    new = json.loads(json.dumps(old))
    new["paragraphs"][10]["text"] += " Спасибо."
    d = diff_versions(old, new)
    assert changes(d) == [("changed", 10, 10)]
    text = render_text(d, context=1)
    # 21 paragraphs, ¶11 edited, one neighbour each side: 9 hidden before and 9 after.
    assert text.count("  … 9 unchanged paragraphs …") == 2
    assert render_text(d, context=0).count("  … 10 unchanged paragraphs …") == 2
    assert "… 1 unchanged paragraph …" in render_text(diff_versions(version("T", (None, "a"), (None, "b"), (None, "c")), version("T", (None, "a"), (None, "b!"), (None, "c"))), context=0)
    assert text.count("\n  Вопрос") + text.count("\n  С.В.Лавров") == 2
    assert render_text(d, context=0).count("\n  Вопрос") == 0
    html_ = render_html(d)
    assert html_.count('class="mw-elided"') == 2
    assert 'class="mw-elided"' not in render_html(d, full=True)


# ---------------------------------------------------------------- hostile page text

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '<a href="javascript:alert(3)">click</a>',
    "\x1b[2J\x1b]0;pwned\x07\x1b[31mred",
    "evil\u202egnp.exe \u2066isolate\u2069",
    "zero\u200bwidth\ufeff\u200d",
    "bell\x07 back\x08space \x9b31m c1",
    "line\nbreak\r\n+ forged added line",
]


FILLER = " ".join(f"слово{k}" for k in range(40))


def hostile_diff():
    # The second paragraph stays similar enough to be "changed", so hostile text reaches the
    # word-level renderer as well as the whole-paragraph and context renderers.
    old = version("Title <b>", ("Вопрос", FILLER + " <i>x</i>"), (None, "Неизменный абзац."), (None, "Remove <u>me</u>\u202e"))
    new = version(
        "Title <script>alert('t')</script>\u202e",
        ("Вопрос", FILLER + " " + " ".join(HOSTILE)),
        (None, "Неизменный абзац."),
        ("<img src=x onerror=alert(4)>", " ".join(HOSTILE)),
    )
    return diff_versions(old, new)


def test_hostile_text_is_inert_in_html() -> None:
    d = hostile_diff()
    for out in (render_html(d, title="<script>x</script>", full=True), render_html_page(d, title="<script>x</script>")):
        # No markup from page text survives: only our own tags appear.
        tags = set(re.findall(r"<\s*/?\s*([a-zA-Z0-9!]+)", out))
        assert tags <= {"div", "p", "b", "i", "h2", "small", "del", "ins", "html", "head", "meta", "title", "style", "body", "!DOCTYPE"}
        assert "<script" not in out and "<img" not in out and "<a " not in out
        assert "&lt;script&gt;" in out and "&lt;img src=x onerror=" in out
        assert 'href="javascript' not in out
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]", out)
    # Invisible characters that were *changed* are shown as code points, not silently dropped.
    assert "⟨U+202E⟩" in render_html(d)


def test_hostile_text_is_inert_in_terminal() -> None:
    d = hostile_diff()
    for out in (render_text(d, context=5), render_text(d, color=True)):
        plain = re.sub(r"\x1b\[(?:0|2|3[126]|4[12])m", "", out)  # our own colour codes only
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]", plain), repr(plain)
        # No page-text newline can forge a diff line of its own.
        assert not any(line.startswith("+ forged") for line in plain.splitlines())
    assert "⟨U+001B⟩" in render_text(d)


def test_safe_terminal() -> None:
    assert safe_terminal("a\x1b[31mred\x1b[0m b") == "ared b"
    assert safe_terminal("t\x1b]0;title\x07x") == "tx"
    assert safe_terminal("x\u202ey\u2066z\u2069") == "xyz"
    assert safe_terminal("a\tb\rc") == "a b c"
    assert safe_terminal("keep\nnewline") == "keep\nnewline"
    assert safe_terminal("\x00\x07\x7f\x85\x9b") == " "  # NEL is a line break, shown as a space
    assert safe_terminal("Лавров: «да» — Lavrov") == "Лавров: «да» — Lavrov"


# ---------------------------------------------------------------- performance


def test_performance_40kb_transcript() -> None:
    old = long_transcript(60)
    size = len("\n\n".join(p["text"] for p in old["paragraphs"]).encode("utf-8"))
    assert size > 40_000
    new = json.loads(json.dumps(old))
    for k, (a, b) in zip((10, 51, 100), (("Санкции", "Санкции, конечно,"), ("регионе", "регионе,"), ("Женеве", "Вене"))):
        new["paragraphs"][k]["text"] = new["paragraphs"][k]["text"].replace(a, b, 1) if a in new["paragraphs"][k]["text"] else new["paragraphs"][k]["text"] + " " + b
    start = time.perf_counter()
    d = diff_versions(old, new)
    elapsed = time.perf_counter() - start
    assert summarize(d) == "3 paragraphs edited"
    assert elapsed < 0.2, elapsed  # measured ~2-4 ms; generous bound for slow CI


def test_performance_wholesale_rewrite() -> None:
    # Every paragraph edited (e.g. a site-wide quote-style change): one huge replace block.
    old = long_transcript(60)
    new = json.loads(json.dumps(old))
    for p in new["paragraphs"]:
        p["text"] = "— " + p["text"]
    start = time.perf_counter()
    d = diff_versions(old, new)
    elapsed = time.perf_counter() - start
    assert summarize(d) == f"{len(old['paragraphs'])} paragraphs edited"
    assert elapsed < 3.0, elapsed
