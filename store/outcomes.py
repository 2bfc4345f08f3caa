"""The outcome of one fetch, as the crawler classifies it and the store and detection read it."""
from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What one request for a page came to. Stored as its value in `fetches.outcome`."""

    OK = "ok"                              # content parsed (a new version, or the same text as before)
    UNCHANGED = "unchanged"                # content parsed, same text as the current version
    NOT_MODIFIED = "not_modified"          # 304 to a conditional request
    GONE = "gone"                          # 404/410, or a redirect to the home page or a listing
    SERVER_ERROR = "server_error"          # 5xx
    RATE_LIMITED = "rate_limited"          # 429
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"  # refused, reset, DNS, cut short
    CHALLENGE = "challenge"                # the anti-bot page
    ROBOTS = "robots"                      # forbidden by robots.txt: never sent
    PARSE_ERROR = "parse_error"            # a 200 the parser refused (not an article, undecodable, mojibake)
    OFFSITE = "offsite"                    # redirected to another host: never followed
    ERROR = "error"                        # anything else (an unexpected status, a redirect loop)
    # A 200 that is not the page asked for, or not whole (crawler/parsers/integrity.py): never a version.
    TRUNCATED = "truncated"                # cut short: the article container or the document never ends
    WRONG_PAGE = "wrong_page"              # another statement's page, or another language's
    SERVER_ERROR_TEXT = "server_error_text"  # a server error message (PHP, database) in place of content
    MOJIBAKE = "mojibake"                  # text decoded with a wrong charset somewhere


# Only GONE may ever count toward a deletion; the transient ones (and robots refusals) never create a
# version and never count toward anything.
OK_OUTCOMES: frozenset[Outcome] = frozenset({Outcome.OK, Outcome.UNCHANGED, Outcome.NOT_MODIFIED})
GONE_OUTCOMES: frozenset[Outcome] = frozenset({Outcome.GONE})
TRANSIENT_OUTCOMES: frozenset[Outcome] = frozenset({
    Outcome.SERVER_ERROR, Outcome.RATE_LIMITED, Outcome.TIMEOUT, Outcome.CONNECTION_ERROR, Outcome.CHALLENGE,
    Outcome.ROBOTS, Outcome.PARSE_ERROR, Outcome.ERROR, Outcome.OFFSITE, Outcome.TRUNCATED, Outcome.WRONG_PAGE,
    Outcome.SERVER_ERROR_TEXT, Outcome.MOJIBAKE,
})
# What a run counts as its `errors` (challenge pages and robots refusals are counted on their own).
ERROR_OUTCOMES: frozenset[Outcome] = TRANSIENT_OUTCOMES - {Outcome.CHALLENGE, Outcome.ROBOTS}
ALL_OUTCOMES: frozenset[Outcome] = frozenset(Outcome)


def values(outcomes: frozenset[Outcome]) -> tuple[str, ...]:
    """The stored values of a set of outcomes, sorted (for SQL parameters)."""
    return tuple(sorted(o.value for o in outcomes))
