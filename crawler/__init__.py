"""The crawler: Scrapy spiders decide what to fetch, pure parsers read pages, the pipeline hands records to the store."""
