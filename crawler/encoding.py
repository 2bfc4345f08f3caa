"""The ONE place where response bytes become text: robust to wrong, missing and lying charsets.

Order: a byte-order mark; then UTF-8 if the bytes are (almost entirely) valid UTF-8, whatever the
headers claim (a proxy that says latin-1 must not turn Cyrillic into mojibake); then the charset the
header or a <meta> declares; then windows-1251 (the Russian site's legacy encoding). The result says
whether the decode was lossless, so a page that needed replacement characters can be refused instead
of becoming a version full of "\ufffd".
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
FALLBACK = "windows-1251"

# UTF-8 Cyrillic read as latin-1/cp1252 and re-encoded: "Ð" or "Ñ" followed by a continuation-byte char.
_MOJIBAKE = re.compile("[\u00d0\u00d1][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                       "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")

_LATIN_RUNS = re.compile("[\u00c0-\u00ff]{4,}")
# Both patterns above need a letter of U+00C0-U+00FF: one scan for it rules out most texts (Cyrillic has none).
_LATIN1_LETTER = re.compile("[\u00c0-\u00ff]")


@dataclass
class Decoded:
    text: str
    encoding: str
    lossless: bool


def _norm(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def declared_charset(content_type: str | bytes | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    m = _CT_CHARSET.search(content_type or "")
    return m.group(1) if m else None


def decode_html(body: bytes, declared: str | None = None) -> Decoded:
    """Decode a page's bytes (see the module doc for the order)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(name, errors="replace"), name, True)
    try:
        return Decoded(body.decode("utf-8"), "utf-8", True)
    except UnicodeDecodeError:
        pass
    loose = body.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    non_ascii = sum(1 for b in body if b >= 0x80)
    meta = _META_CHARSET.search(body[:4096])
    candidates = [_norm(declared), _norm(meta.group(1).decode("ascii") if meta else None)]
    # A stray bad byte in a UTF-8 page: keep UTF-8 (and say it was lossy); legacy-encoded text has
    # almost every non-ASCII byte invalid as UTF-8.
    legacy_declared = any(c and c != "utf-8" for c in candidates)
    if bad <= non_ascii // 50 or (bad <= 1 and not legacy_declared):
        return Decoded(loose, "utf-8", False)
    for name in candidates + [FALLBACK]:
        if name and name != "utf-8":
            try:
                text = body.decode(name)
            except UnicodeDecodeError:
                continue
            if name != FALLBACK and looks_like_mojibake(text):
                continue  # windows-1251 bytes declared as latin-1: "Ñîîáùåíèå"
            return Decoded(text, name, True)
    return Decoded(body.decode(FALLBACK, errors="replace"), FALLBACK, False)


def looks_like_mojibake(text: str, min_hits: int = 3) -> bool:
    """True for Cyrillic decoded with a Western charset somewhere: UTF-8 read as latin-1/cp1252
    ("Ð¡ÐžÐžÐ‘Ð©Ð•Ð") or windows-1251 read as latin-1 ("Ñîîáùåíèå": runs of accented letters that
    no Western language has)."""
    if _LATIN1_LETTER.search(text) is None:
        return False
    # UTF-8 read as latin-1 always starts with Ð or Ñ: two substring scans rule it out for most texts.
    patterns = (_MOJIBAKE, _LATIN_RUNS) if "\u00d0" in text or "\u00d1" in text else (_LATIN_RUNS,)
    for pattern in patterns:
        hits = 0
        for _ in pattern.finditer(text):
            hits += 1
            if hits >= min_hits:
                return True
    return False


# The ten most frequent letters of Russian make up ~70% of the letters of any real text (66-74% on the
# reference pages); Cyrillic decoded with the wrong Cyrillic charset (KOI8-R read as windows-1251 or the other
# way round) keeps the script but scrambles the letters: ~35-40% of them, and ~90% capitals instead of ~3-13%.
# (Counted by deleting everything else with a compiled pattern: C speed, ~0.1 ms for a long transcript.)
_NOT_CYRILLIC = re.compile("[^\u0400-\u04ff]+")
_NOT_CYRILLIC_UPPER = re.compile("[^\u0400-\u042f]+")
_NOT_FREQUENT_RU = re.compile("[^оеаинтсрвлОЕАИНТСРВЛ]+")


def implausible_cyrillic(text: str, min_letters: int = 100) -> bool:
    """True for Cyrillic text that no Russian writer produced: letter frequencies and capitalisation of a text
    decoded with the wrong Cyrillic charset. Texts with fewer than `min_letters` Cyrillic letters are not judged."""
    letters = _NOT_CYRILLIC.sub("", text)
    n = len(letters)
    if n < min_letters:
        return False
    upper = len(_NOT_CYRILLIC_UPPER.sub("", letters)) / n
    frequent = len(_NOT_FREQUENT_RU.sub("", letters)) / n
    if n >= 300:
        return upper > 0.5 or frequent < 0.5
    return upper > 0.6 and frequent < 0.55
