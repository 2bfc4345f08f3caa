"""Speaker labels: split "Label: text" off a body paragraph when the label names a speaker.

A paragraph "Label: text" gets ``{"speaker": "Label", "text": "text"}`` when the label is
  - short (at most 6 words outside parentheses, at most 60 characters), and
  - either a question/answer word ("Вопрос", "Ответ", "Реплика", "Question", "Answer",
    "Frage", "Antwort", "Réponse", "Pregunta", "Respuesta", "Pergunta", "Resposta"),
    optionally followed by a parenthesis ("Вопрос (РИА «Новости»):"), bold or not;
    when bold, a few more words are allowed ("Question from the floor:"),
  - or bold - the leading ``strong``/``b`` run is exactly the label, with the colon
    inside it or right after it - and name-shaped: every word capitalised or an initial
    ("С.В.Лавров", "Maria Zakharova", "Sergey Lavrov"), apart from particles like "de",
    "von", "al"; a single word only with initials ("С.В.Лавров") or as a role
    ("Ведущий", "Moderator"), so an emphasised "<b>Главное:</b>" stays text.
Not speakers: "Примечание:", "Тема:", "Пункт повестки дня:" and similar captions.
French spacing ("Question :") is accepted. A label alone in a paragraph
("<p><b>С.В.Лавров:</b></p>", "<p>Вопрос:</p>") is carried to the next paragraph (by
``crawler.parsers.body.extract_paragraphs``). Paragraphs without a label have speaker None (the
previous speaker is not propagated).
"""
from __future__ import annotations

import re

from crawler.text import normalize_text

__all__ = ["Segment", "read_paragraph"]

# A paragraph's text runs: (text, bold), as crawler.text.collect_runs gives them.
Segment = list[tuple[str, bool]]

_LABEL = re.compile(r"^(?P<label>[^:]{1,60}?)\s*:\s*(?P<rest>.*)$", re.S)
_QA_WORD = re.compile(
    r"^(?:вопрос|ответ|реплика|question|answer|frage|antwort|réponse|reponse|réplique|"
    r"pregunta|respuesta|réplica|pergunta|resposta)(?![\w])",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_PARTICLES = frozenset(
    "de da do dos das del la le van von der den di du al el bin ibn и y e of the".split()
)
_NOT_SPEAKERS = frozenset({
    "примечание", "справка", "внимание", "тема", "пункт повестки дня", "note", "notes",
    "nb", "n.b", "anmerkung", "hinweis", "remarque", "nota", "p.s", "ps", "источник",
    "source", "quelle", "fuente", "fonte", "место", "дата", "date", "place",
})
_INITIALS = re.compile(r"\b\w\.\s?(?:\w\.\s?)?[^\W\d_]{2,}")
_ROLES = frozenset("""ведущий ведущая председатель модератор корреспондент журналист журналистка
    переводчик moderator chairman chairperson chair host presenter correspondent journalist
    interviewer interpreter moderatorin moderateur présentateur journaliste moderador
    presentador periodista""".split())
_FORBIDDEN_IN_LABEL = re.compile(r"[?!;«»\"“”„]")


def _valid_label(label: str, bold: bool, exact: bool = False) -> bool:
    if not label or len(label) > 60 or _FORBIDDEN_IN_LABEL.search(_PARENS.sub("", label)):
        return False
    core = normalize_text(_PARENS.sub(" ", label))
    if not core or not core[0].isalpha():
        return False
    words = core.split()
    if len(words) > 6 or core.casefold().rstrip(".") in _NOT_SPEAKERS:
        return False
    if _QA_WORD.match(core):
        return bold or len(words) == 1
    if not exact:
        return False
    return _name_shaped(core, words)


def _name_shaped(core: str, words: list[str]) -> bool:
    """Every word capitalised (particles aside); one word only with initials or as a role."""
    for w in words:
        if w.casefold() in _PARTICLES:
            continue
        first = next((ch for ch in w if ch.isalpha()), "")
        if not first or not first.isupper():
            return False
    if len(words) == 1:
        # one bold capitalised word is too often an emphasis ("Главное:"); accept initials
        # ("С.В.Лавров") and a few roles only
        return bool(_INITIALS.search(core)) or core.casefold() in _ROLES
    return True


def _bold_prefix(seg: Segment) -> str:
    """The leading bold run of a segment (blank runs before/inside it included), normalised."""
    lead: list[str] = []
    for text, is_bold in seg:
        if is_bold or not text.strip():
            lead.append(text)
        else:
            break
    return normalize_text("".join(lead))


def read_paragraph(seg: Segment) -> tuple[str | None, str, bool] | None:
    """A segment's (speaker, text, label_only), or None when it has no text."""
    full = normalize_text("".join([t for t, _ in seg]))
    if not full:
        return None
    # no colon, no label: skip the regex and the bold run
    m = _LABEL.match(full) if ":" in full else None
    if m:
        label = m.group("label").strip()
        rest = m.group("rest").strip()
        bold_prefix = _bold_prefix(seg)
        is_bold = bool(bold_prefix) and bold_prefix.startswith(label)
        # a name label must be the bold run itself; Q/A words may open a bold question
        exact = is_bold and bold_prefix.rstrip(": ") == label
        if _valid_label(label, is_bold, exact):
            if rest:
                return label, rest, False
            if is_bold or _QA_WORD.match(label):
                return label, "", True
    return None, full, False
