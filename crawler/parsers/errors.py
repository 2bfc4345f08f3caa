"""Parser errors. A parser either returns a complete record or raises one of these."""
from __future__ import annotations

__all__ = ["ParseError", "ChallengePage", "NotAnArticle"]


class ParseError(Exception):
    """The input could not be turned into a record (base class)."""


class ChallengePage(ParseError):
    """The anti-bot interstitial (F5 "TSPD" / ``bobcmn`` / "Data processing... Please, wait.").

    Retryable: the same URL usually returns real content later. Never store it as a page.
    """


class NotAnArticle(ParseError):
    """Error page, 404 page, empty shell, listing, or anything without a title and a body."""
