"""The one mapping from what the site answered (an HTTP status) or how a request failed (an exception) to an Outcome.

The exception classes are those Scrapy (>= 2.15) and Twisted raise: Scrapy's built-in download handlers
wrap Twisted's refused connections, DNS failures, failed responses and timeouts in their own classes
(scrapy.exceptions.DownloadConnectionRefusedError, CannotResolveHostError, DownloadFailedError,
DownloadTimeoutError, ResponseDataLossError); what they leave unwrapped (a connection lost or closed, a TCP
connect timeout, a request that could not be sent) arrives as Twisted's own class.
"""
from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError, DownloadTimeoutError, IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, ConnectionClosed, DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure
from twisted.web.client import RequestTransmissionFailed, ResponseFailed

from crawler.boundary import OffsiteRequest
from store.outcomes import Outcome

GONE_STATUSES = frozenset({404, 410})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# Checked before CONNECTION_FAILURES: Twisted's TimeoutError and TCPTimedOutError (a connect that timed out,
# which Scrapy does not wrap) are ConnectErrors. The built-in TimeoutError is asyncio's too.
TIMEOUTS: tuple[type[BaseException], ...] = (DownloadTimeoutError, TwistedTimeoutError, TCPTimedOutError, TimeoutError)
# The host could not be reached, or the answer was cut short: never evidence of anything about the page.
CONNECTION_FAILURES: tuple[type[BaseException], ...] = (
    DownloadConnectionRefusedError, CannotResolveHostError, DownloadFailedError, ResponseDataLossError,
    ConnectError, ConnectionClosed, DNSLookupError, ResponseFailed, RequestTransmissionFailed, ConnectionError,
)
# The messages of Scrapy's two middlewares that drop a request before it is sent (neither has its own class;
# our own boundary raises crawler.boundary.OffsiteRequest).
ROBOTS_MESSAGE = "Forbidden by robots.txt"                  # scrapy.downloadermiddlewares.robotstxt
OFFSITE_MESSAGE = "Filtered offsite request"                # scrapy.downloadermiddlewares.offsite


def outcome_of_status(status: int) -> Outcome | None:
    """The outcome an HTTP status decides by itself; None for a 200 (read the page) and a redirect (judge where
    it leads)."""
    if status == 304:
        return Outcome.NOT_MODIFIED
    if status in GONE_STATUSES:
        return Outcome.GONE
    if status == 429:
        return Outcome.RATE_LIMITED
    if status >= 500:
        return Outcome.SERVER_ERROR
    if status == 200 or status in REDIRECT_STATUSES:
        return None
    return Outcome.ERROR


def outcome_of_exception(exc: BaseException) -> Outcome:
    """The outcome of a request that ended in `exc` instead of a response the callback reads."""
    if isinstance(exc, HttpError):  # (an IgnoreRequest: a status the request did not ask to handle)
        return outcome_of_status(exc.response.status) or Outcome.ERROR
    if isinstance(exc, OffsiteRequest):  # (our own boundary: crawler/boundary.py)
        return Outcome.OFFSITE
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if message.startswith(ROBOTS_MESSAGE):
            return Outcome.ROBOTS
        if message.startswith(OFFSITE_MESSAGE):
            return Outcome.OFFSITE
        return Outcome.ERROR
    if isinstance(exc, TIMEOUTS):
        return Outcome.TIMEOUT
    if isinstance(exc, CONNECTION_FAILURES):
        return Outcome.CONNECTION_ERROR
    return Outcome.ERROR


def outcome_of_failure(failure: Failure) -> Outcome:
    """The outcome of a request whose errback received `failure`."""
    return outcome_of_exception(failure.value)
