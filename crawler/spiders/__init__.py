"""Scrapy spiders: they decide what to fetch; parsing lives in crawler.parsers."""
