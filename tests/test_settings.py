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


def test_the_consoles_are_not_loaded_and_scrapys_other_extensions_are():
    # Scrapy imports every extension named in EXTENSIONS (even one set to None); the remote-control console's
    # module pulls in aiohttp's web server, so both consoles are left out of the base list instead.
    from scrapy.settings.default_settings import EXTENSIONS_BASE

    settings = request_settings(CrawlRequest(db="mw.db", run_id=1, base_url="http://127.0.0.1:9").validate(),
                                progress=False)
    loaded = settings["EXTENSIONS_BASE"]
    assert "scrapy.extensions.remote_control.RemoteControl" not in loaded
    assert "scrapy.extensions.telnet.TelnetConsole" not in loaded
    assert "EXTENSIONS" not in settings and settings["REMOTE_CONTROL_ENABLED"] is False
    assert {k: v for k, v in EXTENSIONS_BASE.items() if k in loaded} == loaded and "scrapy.extensions.corestats.CoreStats" in loaded
