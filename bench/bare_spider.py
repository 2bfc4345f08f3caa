"""A bare Scrapy spider: fetch a list of URLs with the crawler's own downloader settings and discard them.

    python -m bench.bare_spider URLS_FILE [--tuned]

The reference for the full crawl's throughput (the framework's own cost on this machine): the crawler's
downloader settings (concurrency, timeouts, retries, robots), Scrapy's defaults for everything else - what a
plain spider gets. `--tuned` also takes the crawler's own per-response tuning (CONCURRENT_ITEMS,
WARN_ON_GENERATOR_RETURN_VALUE, SPIDER_MIDDLEWARES), to show how much of the gap is Scrapy's default overhead.
"""
from __future__ import annotations

import os
import sys
import time

import scrapy
from scrapy.crawler import CrawlerProcess

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs):
        super().__init__(**kwargs)
        self.urls = urls
        self.pages = 0
        self.bytes = 0

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True, meta={"handle_httpstatus_all": True})

    def parse(self, response):
        self.pages += 1
        self.bytes += len(response.body)
        return None


def main() -> int:
    from crawler.settings import crawl_settings

    urls = [u for u in open(sys.argv[1], encoding="utf-8").read().split("\n") if u]
    settings = crawl_settings(db="", run_id=None, base_url=urls[0], delay=0.0, ignore_robots=True)
    settings["ITEM_PIPELINES"] = {}
    if "--tuned" not in sys.argv[2:]:
        for key in ("CONCURRENT_ITEMS", "WARN_ON_GENERATOR_RETURN_VALUE", "SPIDER_MIDDLEWARES"):
            settings.pop(key, None)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    started = time.monotonic()
    process.crawl(crawler, urls=urls)
    process.start()
    spider = crawler.spider
    print(f"{spider.pages} {spider.bytes} {time.monotonic() - started:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
