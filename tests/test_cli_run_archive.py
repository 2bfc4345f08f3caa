"""`crawl run --site archive.mid.ru` end to end against the mirror of the older portal."""

import pytest

from fixtures.mirror import MirrorServer
from tests.helpers import EDITS_AT_ONCE, run_cli as crawl, query as rows

pytestmark = pytest.mark.slow  # A full `crawl run` of the older portal's mirror.


def test_archive_crawl_five_variants_paging_and_change_detection(tmp_path):
    db = str(tmp_path / "archive.db")
    with MirrorServer(state="initial") as server:
        # The real portal's robots.txt forbids asset_publisher URLs, so the archive needs --ignore-robots.
        base = ["run", "--db", db, "--site", "archive.mid.ru", "--base-url", server.base_url, "--delay", "0",
                "--ignore-robots", "--max-pages", "5", "--section", "news", "--section", "minister_speeches"]
        crawl(*base)
        assert any("_cur=2" in path for _, path, _ in server.requests)   # the listing's second page was read
        assert not any(path.startswith("/ru/foreign_policy/news/1") for _, path, _ in server.requests)
        langs = rows(db, "SELECT group_concat(lang) FROM (SELECT lang FROM variants WHERE"
                         " statement_id='archive.mid.ru:3929435' ORDER BY lang)")[0][0]
        assert langs == "de,en,es,fr,ru"
        st = rows(db, "SELECT site, source_id, published_at FROM statements WHERE id='archive.mid.ru:3929435'")[0]
        assert st == ("archive.mid.ru", 3929435, "2020-02-03T14:15:00+03:00")
        en_title = rows(db, "SELECT title FROM variants WHERE statement_id='archive.mid.ru:3929435' AND lang='en'")[0][0]
        assert en_title.startswith("Foreign Minister Sergey Lavrov")
        bodies = " ".join(r[0] for r in rows(db, "SELECT body FROM versions"))
        for chrome in ("Additional materials", "Advanced settings", "Дополнительные инструменты поиска",
                       "Council of Europe (CoE)"):
            assert chrome not in bodies
        assert rows(db, "SELECT count(*) FROM statements WHERE site<>'archive.mid.ru'") == [(0,)]

        server.set_state("later")
        crawl(*base[:-4], "--recheck", "all", *EDITS_AT_ONCE)
        changes = rows(db, "SELECT kind, statement_id, lang FROM changes WHERE run_id=2")
        assert changes == [("edited", "archive.mid.ru:3929435", "ru")]
