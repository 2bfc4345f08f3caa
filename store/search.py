"""Full-text search for the reading room: matching versions with highlighted snippets, newest first.

Written against today's index: `versions_fts`, an external-content FTS5 table over versions(title, body)
whose rowid is versions.id (migration 2). Whoever changes how versions and their index are stored changes
this module with it; nothing else in the reading room knows the index.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlite_utils

from store.sql import dict_rows, in_list, transaction

# A word of the query: a "quoted phrase", or a run of letters/digits, with an optional trailing * (prefix).
_TERM = re.compile(r'"([^"]*)"|([\w-]+)(\*?)', re.UNICODE)

# Word forms are inflection: a bare word is searched as itself or itself plus one of these endings, each an
# explicit term of the index. The lists are bounded on purpose. A prefix query ("talks"*) makes FTS5 merge the
# matches of every word beginning that way before it can stop at a page (104,000 matches of 151 words for
# "talks" at 150,000 statements, 118 ms), and in Russian a short word begins thousands of unrelated ones
# (мир -> мировой, прав -> правительство). A term that does not exist costs one probe of the index, and an OR
# of terms is read lazily, newest first, so a word with its forms costs a few ms whatever the archive's size.
# Endings only add to what was typed: forms that change the stem (Россия -> России, make -> making) are not
# found; a word typed with * is still a true prefix.
_CYRILLIC_ENDINGS = (
    # nouns and surnames (Лавров -> Лаврова, Лаврову, Лавровым, Лаврове, Лавровой, Лавровы, Лавровых ...)
    "а", "я", "у", "ю", "е", "ё", "о", "ы", "и", "ом", "ем", "ём", "ой", "ей", "ёй", "ою", "ею",
    "ам", "ям", "ами", "ями", "ах", "ях", "ов", "ев", "ёв",
    # adjectives (российск -> российский, российского ...; готов -> готовый, готовая ...)
    "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ого", "его", "ому", "ему", "ым", "им", "ыми", "ими",
    "ых", "их", "ую", "юю",
    # verbs (заявил -> заявила, заявили; заявля -> заявлять, заявляет, заявляют, заявлял ...)
    "ть", "ться", "л", "ла", "ло", "ли", "лся", "лась", "лось", "лись", "ся", "сь",
    "ет", "ут", "ют", "ит", "ат", "ят", "ешь", "ишь", "ете", "ите",
)
# English (talk -> talks, talked, talking, talker), German (russisch -> russische, russischen ...), French
# (invité -> invitée, invités: the index ignores Latin accents), Spanish and Portuguese plurals and genders.
# No 's: the index splits words at the apostrophe, so "Lavrov's" is found as "Lavrov" already. d and n only
# after an e (agree -> agreed, take -> taken, Name -> Namen): after another letter they make other words
# (col -> cold, war -> warn).
_LATIN_ENDINGS = ("s", "es", "e", "ed", "ing", "er", "ers", "est", "en", "ern", "em", "a", "as", "o", "os",
                  "ee", "ees")
_LATIN_AFTER_E = ("d", "n")
# Arabic number and gender suffixes (the article ال is a prefix, which no ending list can add).
_ARABIC_ENDINGS = ("ة", "ات", "ان", "ين", "ون", "ي", "ية", "يات")
_ENDINGS = {"CYRILLIC": _CYRILLIC_ENDINGS, "LATIN": _LATIN_ENDINGS, "ARABIC": _ARABIC_ENDINGS}


@dataclass(frozen=True)
class SearchFilter:
    langs: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year: int | None = None


class Term(NamedTuple):
    """A term of the query: one word or a phrase's words. ``prefix``: the last word also finds every word it
    begins (the reader typed word*). ``endings``: the last word also finds itself plus one of these."""
    words: tuple[str, ...]
    prefix: bool = False
    endings: tuple[str, ...] = ()


def word_endings(word: str) -> tuple[str, ...]:
    """The inflectional endings searched with a bare word, by the script of its last letter (none for a
    number or a script without a list)."""
    if not word[-1:].isalpha():
        return ()
    script = unicodedata.name(word[-1], "").split(" ")[0]
    if script == "LATIN" and word[-1] in "eE":
        return _LATIN_ENDINGS + _LATIN_AFTER_E
    return _ENDINGS.get(script, ())


def query_terms(query: str, *, word_forms: bool = True) -> list[Term]:
    """What a reader typed as terms. A word ending in * is a prefix; with ``word_forms`` every bare word of
    three letters or more also finds its inflected forms (the index does not stem: "Лавров" then finds
    "Лаврова", "Лаврову", but not "Лавровский")."""
    terms: list[Term] = []
    for phrase, word, star in _TERM.findall(query):
        if phrase.strip():
            words = tuple(re.findall(r"\w+", phrase))
            if words:
                terms.append(Term(words))
            continue
        for piece in re.findall(r"\w+", word):
            forms = word_endings(piece) if word_forms and not star and len(piece) >= 3 else ()
            terms.append(Term((piece,), prefix=bool(star), endings=forms))
    return terms


def _expression(term: Term) -> str:
    quoted = '"' + " ".join(term.words) + '"'
    if term.prefix:
        return quoted + "*"
    if not term.endings:
        return quoted
    stem = " ".join(term.words)
    return "(" + " OR ".join([quoted] + ['"' + stem + e + '"' for e in term.endings]) + ")"


def match_expression(query: str, *, word_forms: bool = True) -> str:
    """The FTS5 MATCH expression for what a reader typed: every term required, a word with its forms as an OR
    of explicit words (read lazily, newest first: no merge of every match), each word quoted so that no FTS5
    syntax in it acts (AND, NEAR, column filters). Empty when nothing searchable was typed."""
    return " AND ".join(_expression(t) for t in query_terms(query, word_forms=word_forms))


def matching_ids(db: sqlite_utils.Database, match: str, *, before: int | None, limit: int) -> list[int]:
    """Ids of up to ``limit`` versions matching ``match``, newest stored first, below ``before`` (FTS5 walks its
    index backwards and stops at the limit: no sort of every match)."""
    return [r[0] for r in db.conn.execute(
        "SELECT rowid FROM versions_fts WHERE versions_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
        (match, before if before else 1 << 62, limit))]


def search_versions(db: sqlite_utils.Database, ids: list[int], f: SearchFilter) -> list[dict[str, Any]]:
    """Of these versions (from :func:`matching_ids`), those passing the filters, newest first, with their
    statement's date, kind and section and the variant's current version and status."""
    where, params = ["v.id IN (SELECT value FROM json_each(?))"], [json.dumps(ids)]
    for col, wanted in (("v.lang", f.langs), ("s.section", f.sections), ("s.kind", f.kinds)):
        if wanted:
            m, values = in_list(wanted)
            where.append(f"{col} IN {m}")
            params += values
    if f.year:
        where.append("s.published_at >= ? AND s.published_at < ?")
        params += [f"{f.year:04d}", f"{f.year + 1:04d}"]
    return dict_rows(db.conn.execute(
        # Only the columns stored before the text: the long title, body and paragraphs are never read here.
        "SELECT v.id, v.statement_id, v.lang, v.version, s.published_at, s.kind, s.section,"
        " s.status AS statement_status, va.current_version, va.status AS variant_status FROM versions v"
        " JOIN statements s ON s.id = v.statement_id"
        " LEFT JOIN variants va ON va.statement_id = v.statement_id AND va.lang = v.lang"
        f" WHERE {' AND '.join(where)} ORDER BY v.id DESC", params))


def version_ids_matching(match: str) -> tuple[str, list[Any]]:
    """A sub-select of the ids of the versions matching ``match``, and its parameters (for `IN (...)`)."""
    return "SELECT rowid FROM versions_fts WHERE versions_fts MATCH ?", [match]


def texts(db: sqlite_utils.Database, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(title, body) of these versions, for snippets: the body as the index has it (paragraphs joined)."""
    if not ids:
        return {}
    m, values = in_list(ids)
    return {r[0]: (r[1], r[2]) for r in db.conn.execute(f"SELECT id, title, body FROM versions WHERE id IN {m}", values)}


# Versions stored by one backfill from which its end merges the full-text index into one segment.
COMPACT_AFTER_VERSIONS = 1000


def compact_index(db: sqlite_utils.Database) -> None:
    """Merge the full-text index into one b-tree (FTS5 'optimize'). A bulk load leaves it in many segments,
    each repeating its terms: merged, the index is ~2.5% smaller and a query reads one segment instead of many.
    It rewrites the whole index (seconds per 100,000 versions), so it runs after bulk loads, not every cycle.
    The pages it frees are given back to the file system where the database allows it (databases created
    since schema 18 use incremental auto-vacuum; older ones keep them for later writes)."""
    with transaction(db):
        db.conn.execute("INSERT INTO versions_fts(versions_fts) VALUES ('optimize')")
    if db.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:   # incremental
        # executescript steps the pragma to its end (one step of execute() frees a single page)
        db.conn.executescript("PRAGMA incremental_vacuum;")
