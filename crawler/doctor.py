"""`python -m crawler doctor`: a handful of requests to one portal, made as a crawl makes them, and what came of
them as JSON (robots.txt, a listing, an article and its translations, the anti-bot wall and the browser path).

The checkup spiders are the crawl's own (MidSpider, ArchiveSpider) with the doctor's callbacks: the same
settings, host boundary, politeness, parsers, page checks and way through the wall; nothing is stored.
robots.txt is fetched once and obeyed here (unless told not to) rather than by Scrapy, which would fetch it again.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Iterator

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import FetchItem
from crawler.outcomes import REDIRECT_STATUSES, outcome_of_failure, outcome_of_status
from crawler.parsers import is_challenge, parse_g1_listing, parse_listing
from crawler.settings import USER_AGENT
from crawler.spiders.archive import ArchiveSpider
from crawler.spiders.mid import MidSpider
from crawler.urls import rebase
from store.outcomes import Outcome

DOCTOR_LANG = "ru"
DOCTOR_SECTION = "minister_speeches"   # the minister's speeches: translated more often than news
# Listed articles tried in turn until one has translations (the newest often has none yet).
ARTICLES_TRIED = 3


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """What a parsed article shows the user: enough to see that every field came out right."""
    paragraphs = record.get("paragraphs") or []
    speakers = list(dict.fromkeys(p["speaker"] for p in paragraphs if p.get("speaker")))
    first = next((p["text"] for p in paragraphs if p.get("text")), "")
    return {"title": (record.get("title") or "")[:120], "published_at": record.get("published_at"),
            "document_number": record.get("document_number"), "kind": record.get("kind"),
            "section": record.get("section"), "languages": sorted(record.get("languages") or {}),
            "paragraphs": len(paragraphs), "speakers": speakers[:4], "first_paragraph": first[:100],
            "parser_version": record.get("parser_version")}


class Checkup:
    """The doctor's callbacks over a crawl spider: robots.txt, page 1 of one listing, its first article, that
    article's translations. `report` holds what each answered (the last answer of a page that was retried)."""

    def __init__(self, *args: Any, ignore_robots: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ignore_robots = ignore_robots
        self.robots: Any = None
        self.candidates: list[str] = []
        self.report: dict[str, Any] = {"site": self.site, "base_url": self.base_url, "user_agent": USER_AGENT,
                                       "robots": None, "listing": None, "article": None, "translations": {}}

    async def start(self) -> Any:
        yield scrapy.Request(f"{self.base_url}/robots.txt", callback=self.check_robots, errback=self.check_failed,
                             meta={"handle_httpstatus_all": True, "doctor": "robots"}, dont_filter=True)

    def listing_entries(self, text: str, url: str) -> list[dict[str, Any]]:
        return parse_listing(text, url)

    # -- robots.txt --------------------------------------------------------------------------------------------

    def check_robots(self, response: Response) -> Iterator[Any]:
        from protego import Protego

        challenge = is_challenge(response.body)
        text = response.text if response.status == 200 and not challenge else ""
        self.robots = Protego.parse(text)
        self.report["robots"] = {"url": response.url, "status": response.status, "bytes": len(response.body),
                                 "outcome": "challenge" if challenge else "ok" if response.status == 200 else
                                 outcome_of_status(response.status) or "error"}
        # The site's clock against ours (the doctor compares them).
        self.report["server_date"] = (response.headers.get("Date") or b"").decode("latin-1") or None
        self.report["local_date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        yield from self._if_allowed(self._listing_request(DOCTOR_LANG, self.section_keys[0], 1), "listing")

    def _if_allowed(self, request: scrapy.Request, slot: str) -> Iterator[scrapy.Request]:
        """The request with the doctor's callbacks, unless robots.txt forbids it (then noted, never sent)."""
        if not self.ignore_robots and self.robots is not None and not self.robots.can_fetch(request.url, USER_AGENT):
            self._note(slot, {"url": request.url, "outcome": Outcome.ROBOTS.value,
                              "error": "robots.txt forbids it (--ignore-robots to ask all the same)"})
            return
        callback = self.check_listing if slot == "listing" else self.check_article
        yield request.replace(callback=callback, errback=self.check_failed)

    # -- a listing, an article, its translations ---------------------------------------------------------------

    def check_listing(self, response: Response) -> Iterator[Any]:
        items, entries = self.read_index(response, self.listing_entries)
        yield from self._noted("listing", response, items)
        if entries is None:
            return
        newest = entries[0] if entries else None
        self._note("listing", {**self._answer(response, Outcome.OK.value), "entries": len(entries),
                               "first": {k: newest.get(k) for k in ("title", "url", "published_at")} if newest else None})
        self.candidates = [e["url"] for e in entries[:ARTICLES_TRIED] if self.source_id_of(e["url"]) is not None]
        yield from self._next_article()

    def _next_article(self) -> Iterator[scrapy.Request]:
        if self.candidates:
            url = self.candidates.pop(0)
            request = self._article_request(rebase(url, self.base_url), DOCTOR_LANG, self.source_id_of(url))
            yield from self._if_allowed(request, "article")

    def check_article(self, response: Response) -> Iterator[Any]:
        lang = response.meta.get("lang")
        slot = "article" if lang == DOCTOR_LANG else f"translation:{lang}"
        outcome = outcome_of_status(response.status)
        if outcome is not None:
            self._note(slot, self._answer(response, outcome.value, error=f"HTTP {response.status}"))
            return
        if response.status in REDIRECT_STATUSES:
            yield from self._noted(slot, response, list(self._article_redirect(response)))
            return
        items, record = self._read_article(response)
        yield from self._noted(slot, response, items)
        if record is None:
            return
        self._note(slot, {**self._answer(response, Outcome.OK.value), "fields": record_fields(record)})
        if slot != "article":
            return
        if set(record.get("languages") or ()) <= {lang}:
            yield from self._next_article()   # no translations to check: try the next listed article
            return
        for other, url in sorted((record.get("languages") or {}).items()):
            source_id = self.source_id_of(url)
            if other != lang and source_id is not None:
                self.report["translations"][other] = None
                yield from self._if_allowed(self._article_request(rebase(url, self.base_url), other, source_id),
                                            f"translation:{other}")

    def check_failed(self, failure: Failure) -> None:
        request = failure.request
        slot = request.meta.get("doctor") or ("listing" if request.meta.get("page_type") == "listing" else
                                              "article" if request.meta.get("lang") == DOCTOR_LANG else
                                              f"translation:{request.meta.get('lang')}")
        self._note(slot, {"url": request.url, "outcome": outcome_of_failure(failure).value,
                          "error": f"{type(failure.value).__name__}: {failure.value}"[:300],
                          "via": request.meta.get("via")})

    # -- notes --------------------------------------------------------------------------------------------------

    def _noted(self, slot: str, response: Response, items: list[Any]) -> Iterator[scrapy.Request]:
        """Note what the crawl's own reading of an answer said (a FetchItem), and pass its retries on."""
        for item in items:
            if isinstance(item, FetchItem):
                fetch = item.fetch
                self._note(slot, self._answer(response, str(fetch.outcome), error=fetch.error))
            elif isinstance(item, scrapy.Request):
                yield item

    def _answer(self, response: Response, outcome: str, *, error: str | None = None) -> dict[str, Any]:
        latency = response.meta.get("download_latency")
        return {"url": response.url, "status": response.status, "outcome": outcome, "error": error,
                "via": response.meta.get("via"), "bytes": len(response.body),
                "seconds": round(latency, 2) if latency is not None else None}

    def _note(self, slot: str, answer: dict[str, Any]) -> None:
        if slot == "robots":
            self.report["robots"] = answer
            return
        key, _, lang = slot.partition(":")
        previous = self.report["translations"].get(lang) if lang else self.report.get(key)
        if previous and previous.get("url") != answer.get("url"):
            previous = None   # another article (the one before had no translations)
        answer["answers"] = ((previous or {}).get("answers") or 0) + 1
        answer["challenges"] = ((previous or {}).get("challenges") or 0) + (answer["outcome"] == Outcome.CHALLENGE)
        if lang:
            self.report["translations"][lang] = answer
        else:
            self.report[key] = answer


class MidCheckup(Checkup, MidSpider):
    """The checkup of the current site."""

    name = "doctor-mid"


class ArchiveCheckup(Checkup, ArchiveSpider):
    """The checkup of the older portal."""

    name = "doctor-archive"

    def listing_entries(self, text: str, url: str) -> list[dict[str, Any]]:
        return parse_g1_listing(text, url)


def run_checkup(site: str, base_url: str, *, delay: float = 1.0, timeout: float = 30.0, retries: int = 1,
                ignore_robots: bool = False, browser_after: int = 5, verbose: int = 0) -> dict[str, Any]:
    """Check one portal; the report as a dict (what `python -m crawler doctor` prints)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.browser import browser_missing
    from crawler.runner import set_log_levels
    from crawler.settings import crawl_settings
    from crawler.wall import wall_of

    settings = crawl_settings(db="", run_id=None, base_url=base_url, delay=delay, ignore_robots=True, timeout=timeout,
                              retries=retries, log_level=["ERROR", "INFO", "DEBUG"][min(verbose, 2)],
                              browser_after=browser_after)
    settings["ITEM_PIPELINES"] = {}
    process = CrawlerProcess(settings)
    set_log_levels(settings["LOG_LEVEL"], verbose=bool(verbose))
    cls = ArchiveCheckup if site == "archive.mid.ru" else MidCheckup
    crawler = process.create_crawler(cls)
    began = time.monotonic()
    process.crawl(crawler, base_url=base_url, section_keys=[DOCTOR_SECTION], langs=[DOCTOR_LANG], discover=False,
                  ignore_robots=ignore_robots)
    process.start()
    spider = crawler.spider
    report = getattr(spider, "report", None) or {"site": site, "base_url": base_url, "error": "the checkup did not start"}
    wall = wall_of(crawler)
    report["wall"] = {"mode": wall.mode, "browser_missing": browser_missing(), "browser_after": browser_after,
                      "refused_offsite": list(wall.refused_offsite), "refused_at_proxy": list(wall.refused_at_proxy)}
    report["seconds"] = round(time.monotonic() - began, 2)
    return report
