"""Speaker roles that read the same in every language: question, answer, moderator, or a person by surname."""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

QUESTION, ANSWER, MODERATOR = "question", "answer", "moderator"
_ROLE_WORDS = {
    QUESTION: ("вопрос", "question", "frage", "pregunta", "pergunta", "domanda", "вопросы", "questions", "fragen",
               "preguntas"),
    ANSWER: ("ответ", "answer", "antwort", "réponse", "reponse", "respuesta", "resposta", "risposta"),
    MODERATOR: ("ведущий", "ведущая", "модератор", "moderator", "host", "modérateur", "moderateur", "moderador",
                "moderadora", "presenter"),
}
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
})


def _ascii(text: str) -> str:
    text = text.casefold().translate(_TRANSLIT)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _name_key(text: str) -> str:
    """A rough cross-language key for a surname: 'Лавров', 'Lavrov', 'Lawrow' -> 'lavrov'."""
    s = _ascii(text)
    for a, b in (("shch", "sh"), ("sch", "sh"), ("kh", "h"), ("ch", "h"), ("j", "h"), ("w", "v"), ("ts", "c"),
                 ("tz", "c"), ("x", "h"), ("ij", "y"), ("ei", "e"), ("ey", "e"), ("yi", "i"), ("ie", "i")):
        s = s.replace(a, b)
    return re.sub(r"[^a-z]", "", s)


def speaker_role(label: str | None) -> str | None:
    """'Вопрос'/'Question'/'Frage' -> 'question'; 'Ответ' -> 'answer'; a name -> 'person:<key>'; None -> None."""
    if not label or not label.strip():
        return None
    words = [w for w in re.split(r"[\s.,()«»\"]+", label.strip()) if w]
    low = [w.casefold() for w in words]
    for role, names in _ROLE_WORDS.items():
        if low and low[0] in names:
            return role
    # A person: the last word of two letters or more that is not an initial ("С.В.Лавров" -> "Лавров").
    candidates = [w for w in re.split(r"[\s.]+", label.strip()) if len(w) > 2]
    if not candidates:
        return "person:" + _name_key(label)
    return "person:" + _name_key(candidates[-1])


def roles_compatible(a: str | None, b: str | None) -> int:
    """+1 when two speaker roles are the same across languages, 0 when unknown/weak, -1 when they conflict."""
    if a is None or b is None:
        return 0 if a == b else -1
    if a == b:
        return 1
    pa, pb = a.startswith("person:"), b.startswith("person:")
    if pa and pb:
        ka, kb = a[7:], b[7:]
        if ka and kb and SequenceMatcher(None, ka, kb).ratio() >= 0.7:
            return 1
        return -1
    if (pa and b == ANSWER) or (pb and a == ANSWER) or (pa and b == MODERATOR) or (pb and a == MODERATOR):
        return 0  # "Ответ" in one language and the minister's name in the other: plausible
    return -1
