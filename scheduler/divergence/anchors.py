"""Language-neutral anchors inside a paragraph: numbers, percentages, dates and Latin-script names.

Pure functions, no machine translation. An anchor is a short string that reads the same in every
language version of one statement:

* ``num:<value>``   a number, with thousands separators normalised ("1 000", "1,000", "1.000" -> 1000),
                    decimal commas read as points ("1,5" -> 1.5) and scale words applied
                    ("5 млн" / "5 million" / "5 Millionen" -> 5000000);
* ``pct:<value>``   a percentage ("5%", "5 %", "5 процентов", "5 per cent", "5 Prozent", "5 por ciento");
* ``date:MM-DD``    a day and a month name in any of ru/en/de/fr/es/pt ("2 сентября", "September 2",
                    "2. September", "2 de septiembre"); the year, when given, is a ``num`` anchor;
* ``lat:<word>``    a Latin-script word or abbreviation inside Cyrillic text (BRICS, G20, iPhone), which
                    translations keep as is. Only extracted from Cyrillic paragraphs.

Number words (one..twelve, "двух", "zwei", "deux", ...) are *soft* anchors: they never count as a
number on their own, but a digit on one side is considered matched by the same number written as a
word on the other side.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

# --------------------------------------------------------------------------------------------
# months

_MONTH_STEMS: dict[int, tuple[str, ...]] = {
    1: ("январ", "january", "januar", "janvier", "enero", "janeiro", "jänner"),
    2: ("феврал", "february", "februar", "février", "fevrier", "febrero", "fevereiro"),
    3: ("март", "марта", "march", "märz", "marz", "mars", "marzo", "março", "marco"),
    4: ("апрел", "april", "avril", "abril"),
    5: ("мая", "май", "мае", "маю", "may", "mai", "mayo", "maio"),
    6: ("июн", "june", "juni", "juin", "junio", "junho"),
    7: ("июл", "july", "juli", "juillet", "julio", "julho"),
    8: ("август", "august", "août", "aout", "agosto"),
    9: ("сентябр", "september", "septembre", "septiembre", "setiembre", "setembro"),
    10: ("октябр", "october", "oktober", "octobre", "octubre", "outubro"),
    11: ("ноябр", "november", "novembre", "noviembre", "novembro"),
    12: ("декабр", "december", "dezember", "décembre", "decembre", "diciembre", "dezembro"),
}
# Whole words that may be a month; checked against the stems above.
_MONTH_WORD = r"[A-Za-zÀ-ÿА-Яа-яЁё]{3,12}"


def month_number(word: str) -> int | None:
    w = word.casefold()
    for number, stems in _MONTH_STEMS.items():
        for stem in stems:
            # Short stems must match whole ("may", "mai", "mars"); long ones as a prefix ("сентябр-я").
            if (len(stem) <= 4 and w == stem) or (len(stem) > 4 and w.startswith(stem)):
                return number
    return None


_DAY_MONTH = re.compile(
    rf"(?<!\d)(?P<d1>[0-3]?\d)(?:\.|-?(?:го|е|er|st|nd|rd|th))?\s*(?:de\s+)?(?P<m1>{_MONTH_WORD})"
    rf"|(?P<m2>{_MONTH_WORD})\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)"
)

# --------------------------------------------------------------------------------------------
# numbers

_SEP = "[\u00a0\u202f\u2009 .,’']"
_NUMBER = re.compile(
    rf"(?<![\d\w.,])(?P<num>\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d)"
)
_SCALE_WORDS = [
    (1_000_000_000_000, r"трлн|триллион\w*|trillion\w*|billionen\b|trillón\w*|trilh\w*"),
    (1_000_000_000, r"млрд|миллиард\w*|billion\w*|bn\b|milliard\w*|mil\s+millones|bilh\w*"),
    (1_000_000, r"млн|миллион\w*|million\w*|mln\b|mio\b|millón\w*|millones|milh\w*"),
    (1_000, r"тыс(?:\.|яч\w*)?|thousand\w*|tausend|mille|mil\b"),
]
_SCALE = [(value, re.compile(rf"\s*(?:{rx})", re.IGNORECASE)) for value, rx in _SCALE_WORDS]
_PERCENT = re.compile(
    r"\s*(?:%|процент\w*|per\s*cent\b|percent\b|prozent\b|pour\s*cent\b|por\s*ciento\b|por\s*cento\b)",
    re.IGNORECASE,
)

_NUMBER_WORDS: dict[str, int] = {}
for _value, _words in {
    1: "один одна одно одного одной одному one eins ein eine einem einen einer un une uno una um uma",
    2: "два две двух двум двумя two zwei deux dos dois duas",
    3: "три трех трёх трем трём тремя three drei trois tres três",
    4: "четыре четырех четырёх четырем четырём четырьмя four vier quatre cuatro quatro",
    5: "пять пяти пятью five fünf funf cinq cinco",
    6: "шесть шести шестью six sechs seis",
    7: "семь семи семью seven sieben sept siete sete",
    8: "восемь восьми восемью eight acht huit ocho oito",
    9: "девять девяти девятью nine neun neuf nueve nove",
    10: "десять десяти десятью ten zehn dix diez dez",
    11: "одиннадцать одиннадцати eleven elf onze once",
    12: "двенадцать двенадцати twelve zwölf zwolf douze doce",
    100: "сто hundred hundert cent cien cem",
    1000: "тысяча тысячи thousand tausend mille mil",
}.items():
    for _w in _words.split():
        _NUMBER_WORDS[_w] = _value

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_CYRILLIC = re.compile("[А-Яа-яЁё]")
_LATIN_TOKEN = re.compile(r"(?<![\w@/.])[A-Za-z][A-Za-z0-9&\-]*[A-Za-z0-9]")


def _value(text: str) -> float:
    """'1 000' / '1,000' / '1.000' -> 1000; '1,5' / '1.5' -> 1.5; '1 000,5' -> 1000.5."""
    parts = re.split(_SEP, text)
    if len(parts) == 1:
        return float(parts[0])
    if all(len(p) == 3 for p in parts[1:]):
        return float("".join(parts))
    if len(parts) == 2:
        return float(f"{parts[0]}.{parts[1]}")
    return float("".join(parts[:-1]) + "." + parts[-1])


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def extract_anchors(text: str) -> Counter[str]:
    """The language-neutral anchors of one paragraph (a multiset)."""
    out: Counter[str] = Counter()
    taken: list[tuple[int, int]] = []
    # Dates and numbers both need a digit; most paragraphs have none, and the date pattern is slow to
    # rule out (it tries every word as a month name).
    has_digit = _DIGIT.search(text) is not None
    for m in (_DAY_MONTH.finditer(text) if has_digit else ()):
        day, month_word = (m.group("d1"), m.group("m1")) if m.group("d1") else (m.group("d2"), m.group("m2"))
        month = month_number(month_word or "")
        if month is None or not 1 <= int(day) <= 31:
            continue
        out[f"date:{month:02d}-{int(day):02d}"] += 1
        taken.append(m.span("d1") if m.group("d1") else m.span("d2"))
    for m in (_NUMBER.finditer(text) if has_digit else ()):
        if any(a <= m.start() < b for a, b in taken):
            continue
        raw = m.group("num")
        try:
            value = _value(raw)
        except ValueError:
            continue
        rest = text[m.end():]
        for scale, rx in _SCALE:
            sm = rx.match(rest)
            if sm:
                value *= scale
                rest = rest[sm.end():]
                break
        if _PERCENT.match(text, m.end()) or _PERCENT.match(rest):
            out[f"pct:{_fmt(value)}"] += 1
        else:
            out[f"num:{_fmt(value)}"] += 1
    if _CYRILLIC.search(text):
        for m in _LATIN_TOKEN.finditer(text):
            token = m.group()
            roman = _roman(token)
            if roman is not None:
                out[f"num:{roman}"] += 1  # "IX Форум", "XXI век": Russian writes ordinals in Roman numerals
            elif len(token) >= 2:
                out[f"lat:{token.casefold()}"] += 1
        for m in re.finditer(r"(?<![\w])([IVXLC]{1,7})(?![\w])", text):
            if len(m.group(1)) == 1 and _roman(m.group(1)) is not None:
                out[f"num:{_roman(m.group(1))}"] += 1  # a lone "V" or "X"
    return out


_ROMAN = re.compile(r"^(?=[IVXLC])(C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def _roman(token: str) -> int | None:
    m = _ROMAN.match(token)
    if not m or not token:
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for k, ch in enumerate(token):
        v = values[ch]
        total += -v if k + 1 < len(token) and values[token[k + 1]] > v else v
    return total


def soft_numbers(text: str) -> frozenset[str]:
    """Numbers written as words ("two", "двух", "zwei"), as ``num:`` anchors that may satisfy a digit."""
    return frozenset(f"num:{_NUMBER_WORDS[w]}" for w in set(_WORD.findall(text.casefold())) & _NUMBER_WORDS.keys())


def compare_anchors(a: Counter[str], b: Counter[str], text_a: str = "", text_b: str = "", *,
                    soft: tuple[frozenset[str], frozenset[str]] | None = None) -> tuple[int, list[str], list[str]]:
    """(matched, only in a, only in b). ``lat:`` anchors from one side also match the other's raw text,
    and digits match the same number written as a word on the other side (``soft``: precomputed
    :func:`soft_numbers` of both texts)."""
    if not a and not b:
        return 0, [], []
    if a == b:  # the usual case of a faithful translation: every anchor matched, none left over
        return sum(a.values()), [], []
    matched = sum((a & b).values())
    only_a = list((a - b).elements())
    only_b = list((b - a).elements())
    if only_a or only_b:
        soft_a, soft_b = soft if soft is not None else (soft_numbers(text_a), soft_numbers(text_b))
        # (casefolded only when a name is left to look for: most comparisons have none)
        low_b = text_b.casefold() if any(x.startswith("lat:") for x in only_a) else ""
        low_a = text_a.casefold() if any(x.startswith("lat:") for x in only_b) else ""
        keep_a = []
        for x in only_a:
            if x in soft_b or (x.startswith("lat:") and x[4:] in low_b):
                matched += 1
            else:
                keep_a.append(x)
        keep_b = []
        for x in only_b:
            if x in soft_a or (x.startswith("lat:") and x[4:] in low_a):
                matched += 1
            else:
                keep_b.append(x)
        only_a, only_b = keep_a, keep_b
        # "с 2 по 5 сентября" / "from September 2 to 5": a bare day on one side, a date on the other.
        for left, right in ((only_a, only_b), (only_b, only_a)):
            for x in [d for d in left if d.startswith("date:")]:
                day = f"num:{int(x[-2:])}"
                if day in right and x in left:
                    left.remove(x)
                    right.remove(day)
                    matched += 1
    return matched, sorted(only_a), sorted(only_b)


def is_year(anchor: str) -> bool:
    if not anchor.startswith("num:"):
        return False
    v = anchor[4:]
    return v.isdigit() and 1900 <= int(v) <= 2100


def words(text: str) -> Iterable[str]:
    return _WORD.findall(text)
