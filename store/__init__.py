"""The store: one SQLite file (sqlite-utils) recording every run, fetch, statement, variant, version and change."""
