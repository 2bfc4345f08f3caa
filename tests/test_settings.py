"""crawler/settings.py: what a crawl request asks becomes the crawl's Scrapy settings, for every kind of crawl."""
from __future__ import annotations

from crawler.settings import request_settings
from store.backfill_request import BackfillSpec
from store.crawl_request import CrawlRequest


def test_a_backfill_part_keeps_the_options_it_was_given():
    # Both runners build their settings here: --browser-after reached `crawl run` but was dropped for a backfill.
    spec = BackfillSpec(phase="site")
    request = CrawlRequest(db="mw.db", run_id=4, base_url="http://127.0.0.1:9", delay=2.5, browser_after=0,
                           warc_max_size="10M", retries=1, backfill=spec).validate()
    settings = request_settings(request, progress=False)
    assert settings["MW_BROWSER_AFTER"] == 0 and settings["DOWNLOAD_DELAY"] == 2.5 and settings["RETRY_TIMES"] == 1
    assert settings["MW_RUN_ID"] == 4 and settings["MW_DB"] == "mw.db"
