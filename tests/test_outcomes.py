"""crawler.outcomes: HTTP statuses and the exceptions Scrapy and Twisted really raise, mapped to one Outcome each."""
from __future__ import annotations

import pytest
from scrapy import Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError, DownloadFailedError,
    DownloadTimeoutError, IgnoreRequest, ResponseDataLossError, UnsupportedURLSchemeError,
)
from scrapy.http import HtmlResponse, Request
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._download_handlers import wrap_twisted_exceptions
from scrapy.utils.test import get_crawler
from twisted.internet import error
from twisted.python.failure import Failure
from twisted.web.client import RequestTransmissionFailed, ResponseFailed, ResponseNeverReceived

from crawler.boundary import HostBoundaryMiddleware
from crawler.outcomes import outcome_of_exception, outcome_of_failure, outcome_of_status
from store.outcomes import Outcome

URL = "http://127.0.0.1:8000/ru/foreign_policy/news/1974990/?lang=ru"


@pytest.mark.parametrize("status,outcome", [
    (200, None), (301, None), (302, None), (303, None), (307, None), (308, None),
    (304, Outcome.NOT_MODIFIED), (404, Outcome.GONE), (410, Outcome.GONE), (429, Outcome.RATE_LIMITED),
    (500, Outcome.SERVER_ERROR), (502, Outcome.SERVER_ERROR), (503, Outcome.SERVER_ERROR), (504, Outcome.SERVER_ERROR),
    (204, Outcome.ERROR), (300, Outcome.ERROR), (400, Outcome.ERROR), (401, Outcome.ERROR), (403, Outcome.ERROR),
    (408, Outcome.ERROR), (451, Outcome.ERROR),
])
def test_status(status, outcome):
    assert outcome_of_status(status) is outcome


def _lost(exc: BaseException) -> Failure:
    return Failure(exc)


@pytest.mark.parametrize("exc,outcome", [
    # Scrapy's own classes (its download handlers wrap Twisted's in these)
    (DownloadTimeoutError(f"Getting {URL} took longer than 30.0 seconds."), Outcome.TIMEOUT),
    (DownloadConnectionRefusedError("Connection was refused by other side: 111: Connection refused."),
     Outcome.CONNECTION_ERROR),
    (CannotResolveHostError("DNS lookup failed: no results for hostname lookup: mid.invalid."), Outcome.CONNECTION_ERROR),
    (DownloadFailedError("[<twisted.python.failure.Failure ConnectionLost>]"), Outcome.CONNECTION_ERROR),
    (ResponseDataLossError(), Outcome.CONNECTION_ERROR),
    (DownloadCancelledError("Cancelling download: expected response size larger than download max size."),
     Outcome.ERROR),
    (UnsupportedURLSchemeError("Unsupported URL scheme 'gopher'"), Outcome.ERROR),
    # Twisted's, as they arrive when Scrapy leaves them unwrapped
    (error.TimeoutError(), Outcome.TIMEOUT),
    (error.TCPTimedOutError(), Outcome.TIMEOUT),
    (error.ConnectionRefusedError(), Outcome.CONNECTION_ERROR),
    (error.DNSLookupError("mid.invalid"), Outcome.CONNECTION_ERROR),
    (error.NoRouteError(), Outcome.CONNECTION_ERROR),
    (error.ConnectError(), Outcome.CONNECTION_ERROR),
    (error.ConnectionLost(), Outcome.CONNECTION_ERROR),
    (error.ConnectionDone(), Outcome.CONNECTION_ERROR),
    (ResponseNeverReceived([_lost(error.ConnectionLost())]), Outcome.CONNECTION_ERROR),
    (ResponseFailed([_lost(error.ConnectionDone())]), Outcome.CONNECTION_ERROR),
    (RequestTransmissionFailed([_lost(error.ConnectionLost())]), Outcome.CONNECTION_ERROR),
    # Python's
    (TimeoutError(), Outcome.TIMEOUT),
    (ConnectionResetError(104, "Connection reset by peer"), Outcome.CONNECTION_ERROR),
    (ValueError("anything else"), Outcome.ERROR),
    (OSError("not a connection problem"), Outcome.ERROR),
], ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v))
def test_exception(exc, outcome):
    assert outcome_of_exception(exc) is outcome
    assert outcome_of_failure(Failure(exc)) is outcome


@pytest.mark.parametrize("raised,outcome", [
    (error.TimeoutError(), Outcome.TIMEOUT),
    (error.ConnectionRefusedError(), Outcome.CONNECTION_ERROR),
    (error.DNSLookupError("mid.invalid"), Outcome.CONNECTION_ERROR),
    (ResponseNeverReceived([_lost(error.ConnectionLost())]), Outcome.CONNECTION_ERROR),
])
def test_twisted_failures_as_scrapy_wraps_them(raised, outcome):
    """What the HTTP/1.1 handler turns Twisted's exceptions into keeps the meaning of the original."""
    with pytest.raises(Exception) as wrapped:
        with wrap_twisted_exceptions():
            raise raised
    assert type(wrapped.value) is not type(raised)
    assert outcome_of_exception(wrapped.value) is outcome_of_exception(raised) is outcome


@pytest.mark.parametrize("status,outcome", [(503, Outcome.SERVER_ERROR), (500, Outcome.SERVER_ERROR),
                                            (429, Outcome.RATE_LIMITED), (403, Outcome.ERROR)])
def test_listing_status_the_request_did_not_handle(status, outcome):
    """HttpError (a listing or feed answered with a status it does not read) goes by its status."""
    response = HtmlResponse(URL, status=status, body=b"", request=Request(URL))
    exc = HttpError(response, "Ignoring non-200 response")
    assert isinstance(exc, IgnoreRequest)
    assert outcome_of_exception(exc) is outcome


def _crawler(**settings):
    class Probe(Spider):
        name = "probe"
        allowed_domains = ["127.0.0.1"]

    crawler = get_crawler(Probe, settings_dict=settings)
    crawler.spider = Probe.from_crawler(crawler)
    return crawler


def test_robots_refusal_raised_by_the_middleware():
    crawler = _crawler(ROBOTSTXT_OBEY=True)
    middleware = RobotsTxtMiddleware(crawler)
    parser = ProtegoRobotParser.from_crawler(crawler, b"User-agent: *\nDisallow: /ru/\n")
    with pytest.raises(IgnoreRequest) as refused:
        middleware.process_request_2(parser, Request(URL))
    assert outcome_of_exception(refused.value) is Outcome.ROBOTS


def test_offsite_refusal_raised_by_the_middleware():
    crawler = _crawler()
    middleware = OffsiteMiddleware.from_crawler(crawler)
    middleware.spider_opened(crawler.spider)
    with pytest.raises(IgnoreRequest) as refused:
        middleware.process_request(Request("http://evil.example/ru/"))
    assert outcome_of_exception(refused.value) is Outcome.OFFSITE


def test_boundary_refusal_raised_by_our_middleware():
    middleware = HostBoundaryMiddleware("http://127.0.0.1:8000")
    with pytest.raises(IgnoreRequest) as refused:
        middleware.process_request(Request("http://127.0.0.1:8001/robots.txt"))
    assert outcome_of_exception(refused.value) is Outcome.OFFSITE


def test_other_ignored_requests_are_errors():
    assert outcome_of_exception(IgnoreRequest("max redirections reached")) is Outcome.ERROR

